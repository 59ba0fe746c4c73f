"""Deterministic identities: the same input always yields the same ids, so a replayed or
redelivered input produces exactly the same outbound events (and downstream duplicate
detection recognises them).

Aggregates remember the inbound events they applied with a digest of their content: the
same id again with the same content is a redelivery (acknowledged, nothing done), with
different content a conflict (``event-id-conflict``): two parties reusing one id, or a
producer that changed an event after sending it.

The requests Coordinate Customer Problem makes are named after their owner
(``STR-<service key>-<generation>``, ``SPR-<report id>-<n>``), so that an answer finds its
aggregate by its ``correlationId`` alone, without a lookup table.
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


SERVICE_TROUBLE_PREFIX = "STR-"
PARTNER_REQUEST_PREFIX = "SPR-"

MAX_REQUEST_ID = 256
"""Request ids are ids of other systems too (``correlationId``, Kafka keys): 1-256 chars."""

MAX_SERVICE_KEY = 200
"""Longest service trouble key: ``STR-`` + key + ``-`` + a generation of up to 51 digits
fit ``MAX_REQUEST_ID``."""

_KEY_DIGEST_CHARS = 16
_HASH_MARK = "~"


def service_trouble_key(service_id: str) -> str:
    """The key of the shared service trouble of a service: the service id itself, or for a
    service id too long to fit a request id, a readable prefix of it plus ``~`` and 16 hex
    characters of its SHA-256 (the same service always gets the same key)."""
    if len(service_id) <= MAX_SERVICE_KEY:
        return service_id
    digest = hashlib.sha256(service_id.encode("utf-8", "surrogatepass")).hexdigest()
    prefix = service_id[: MAX_SERVICE_KEY - len(_HASH_MARK) - _KEY_DIGEST_CHARS]
    return f"{prefix}{_HASH_MARK}{digest[:_KEY_DIGEST_CHARS]}"


def service_trouble_request_id(service_id: str, generation: int) -> str:
    """``STR-<service key>-<generation>``: the request of one generation of the service
    trouble of a service; any valid service id fits (see ``service_trouble_key``)."""
    return f"{SERVICE_TROUBLE_PREFIX}{service_trouble_key(service_id)}-{generation}"


def partner_request_id(report_id: str, n: int) -> str:
    """``SPR-<reportId>-<n>``: the n-th partner request of a report (report ids are at most
    64 characters, so it always fits)."""
    return f"{PARTNER_REQUEST_PREFIX}{report_id}-{n}"


def service_of_request(request_id: str) -> str | None:
    """The key of the service trouble a request belongs to (``service_trouble_key`` of its
    service): where its answers are routed."""
    return _owner_of_request(request_id, SERVICE_TROUBLE_PREFIX)


def report_of_partner_request(request_id: str) -> str | None:
    """The report id a partner request belongs to (its aggregate key)."""
    return _owner_of_request(request_id, PARTNER_REQUEST_PREFIX)


def _owner_of_request(request_id: str, prefix: str) -> str | None:
    if not request_id.startswith(prefix):
        return None
    owner, separator, number = request_id[len(prefix) :].rpartition("-")
    if not separator or not owner or not number.isascii() or not number.isdigit():
        return None
    return owner
