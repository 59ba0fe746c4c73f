"""The envelope around every message of contract v1 (every topic except the DLQ).

Each event type is a concrete envelope subclass that narrows ``event_type`` to its literal
name and types ``event`` with its resource, so that a topic's messages form a union
discriminated by ``eventType``.
"""

from __future__ import annotations

from pydantic import ConfigDict

from problem_tracker.contracts.common import ExternalId, Name, Source, UtcDateTime, WireModel

DOMAIN = "CustomerProblem"
"""The ``domain`` the processor stamps on everything it produces."""


class Envelope(WireModel):
    """Identity, time, type and correlation of one event.

    ``eventId`` lets the processor acknowledge duplicates without effect; outbound ids are
    derived from their cause. ``correlationId`` is the report id for customer traffic and
    the request id for service-trouble and partner traffic.
    """

    event_id: ExternalId
    event_time: UtcDateTime
    event_type: str
    correlation_id: ExternalId
    domain: Name
    source: Source | None = None


class OutboundEnvelope(Envelope):
    """An envelope the processor produces: unknown fields are rejected at construction."""

    model_config = ConfigDict(extra="forbid")
