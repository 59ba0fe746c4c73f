"""The shared vocabulary of wire contract v1: identifiers, times, parties, entities, notes.

Names follow TMF621 (Trouble Ticket) and TMF656 (Service Problem): camelCase on the wire,
snake_case in Python. Inbound models are tolerant readers (unknown fields, such as TMF
``@type`` / ``@baseType`` / ``@schemaLocation`` extensions, are accepted and dropped);
models the processor produces forbid unknown fields so that a typo fails in our own code
and under mypy, never on a consumer's side.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
)
from pydantic.alias_generators import to_camel

from problem_tracker.contracts.limits import DecodeLimits

ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
MAX_TEXT = 4000


LIMITS_CONTEXT = "limits"
"""Key of the ``DecodeLimits`` in the pydantic validation context of inbound decoding."""


def _to_utc(moment: datetime, info: ValidationInfo) -> datetime:
    """UTC, within years 1-9999 and, when decoding inbound records, within the plausible
    window of ``DecodeLimits`` (a ``ValueError`` is a schema violation at the field)."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("date-time is outside years 1-9999 in UTC") from None
    limits = info.context.get(LIMITS_CONTEXT) if isinstance(info.context, dict) else None
    if isinstance(limits, DecodeLimits) and not limits.plausible(utc):
        earliest, latest = (_iso(limits.earliest), _iso(limits.latest))
        raise ValueError(f"date-time is not plausible: accepted from {earliest} to {latest}")
    return utc


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""An id we key by: a customer problem report id or a known error id."""

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
"""An id owned by another system (party, entity, external ticket, event, request)."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, pattern=r"\S")]
"""A status change reason: free text that is not blank."""

Priority = Annotated[int, Strict(), Field(ge=1, le=4)]
"""1 is the highest; only JSON integers 1-4 (no strings, booleans or floats)."""

UtcDateTime = Annotated[AwareDatetime, Strict(), AfterValidator(_to_utc)]
"""An ISO-8601 date-time with an offset; naive times are rejected, values are kept in UTC."""

Duration = Annotated[timedelta, Field(ge=timedelta(0))]
"""An ISO-8601 duration (``PT5H30M``), never negative."""


class WireModel(BaseModel):
    """Base of every wire model: camelCase aliases, immutable, tolerant of unknown fields."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
    )


class OutboundModel(WireModel):
    """Base of models the processor produces: unknown fields are a bug on our side."""

    model_config = ConfigDict(extra="forbid")


class Severity(StrEnum):
    """How badly the customer is affected; drives SLA targets with the priority."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class ResolutionCode(StrEnum):
    """How a customer problem was cleared (contract v1.1): ``fixed`` when the delegated
    work resolved it, else what the operator who resolved it said."""

    FIXED = "fixed"
    WORKAROUND = "workaround"
    NO_FAULT_FOUND = "noFaultFound"
    KNOWN_ERROR = "knownError"
    DUPLICATE = "duplicate"
    OTHER = "other"


class EntityRole(StrEnum):
    """What an affected entity is to the report: Coordinate Customer Problem routes by it."""

    AFFECTED_SERVICE = "affectedService"
    AFFECTED_PRODUCT = "affectedProduct"
    AFFECTED_RESOURCE = "affectedResource"


class Source(WireModel):
    """The system that emitted an event."""

    id: ExternalId
    name: Name | None = None


class RelatedParty(WireModel):
    """A party of the report; role ``customer`` names the customer, ``segment`` its tier."""

    role: Name
    id: ExternalId
    name: Name | None = None
    segment: Name | None = None


class EntityRef(WireModel):
    """A reference to a service, product or resource in inventory."""

    id: ExternalId
    referred_type: Name
    name: Name | None = None


class RelatedEntity(WireModel):
    """An entity the report affects, with its role."""

    role: EntityRole
    id: ExternalId
    referred_type: Name
    name: Name | None = None


class Note(WireModel):
    """A free-text note; notes are append-only."""

    author: Name
    date: UtcDateTime
    text: Text


CUSTOMER_ROLE = "customer"

MAX_NOTES_PER_MESSAGE = 20
MAX_ENTITIES_PER_MESSAGE = 50
MAX_PARTIES_PER_MESSAGE = 20

Notes = Annotated[list[Note], Field(max_length=MAX_NOTES_PER_MESSAGE)]
"""The notes one inbound message may carry (each at most ``MAX_TEXT`` characters)."""

RelatedEntities = Annotated[list[RelatedEntity], Field(max_length=MAX_ENTITIES_PER_MESSAGE)]
RelatedParties = Annotated[list[RelatedParty], Field(max_length=MAX_PARTIES_PER_MESSAGE)]
