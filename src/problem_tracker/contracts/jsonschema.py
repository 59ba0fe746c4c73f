"""JSON Schema (draft 2020-12) of every message type, generated from the wire models.

Published schemas are open: they never say ``additionalProperties: false``, even where our
producer-side models forbid unknown fields, because consumers must stay tolerant readers
while v1 grows by additive changes.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import CoreSchema

from problem_tracker.contracts.registry import MessageSpec

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_URI = "https://schemas.problem-tracker.example/v1/"
SCHEMA_SUFFIX = ".schema.json"
GENERATED = "Generated from problem_tracker.contracts by `problem-tracker schemas export`."


class _ContractSchema(GenerateJsonSchema):
    """Pydantic's generator without per-field titles (they only repeat the field name)."""

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False


def schema_file_name(message: MessageSpec) -> str:
    """``<name>.schema.json`` for a message type."""
    return f"{message.name}{SCHEMA_SUFFIX}"


def _open(node: Any) -> Any:
    if isinstance(node, dict):
        return _open_object(node)
    if isinstance(node, list):
        return [_open(item) for item in node]
    return node


def _open_object(node: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _open(value)
        for key, value in node.items()
        if not (key == "additionalProperties" and value is False)
    }


def json_schema_for(message: MessageSpec) -> dict[str, Any]:
    """The full schema of one message type: the envelope with its typed ``event``."""
    body = message.model.model_json_schema(by_alias=True, schema_generator=_ContractSchema)
    header = {
        "$schema": DIALECT,
        "$id": BASE_URI + schema_file_name(message),
        "$comment": GENERATED,
    }
    return header | _open_object(body)


def render_json(document: dict[str, Any]) -> str:
    """Stable, diff-friendly text of a schema file."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
