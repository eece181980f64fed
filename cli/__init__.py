"""The `codex-otel` command line: `generate`, `validate` and `demo` (see `main`)."""
