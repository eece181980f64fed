"""The JSON Schema (draft 2020-12) of each event's attributes as they arrive on the wire."""

from __future__ import annotations

import json
from typing import Any

from .model import Attribute, Catalog, Event
from .py_literals import spell_surrogates


class SchemaDocument(dict[str, Any]):
    """A JSON Schema as data, which prints as its JSON text (2-space indent, UTF-8).

    `event.schema.json.jinja` receives one as `schema`: `{{ schema }}` writes the document,
    and an override may use its parts instead (`schema.properties`, `schema.required`)."""

    def __str__(self) -> str:
        text = json.dumps(self, indent=2, ensure_ascii=False)
        # A lone surrogate cannot be written as UTF-8; JSON's escape for it means the same.
        return spell_surrogates(text)


#: The length of a value in hash mode: HMAC-SHA256 in lowercase hex.
HASH_LENGTH = 64


def wire_schema(event: Event, catalog: Catalog, header: str) -> SchemaDocument:
    """JSON Schema (draft 2020-12) of one event's attributes as they arrive on the wire."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for attribute in (*catalog.common, *event.attributes):
        properties[attribute.key] = _attribute_schema(attribute)
        if attribute.computed == "event_name":
            # The runtime copies the record's event name here: one value per event, which
            # is then the only example that holds (the catalog's example names one event).
            properties[attribute.key]["const"] = event.name
            properties[attribute.key]["examples"] = [event.name]
        # A policy attribute may be absent even when required: its toggle's mode may send
        # only its length (`<key>.length`) or drop it.
        if attribute.is_required and not attribute.redact:
            required.append(attribute.key)
        for legacy in attribute.also_sent_as:  # dual emission: the same value, old key
            properties[legacy.key] = {
                **_attribute_schema(attribute),
                "description": f"Deprecated key of {attribute.key}, sent with the same value "
                f"until catalog version {legacy.until}.",
                "deprecated": True,
            }
            if attribute.is_required and not attribute.redact:
                required.append(legacy.key)
    schema = {
        "$comment": header,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{event.name}.json",
        "title": event.name,
        "description": event.description,
        "x-catalog-version": catalog.version,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if event.deprecated:
        schema["deprecated"] = True
    return SchemaDocument(schema)


def _attribute_schema(attribute: Attribute) -> dict[str, Any]:
    attribute_type = attribute.type
    item: dict[str, Any] = {"type": attribute_type.json_type}
    if attribute_type.is_enum and not attribute.redact:
        item["enum"] = [m.value for m in attribute_type.members]
    if attribute.max_length and not attribute_type.is_array:
        # The cap includes the marker of a cut value: the format's smallest cap fits it.
        # A policy's hash mode sends 64 hex characters, whatever the cap.
        hashed = HASH_LENGTH if attribute.redact else 0
        item["maxLength"] = max(attribute.max_length, hashed)
    if attribute.minimum is not None:
        item["minimum"] = attribute.minimum
    if attribute.maximum is not None:
        item["maximum"] = attribute.maximum
    schema: dict[str, Any] = (
        {"type": "array", "items": item} if attribute_type.is_array else dict(item)
    )
    schema["description"] = attribute.description
    if attribute.computed == "timestamp":
        schema["format"] = "date-time"
    if attribute.condition:
        schema["x-condition"] = attribute.condition
    if attribute.sensitivity != "metadata":
        schema["x-sensitivity"] = attribute.sensitivity
    if attribute.redact:
        schema["x-redacted-by"] = attribute.redact.toggle
        schema["x-placeholder"] = attribute.redact.placeholder
        schema["x-off-mode"] = attribute.redact.mode
    if attribute.length_of:
        schema["x-length-of"] = attribute.length_of
    if attribute.examples:
        schema["examples"] = list(attribute.examples)
    if attribute.deprecated:
        schema["deprecated"] = True
    return schema
