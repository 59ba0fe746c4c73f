"""Coordinate Customer Problem (eTOM 1.3.7.3): hand the faulty components to whoever fixes
them — one shared service trouble per internal service, one S/P problem request per
partner-owned entity — and name those requests so replies can be routed back.

Every affected entity is delegated once per report cycle. Once something is delegated the
report is ``inProgress``. A report whose entities all turn out to need nobody (ignored by
policy) stays where it is — ``acknowledged`` after create — until isolation, the customer
or an operator moves it on; a known error's workaround alone does not resolve it.
"""

from __future__ import annotations

import hashlib

from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.diagnosis import Diagnosis, diagnose
from problem_tracker.domain.events import PartnerProblemRequested, ReportEvent, ServiceTroubleNeeded
from problem_tracker.domain.lifecycle import Trigger, transition
from problem_tracker.domain.report import CustomerProblemReport, EntityRef

SERVICE_TROUBLE_PREFIX = "STR-"
PARTNER_REQUEST_PREFIX = "SPR-"

MAX_REQUEST_ID = 256
"""Request ids are ids of other systems too (``correlationId``, Kafka keys): 1-256 chars."""

MAX_SERVICE_KEY = 200
"""Longest service trouble key: ``STR-`` + key + ``-`` + a generation of up to 51 digits
fit ``MAX_REQUEST_ID``."""

_DIGEST_CHARS = 16
_HASH_MARK = "~"


def service_trouble_key(service_id: str) -> str:
    """The key of the shared service trouble of a service: the service id itself, or for a
    service id too long to fit a request id, a readable prefix of it plus ``~`` and 16 hex
    characters of its SHA-256 (the same service always gets the same key)."""
    if len(service_id) <= MAX_SERVICE_KEY:
        return service_id
    digest = hashlib.sha256(service_id.encode("utf-8", "surrogatepass")).hexdigest()
    prefix = service_id[: MAX_SERVICE_KEY - len(_HASH_MARK) - _DIGEST_CHARS]
    return f"{prefix}{_HASH_MARK}{digest[:_DIGEST_CHARS]}"


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


def coordinate(state: CustomerProblemReport, context: DecisionContext) -> list[ReportEvent]:
    """Delegate every affected entity not yet delegated in this cycle."""
    diagnosis = diagnose(_undelegated(state), context)
    needed = [*_service_troubles(state, diagnosis), *_partner_requests(state, diagnosis)]
    if not needed:
        return []
    return [*needed, *transition(state, Trigger.COORDINATED, "work delegated")]


def _service_troubles(state: CustomerProblemReport, diagnosis: Diagnosis) -> list[ReportEvent]:
    """One shared service trouble per internal component."""
    return [
        ServiceTroubleNeeded(
            service=service,
            priority=state.priority,
            severity=state.severity,
            description=state.description,
            requested_resolution_date=state.requested_resolution_date,
        )
        for service in diagnosis.internal
    ]


def _partner_requests(state: CustomerProblemReport, diagnosis: Diagnosis) -> list[ReportEvent]:
    """One S/P problem request per partner-owned entity, numbered per report."""
    first = state.partner_request_count + 1
    return [
        PartnerProblemRequested(
            request_id=partner_request_id(state.id, n),
            entity=entity,
            partner=partner,
            priority=state.priority,
            severity=state.severity,
            description=state.description,
            requested_resolution_date=state.requested_resolution_date,
        )
        for n, (entity, partner) in enumerate(diagnosis.partner, start=first)
    ]


def _undelegated(state: CustomerProblemReport) -> tuple[EntityRef, ...]:
    delegated = {work.entity.id for work in state.current_work}
    return tuple(entity for entity in state.entities if entity.id not in delegated)
