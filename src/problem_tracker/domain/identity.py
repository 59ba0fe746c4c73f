"""Deterministic identities: the same input always yields the same ids, so a replayed or
redelivered input produces exactly the same outbound events (and downstream duplicate
detection recognises them).

Aggregates remember the inbound events they applied with a digest of their content: the
same id again with the same content is a redelivery (acknowledged, nothing done), with
different content a conflict (``event-id-conflict``): two parties reusing one id, or a
producer that changed an event after sending it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import MISSING, Field, dataclass, fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum

EVENT_ID_NAMESPACE = uuid.UUID("6f1c1a52-5d0e-4c55-9a55-0e7a7f1d3c21")
"""Fixed namespace of every derived event id; changing it changes every outbound id."""


def derive_event_id(cause_event_id: str, kind: str, index: int) -> str:
    """The id of the ``index``-th output of ``kind`` caused by ``cause_event_id``."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{cause_event_id}/{kind}/{index}"))


def aggregate_event_id(aggregate_id: str, cause_event_id: str, kind: str, index: int) -> str:
    """The id of an event of one aggregate: the aggregate id is part of the cause, so one
    inbound event fanned out to several reports still yields distinct outbound ids."""
    return derive_event_id(f"{aggregate_id}/{cause_event_id}", kind, index)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeenEvent:
    """An inbound event an aggregate applied: its id and the digest of what it asked
    (``""`` for one remembered before digests were kept)."""

    event_id: str
    digest: str = ""


class Recurrence(Enum):
    """What an inbound event id is to an aggregate that may have seen it."""

    NEW = "new"
    REDELIVERY = "redelivery"
    """Seen with the same content (or before digests were kept): acknowledge, do nothing."""
    CONFLICT = "conflict"
    """Seen with different content: the id was reused, the event is refused."""


def recurrence(seen: Sequence[SeenEvent], event_id: str, digest: str) -> Recurrence:
    for entry in seen:
        if entry.event_id == event_id:
            if entry.digest and entry.digest != digest:
                return Recurrence.CONFLICT
            return Recurrence.REDELIVERY
    return Recurrence.NEW


def remember(
    seen: tuple[SeenEvent, ...], event_id: str, digest: str, limit: int
) -> tuple[SeenEvent, ...]:
    """The last ``limit`` inbound events, with ``event_id`` added if it is new."""
    if not event_id or any(entry.event_id == event_id for entry in seen):
        return seen
    return (*seen, SeenEvent(event_id=event_id, digest=digest))[-limit:]


DIGEST_CHARS = 32
"""Hex characters kept of a command's SHA-256 (128 bits)."""


def command_digest(command: object) -> str:
    """A stable digest of what a command asks: its type and every field that differs from
    its default (so that a field added later with a default leaves old digests valid),
    date-times in UTC, enums by value."""
    canonical = json.dumps(
        [type(command).__name__, _canonical(command)],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:DIGEST_CHARS]


def _canonical(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: _canonical(getattr(value, item.name))
            for item in fields(value)
            if not _is_default(item, getattr(value, item.name))
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, tuple | list):
        return [_canonical(item) for item in value]
    return value


def _is_default(item: Field[object], value: object) -> bool:
    if item.default is not MISSING:
        return bool(value == item.default)
    if item.default_factory is not MISSING:
        return bool(value == item.default_factory())
    return False
