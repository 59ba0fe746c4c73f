"""How each fact changes a customer problem report: ``evolve(state, event) -> state``.

Evolving never decides anything and never fails: every rule lives in ``decide``. Every
event also records its cause, the inbound event id, so that a redelivery is recognised,
and an event that carries the report's new SLA (its ``sla`` header) sets it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import overload

from problem_tracker.domain import identity
from problem_tracker.domain.delegated_work import evolve_work
from problem_tracker.domain.events import (
    AttributesChanged,
    DelegatedWorkRedelegated,
    DelegatedWorkRetryScheduled,
    DelegatedWorkUpdated,
    InformationReceived,
    InformationRequired,
    IsolationRecorded,
    KnownErrorAttached,
    PartnerProblemCancelRequested,
    PartnerProblemCloseRequested,
    PartnerProblemReopenRequested,
    PartnerProblemRequested,
    ReportAcknowledged,
    ReportEvent,
    ReportReopened,
    ReportResolved,
    ServiceTroubleLinked,
    ServiceTroubleNeeded,
    ServiceTroubleReleased,
    StatusChanged,
)
from problem_tracker.domain.report import (
    RECENT_EVENT_LIMIT,
    CustomerProblemReport,
    InformationRequest,
    Status,
    StatusChange,
)


@overload
def evolve(state: CustomerProblemReport, event: ReportEvent) -> CustomerProblemReport: ...
@overload
def evolve(state: None, event: ReportEvent) -> CustomerProblemReport | None: ...
def evolve(state: CustomerProblemReport | None, event: ReportEvent) -> CustomerProblemReport | None:
    """The report after ``event``; only ``ReportAcknowledged`` brings a report into being."""
    if isinstance(event, ReportAcknowledged):
        return created(event)
    if state is None:
        return None
    state = _apply(state, event)
    if event.sla is not None:
        state = replace(state, sla=event.sla)
    return remember(state, event.caused_by, event.cause_digest)


def fold(state: CustomerProblemReport, events: Iterable[ReportEvent]) -> CustomerProblemReport:
    for event in events:
        state = evolve(state, event)
    return state


def created(event: ReportAcknowledged) -> CustomerProblemReport:
    """Start: the report as the customer described it, freshly acknowledged."""
    report = CustomerProblemReport(
        id=event.report_id,
        status=Status.ACKNOWLEDGED,
        description=event.description,
        severity=event.severity,
        priority=event.priority,
        creation_date=event.creation_date,
        status_change_date=event.occurred_at,
        ticket_type=event.ticket_type,
        symptom_code=event.symptom_code,
        requested_resolution_date=event.requested_resolution_date,
        parties=event.parties,
        entities=event.entities,
        notes=event.notes,
        assignee=event.assignee,
        sla=event.sla,
    )
    return remember(report, event.caused_by, event.cause_digest)


def remember(state: CustomerProblemReport, event_id: str, digest: str) -> CustomerProblemReport:
    """Keep the last ``RECENT_EVENT_LIMIT`` inbound event ids with the digest of what they
    asked, to recognise a redelivery and a reused id."""
    recent = identity.remember(state.recent_events, event_id, digest, RECENT_EVENT_LIMIT)
    return state if recent == state.recent_events else replace(state, recent_events=recent)


def _apply(state: CustomerProblemReport, event: ReportEvent) -> CustomerProblemReport:
    match event:
        case StatusChanged():
            return _status_changed(state, event)
        case AttributesChanged():
            return _attributes_changed(state, event)
        case IsolationRecorded():
            entities = (*state.entities, *event.entities)
            return replace(
                state, entities=entities, root_cause=event.root_cause or state.root_cause
            )
        case InformationReceived():
            return _information_received(state, event)
        case InformationRequired():
            return _information_required(state, event)
        case KnownErrorAttached():
            return replace(state, known_error=event.match)
        case ReportReopened():
            return replace(state, cycle=event.cycle, resolution_code=None)
        case ReportResolved():
            return replace(state, resolution_code=event.resolution_code)
        case (
            ServiceTroubleNeeded()
            | PartnerProblemRequested()
            | ServiceTroubleLinked()
            | DelegatedWorkUpdated()
            | PartnerProblemCancelRequested()
            | PartnerProblemCloseRequested()
            | PartnerProblemReopenRequested()
            | ServiceTroubleReleased()
            | DelegatedWorkRetryScheduled()
            | DelegatedWorkRedelegated()
        ):
            return evolve_work(state, event)
        case _:  # the other facts are markers: they only record their cause
            return state


def _status_changed(state: CustomerProblemReport, event: StatusChanged) -> CustomerProblemReport:
    """Holding remembers where the report was; resuming forgets it. Leaving ``pending``
    (but for a hold) ends an open question to the customer."""
    change = StatusChange(status=event.to_status, date=event.occurred_at, reason=event.reason)
    before_hold = event.from_status if event.to_status is Status.HELD else None
    waiting = event.to_status in (Status.PENDING, Status.HELD)
    return replace(
        state,
        information_request=state.information_request if waiting else None,
        status=event.to_status,
        status_change_date=event.occurred_at,
        status_change_reason=event.reason,
        status_history=(*state.status_history, change),
        status_before_hold=before_hold,
    )


def _attributes_changed(
    state: CustomerProblemReport, event: AttributesChanged
) -> CustomerProblemReport:
    changed = {name: getattr(event, name) for name in event.changed if name != "notes"}
    return replace(state, notes=(*state.notes, *event.notes), **changed)


def _information_required(
    state: CustomerProblemReport, event: InformationRequired
) -> CustomerProblemReport:
    """A question with a deadline or a reminder opens (replacing any earlier one); a
    reminder sent is not sent again."""
    request = state.information_request
    if event.reminder:
        return (
            state
            if request is None
            else replace(state, information_request=replace(request, remind_at=None))
        )
    if event.respond_by is None and event.remind_at is None:
        return replace(state, information_request=None)
    asked = InformationRequest(
        reason=event.reason,
        asked_at=event.occurred_at,
        respond_by=event.respond_by,
        remind_at=event.remind_at,
    )
    return replace(state, information_request=asked)


def _information_received(
    state: CustomerProblemReport, event: InformationReceived
) -> CustomerProblemReport:
    """Information received during a hold answers the pending question: the report will
    resume to ``inProgress`` rather than back to ``pending``."""
    before_hold = state.status_before_hold
    if state.status is Status.HELD and before_hold is Status.PENDING:
        before_hold = Status.IN_PROGRESS
    return replace(state, notes=(*state.notes, *event.notes), status_before_hold=before_hold)
