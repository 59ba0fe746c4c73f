"""Kafka record bytes ⇄ wire models: pure functions, no Kafka client, no clock.

Decoding never raises on input: a record is a message of its topic, a deletion (tombstone
on a compacted topic) or a rejection carrying a contract code and a JSON pointer to the
first failing field. Checks run cheapest first: size, UTF-8, strict JSON (RFC 8259: no
duplicate object keys, no ``NaN`` / ``Infinity``), schema (with the plausible date-time
window of ``DecodeLimits``), then key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from problem_tracker.contracts.common import LIMITS_CONTEXT
from problem_tracker.contracts.delegated import DelegatedEvent
from problem_tracker.contracts.envelope import Envelope
from problem_tracker.contracts.inbound import CustomerEvent
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import (
    Decoded,
    DelegatedKind,
    Deletion,
    ReferenceKind,
    Rejection,
    RejectionCode,
)
from problem_tracker.contracts.reference import KnownErrorEvent, ReferenceEvent
from problem_tracker.contracts.registry import Channel, channel_spec, members

T = TypeVar("T")

CONTENT_TYPE = b"application/json"
_EVENT_TYPE_PATH = "/eventType"
_SHOWN_TAG_CHARS = 80


@dataclass(frozen=True)
class _Reader:
    channel: Channel
    adapter: TypeAdapter[Any]
    tagged: bool


@cache
def _reader(channel: Channel) -> _Reader:
    spec = channel_spec(channel)
    tagged = len(members(spec.value_type)) > 1
    return _Reader(channel, TypeAdapter(spec.value_type), tagged)


def json_pointer(loc: tuple[int | str, ...]) -> str:
    """RFC 6901 pointer for a pydantic error location ("" is the whole document)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in loc)


def _unknown_event_type(errors: list[ErrorDetails], reader: _Reader) -> Rejection | None:
    for error in errors:
        if error["type"] == "union_tag_invalid":
            tag = error.get("ctx", {}).get("tag")
        elif (
            not reader.tagged
            and error["type"] == "literal_error"
            and error["loc"] == ("eventType",)
        ):
            tag = error.get("input")
        else:
            continue
        shown = str(tag)[:_SHOWN_TAG_CHARS]
        message = f"eventType {shown!r} is not a message of {reader.channel.value}"
        return Rejection(RejectionCode.UNKNOWN_EVENT_TYPE, message, _EVENT_TYPE_PATH)
    return None


def _rejection(exc: ValidationError, reader: _Reader) -> Rejection:
    errors = exc.errors(include_url=False)
    first = errors[0]
    if first["type"] == "json_invalid":
        return Rejection(RejectionCode.MALFORMED_JSON, first["msg"])
    unknown = _unknown_event_type(errors, reader)
    if unknown is not None:
        return unknown
    if first["type"] == "union_tag_not_found":
        return Rejection(RejectionCode.SCHEMA_VIOLATION, "eventType is required", _EVENT_TYPE_PATH)
    loc = first["loc"][1:] if reader.tagged else first["loc"]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return Rejection(RejectionCode.SCHEMA_VIOLATION, first["msg"] + more, json_pointer(loc))


class _NotStrictJsonError(ValueError):
    """JSON that parsers may read differently: refused as ``malformed-json``."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for name, value in pairs:
        if name in document:
            raise _NotStrictJsonError(f"duplicate object key {name[:_SHOWN_TAG_CHARS]!r}")
        document[name] = value
    return document


def _no_constant(name: str) -> Any:
    raise _NotStrictJsonError(f"{name} is not JSON")


def _strict_json(text: str) -> Rejection | None:
    """RFC 8259 JSON only: a document with a key twice is read as the last value by some
    parsers and the first by others, and ``NaN`` / ``Infinity`` are not JSON at all. The
    document must also be JSON to Python's parser (the schema validator parses it again)."""
    try:
        json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except _NotStrictJsonError as exc:
        return Rejection(RejectionCode.MALFORMED_JSON, str(exc))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        return Rejection(RejectionCode.MALFORMED_JSON, f"invalid JSON: {exc.msg} ({where})")
    except ValueError:  # an integer literal of more than sys.get_int_max_str_digits()
        return Rejection(RejectionCode.MALFORMED_JSON, "invalid JSON: a number is too long")
    except RecursionError:
        return Rejection(RejectionCode.MALFORMED_JSON, "invalid JSON: nested too deeply")
    return None


