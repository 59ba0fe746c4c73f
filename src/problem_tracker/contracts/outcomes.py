"""What decoding one Kafka record can yield: a message, a deletion, or a rejection.

Rejections are values, not exceptions: every rejected record reaches the DLQ with a code
from the contract's closed list, never a crash and never a silent drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T_co = TypeVar("T_co", covariant=True)


class RejectionCode(StrEnum):
    """Why a record was rejected (contract v1.1, DLQ ``error.code``).

    The first five are decided while decoding; the others by the process itself
    (``event-id-conflict`` is new in v1.1).
    """

    MALFORMED_JSON = "malformed-json"
    SCHEMA_VIOLATION = "schema-violation"
    UNKNOWN_EVENT_TYPE = "unknown-event-type"
    KEY_MISMATCH = "key-mismatch"
    OVERSIZED = "oversized"
    ILLEGAL_TRANSITION = "illegal-transition"
    UNKNOWN_REPORT = "unknown-report"
    UNKNOWN_CORRELATION = "unknown-correlation"
    EVENT_ID_CONFLICT = "event-id-conflict"


class ReferenceKind(StrEnum):
    """The compacted reference topics, by their default names."""

    KNOWN_ERRORS = "known-errors"
    COMPONENT_OWNERSHIP = "component-ownership"


class DelegatedKind(StrEnum):
    """Who delegated work went to, by the default name of the topic its answers come on."""

    SERVICE_TROUBLE = "service-trouble.events"
    PARTNER_PROBLEM = "partner-problem.events"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that must go to the DLQ; ``path`` is a JSON pointer to the first bad field."""

    code: RejectionCode
    message: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Decoded(Generic[T_co]):
    """A record that is a valid message of its topic."""

    message: T_co


@dataclass(frozen=True, slots=True)
class Deletion:
    """A tombstone on a compacted reference topic: forget the entity with this key."""

    kind: ReferenceKind
    key: str
