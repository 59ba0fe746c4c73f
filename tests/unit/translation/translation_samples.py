"""Wire samples as decoded envelopes, and the schema check every outbound message must pass."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from pydantic import BaseModel

from problem_tracker.contracts.codec import decode_message, encode
from problem_tracker.contracts.jsonschema import schema_file_name
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import Decoded
from problem_tracker.contracts.registry import MessageSpec, message_specs
from problem_tracker.translation.from_domain import OutboundMessage

REPO = Path(__file__).resolve().parents[3]
MESSAGES = REPO / "tests" / "assets" / "messages"
SCHEMAS = REPO / "schemas"
LIMIT = DecodeLimits(max_message_bytes=256 * 1024)


def spec_named(name: str) -> MessageSpec:
    return next(spec for spec in message_specs() if spec.name == name)


def spec_of(model: type[BaseModel]) -> MessageSpec:
    return next(spec for spec in message_specs() if spec.model is model)


def document(name: str, **report_fields: Any) -> dict[str, Any]:
    """The checked-in sample of a message type, with fields of its resource replaced."""
    text = (MESSAGES / f"{name}.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    (resource,) = doc["event"].values()
    resource.update(report_fields)
    return doc


def envelope(name: str, *, correlation_id: str | None = None, **report_fields: Any) -> Any:
    """A sample decoded by the contract codec, as the shell hands it over."""
    doc = document(name, **report_fields)
    if correlation_id is not None:
        doc["correlationId"] = correlation_id
    outcome = decode_message(spec_named(name).channel, json.dumps(doc).encode(), LIMIT)
    assert isinstance(outcome, Decoded), outcome
    return outcome.message


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def wire_document(message: OutboundMessage) -> dict[str, Any]:
    """The message as produced on the wire, checked against its published JSON Schema and
    against the registry's channel for its type."""
    spec = spec_of(type(message.envelope))
    assert spec.channel is message.channel
    doc: dict[str, Any] = json.loads(encode(message.envelope))
    _validator(schema_file_name(spec)).validate(doc)
    return doc