def decode_message(
    channel: Channel, value: bytes | None, limits: DecodeLimits
) -> Decoded[Any] | Rejection:
    """Validate a record value as one of the messages of ``channel`` (no key rule applied)."""
    if value is None:
        return Rejection(RejectionCode.MALFORMED_JSON, "the record has no value")
    max_bytes = limits.max_message_bytes
    if len(value) > max_bytes:
        return Rejection(
            RejectionCode.OVERSIZED, f"value of {len(value)} bytes exceeds {max_bytes} bytes"
        )
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(RejectionCode.MALFORMED_JSON, f"not UTF-8 ({exc.reason} at {exc.start})")
    not_strict = _strict_json(text)
    if not_strict is not None:
        return not_strict
    reader = _reader(channel)
    try:
        message = reader.adapter.validate_json(
            value, by_alias=True, by_name=False, context={LIMITS_CONTEXT: limits}
        )
    except ValidationError as exc:
        return _rejection(exc, reader)
    return Decoded(message)


def _key_text(key: bytes | None) -> str | None:
    if key is None:
        return None
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _keyed(
    decoded: Decoded[T], key: bytes | None, expected: str, path: str
) -> Decoded[T] | Rejection:
    if _key_text(key) == expected:
        return decoded
    return Rejection(RejectionCode.KEY_MISMATCH, f"the Kafka key must equal {path[1:]}", path)


def decode_customer_event(
    key: bytes | None, value: bytes | None, limits: DecodeLimits
) -> Decoded[CustomerEvent] | Rejection:
    """A record of ``customer-problem.events``; its key must be the report id."""
    outcome = decode_message(Channel.CUSTOMER_EVENTS, value, limits)
    if isinstance(outcome, Rejection):
        return outcome
    message: CustomerEvent = outcome.message
    report_id = message.event.customer_problem_report.id
    return _keyed(Decoded(message), key, report_id, "/event/customerProblemReport/id")


def decode_delegated_event(
    kind: DelegatedKind, key: bytes | None, value: bytes | None, limits: DecodeLimits
) -> Decoded[DelegatedEvent] | Rejection:
    """A record of ``service-trouble.events`` or ``partner-problem.events`` (any key:
    the answer is routed by ``correlationId``)."""
    del key
    return decode_message(Channel(kind.value), value, limits)


def decode_reference(
    kind: ReferenceKind, key: bytes | None, value: bytes | None, limits: DecodeLimits
) -> Decoded[ReferenceEvent] | Deletion | Rejection:
    """A record of a compacted reference topic; a null value deletes the keyed entity."""
    if value is None:
        key_text = _key_text(key)
        if key_text is None:
            return Rejection(RejectionCode.KEY_MISMATCH, "a tombstone needs a UTF-8 key")
        return Deletion(kind, key_text)
    outcome = decode_message(Channel(kind.value), value, limits)
    if isinstance(outcome, Rejection):
        return outcome
    message: ReferenceEvent = outcome.message
    if isinstance(message, KnownErrorEvent):
        return _keyed(Decoded(message), key, message.event.known_error.id, "/event/knownError/id")
    entity_id = message.event.component_ownership.entity_id
    return _keyed(Decoded(message), key, entity_id, "/event/componentOwnership/entityId")


def encode(message: Envelope) -> bytes:
    """Compact camelCase JSON; absent optional fields are omitted, times are UTC with ``Z``."""
    return message.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8")


def headers_for(event_type: str) -> list[tuple[str, bytes]]:
    """The Kafka headers every enveloped message carries."""
    return [("eventType", event_type.encode("utf-8")), ("content-type", CONTENT_TYPE)]
