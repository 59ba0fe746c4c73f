"""Commands between our own aggregates on internal topics: a report asking the shared
service trouble of a service to link or release it, the service trouble fanning Service
Problem Management's news out to its reports, and SLA ticks (eTOM 1.3.7.3 Coordinate
Customer Problem and Monitor Resolution Update, split across two keyed aggregates).

Each message names its command class (``type``) and may carry the ``origin``: the inbound
record that started the chain. A *relayed* command is an outside record translated one to
one (an answer of Service Problem Management or a partner on its way to the aggregate that
owns the request): it carries the record verbatim, so that a rejection dead-letters the
bytes the other system actually sent. Every other command is our own (a link, a fan-out,
a tick): it carries only where its cause was read, never the cause's bytes (one create
naming 300 services would otherwise be copied 300 times), and a rejection of it is a
defect of ours, dead-lettered as the internal record itself.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, get_args

import pydantic_core
from pydantic import TypeAdapter, ValidationError

from problem_tracker.domain.commands import ReportCommand
from problem_tracker.domain.service_trouble import ServiceTroubleCommand

INTERNAL_VERSION: Final = 2
_WITH_INLINE_UPDATES: Final = 1
"""Version 1 carried an answer's status, ids, date, reason and note inline in the command;
version 2 as one ``update`` value. A worker reads both during a rolling upgrade."""

_UPDATE_FIELDS: Final = ("status", "external_id", "expected_resolution_date", "reason", "note")
_COMMANDS_WITH_UPDATES: Final = frozenset({"UpdateDelegatedWork", "ApplyServiceTroubleUpdate"})

InternalCommand = ReportCommand | ServiceTroubleCommand

COMMAND_TYPES: Final[dict[str, type[Any]]] = {
    command_type.__name__: command_type
    for command_type in (*get_args(ReportCommand), *get_args(ServiceTroubleCommand))
}
"""Every command that may travel on an internal topic, by its ``type`` tag."""


class InternalMessageError(ValueError):
    """An internal record that is not a message we wrote: log it and dead-letter it."""


class UnknownCommandTypeError(InternalMessageError):
    """The record names a command type this version does not know."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Origin:
    """Where the inbound record that caused a command was read, and its bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None = None
    value: bytes | None = None

    def reference(self) -> Origin:
        """Where the record was read, without its bytes."""
        return Origin(topic=self.topic, partition=self.partition, offset=self.offset, key=self.key)

    def describe(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


@dataclass(frozen=True, slots=True)
class InternalMessage:
    command: InternalCommand
    origin: Origin | None = None
    relayed: bool = False


@cache
def _adapter(tag: str) -> TypeAdapter[Any]:
    return TypeAdapter(COMMAND_TYPES[tag])


def encode_internal(
    command: InternalCommand, origin: Origin | None = None, *, relayed: bool = False
) -> bytes:
    """Compact JSON: ``{"v": 1, "type": <class name>, "command": {...}, "origin": ...}``,
    plus ``"relayed": true`` for a relayed command (whose origin keeps its value)."""
    tag = type(command).__name__
    if COMMAND_TYPES.get(tag) is not type(command):
        raise UnknownCommandTypeError(f"{tag!r} is not an internal command")
    if origin is not None and not relayed:
        origin = origin.reference()
    document: dict[str, Any] = {
        "v": INTERNAL_VERSION,
        "type": tag,
        "command": _adapter(tag).dump_python(command, mode="json", exclude_defaults=True),
        "origin": None if origin is None else _origin_document(origin),
    }
    if relayed:
        document["relayed"] = True
    return pydantic_core.to_json(document)


def decode_internal(raw: bytes) -> InternalMessage:
    """The command (and origin) an internal record carries; raises
    ``InternalMessageError`` for anything we did not write."""
    document = _document(raw)
    tag = document.get("type")
    if not isinstance(tag, str) or tag not in COMMAND_TYPES:
        raise UnknownCommandTypeError(f"unknown internal command type {str(tag)[:80]!r}")
    body = document.get("command")
    if document.get("v") == _WITH_INLINE_UPDATES and tag in _COMMANDS_WITH_UPDATES:
        body = _nested_update(body)
    try:
        command = _adapter(tag).validate_python(body)
    except ValidationError as exc:
        raise InternalMessageError(f"invalid {tag}: {exc}") from exc
    origin = document.get("origin")
    relayed = document.get("relayed", False) is True
    return InternalMessage(command, None if origin is None else _origin(origin), relayed)


def _document(raw: bytes) -> dict[str, Any]:
    try:
        document = pydantic_core.from_json(raw)
    except ValueError as exc:
        raise InternalMessageError(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise InternalMessageError("an internal message is a JSON object")
    if document.get("v") not in (INTERNAL_VERSION, _WITH_INLINE_UPDATES):
        raise InternalMessageError(f"unsupported internal message version {document.get('v')!r}")
    return document


def _nested_update(body: Any) -> Any:
    if not isinstance(body, dict):
        return body  # let validation say what is wrong
    update = {field: body[field] for field in _UPDATE_FIELDS if field in body}
    rest = {key: value for key, value in body.items() if key not in _UPDATE_FIELDS}
    return {**rest, "update": update}


def _origin_document(origin: Origin) -> dict[str, Any]:
    return {
        "topic": origin.topic,
        "partition": origin.partition,
        "offset": origin.offset,
        "key": _b64(origin.key),
        "value": _b64(origin.value),
    }


def _origin(document: Any) -> Origin:
    try:
        return Origin(
            topic=str(document["topic"]),
            partition=int(document["partition"]),
            offset=int(document["offset"]),
            key=_unb64(document.get("key")),
            value=_unb64(document.get("value")),
        )
    except (TypeError, KeyError, ValueError, binascii.Error) as exc:
        raise InternalMessageError(f"invalid origin: {exc}") from exc


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError("origin key and value are base64 text")
    return base64.b64decode(text, validate=True)
