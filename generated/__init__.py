# Generated from catalog.yaml (catalog version 1.2.0) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
"""Code generated from catalog.yaml: import the emitters from `.events`.

The package also holds EVENTS.md (the event documentation) and schemas/ (one JSON
Schema per event, of the attributes as they arrive on the wire).
"""
