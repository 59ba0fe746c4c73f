"""Coordinate Customer Problem (eTOM 1.3.7.3): hand the faulty components to whoever fixes
them — one shared service trouble per internal service, one S/P problem request per
partner-owned entity, named so that replies can be routed back (``identity``).

Every affected entity is delegated once per report cycle. Once something is delegated the
report is ``inProgress``. A report whose entities all turn out to need nobody (ignored by
policy) stays where it is — ``acknowledged`` after create — until isolation, the customer
or an operator moves it on; a known error's workaround alone does not resolve it.
"""

from __future__ import annotations

from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.diagnosis import Diagnosis, diagnose
from problem_tracker.domain.events import (
    PartnerProblemRequested,
    PartnerProblemUpdateRequested,
    ReportEvent,
    ServiceTroubleNeeded,
    ServiceTroubleRerated,
)
from problem_tracker.domain.identity import partner_request_id
from problem_tracker.domain.lifecycle import Trigger, transition
from problem_tracker.domain.report import CustomerProblemReport, DelegationKind, EntityRef, Note


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
    delegated = {work.entity.id for work in state.cycle_work}
    return tuple(entity for entity in state.entities if entity.id not in delegated)


def tell_delegated_work(
    state: CustomerProblemReport, before: CustomerProblemReport, notes: tuple[Note, ...] = ()
) -> list[ReportEvent]:
    """What the report's open work must hear: a new priority or severity goes to every
    shared service trouble it waits on (part of the impact Service Problem Management is
    told) and to every open partner request, a customer's notes to the partners."""
    rerated = (state.priority, state.severity) != (before.priority, before.severity)
    events: list[ReportEvent] = []
    for work in state.open_work:
        if work.kind is DelegationKind.SERVICE_TROUBLE:
            if rerated:
                events.append(
                    ServiceTroubleRerated(
                        service=work.entity, priority=state.priority, severity=state.severity
                    )
                )
        elif (rerated or notes) and work.request_id is not None:
            events.append(
                PartnerProblemUpdateRequested(
                    request_id=work.request_id,
                    entity=work.entity,
                    partner=work.partner,
                    priority=state.priority,
                    severity=state.severity,
                    notes=notes,
                )
            )
    return events
