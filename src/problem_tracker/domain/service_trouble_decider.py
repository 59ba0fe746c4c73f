"""Decide and evolve the shared service trouble of one service (Coordinate Customer Problem
towards Service Problem Management).

- Link: a report needing the service joins the open request (re-sending the link if it is
  already linked); when there is none, a new generation is requested.
- Update: Service Problem Management's news about the current request is fanned out to
  every linked report; news about any other request is rejected (``unknown-correlation``).
- Unlink: the report leaves; the open request is cancelled only when it was the last
  report needing it.
- Impact: whenever a decision leaves the open request's impact (its open reports, their
  most urgent priority and severity) other than what Service Problem Management last
  heard, and no update is pending, the next update is scheduled ``impact_interval`` after
  the later of now and the last time it heard (on the tick grid): a link decided at its
  report's (earlier) time never brings an update closer to the previous one. When that
  timer comes the impact *then* is sent, or nothing when it is back to what was last
  sent or the request is finished. Decisions are functions of the command's time, so a
  replay schedules and sends the same updates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar, overload

from problem_tracker.domain.events import RejectionCode
from problem_tracker.domain.identity import (
    Recurrence,
    aggregate_event_id,
    command_digest,
    remember,
    service_of_request,
    service_trouble_request_id,
)
from problem_tracker.domain.report import RECENT_EVENT_LIMIT, DelegatedStatus, Progress
from problem_tracker.domain.service_trouble import (
    IMPACT_UPDATE_INTERVAL,
    ApplyServiceTroubleUpdate,
    Impact,
    ImpactUpdateDropped,
    ImpactUpdateScheduled,
    LinkedReport,
    LinkedReportRerated,
    LinkReport,
    ReportLinkedToServiceTrouble,
    ReportUnlinkedFromServiceTrouble,
    RerateLinkedReport,
    SendImpact,
    ServiceTrouble,
    ServiceTroubleCancelRequested,
    ServiceTroubleCommand,
    ServiceTroubleEvent,
    ServiceTroubleEventBase,
    ServiceTroubleImpactChanged,
    ServiceTroubleRejected,
    ServiceTroubleRequested,
    ServiceTroubleStatusChanged,
    UnlinkReport,
)
from problem_tracker.domain.sla.track import on_tick_grid

_E = TypeVar("_E", bound=ServiceTroubleEventBase)


def decide_service_trouble(
    state: ServiceTrouble | None,
    command: ServiceTroubleCommand,
    now: datetime,
    impact_interval: timedelta = IMPACT_UPDATE_INTERVAL,
) -> list[ServiceTroubleEvent]:
    """The events ``command`` causes on the service trouble ``state`` (``None``: never
    requested for this service); an impact change is told ``impact_interval`` later."""
    digest = command_digest(command)
    seen = Recurrence.NEW if state is None else state.recurrence(command.event_id, digest)
    if seen is Recurrence.REDELIVERY:
        return []
    events: list[ServiceTroubleEvent]
    if seen is Recurrence.CONFLICT:
        events = [_conflict(command)]
    else:
        match command:
            case LinkReport():
                events = _link(state, command)
            case UnlinkReport():
                events = _unlink(state, command)
            case RerateLinkedReport():
                events = _rerate(state, command)
            case SendImpact():
                events = _send_impact(state, command, now)
            case _:
                events = _update(state, command)
        events.extend(_impact_schedule(state, events, now, impact_interval))
    service_id = _service_id(state, command)
    cause = (command.event_id, digest)
    return [_stamp(event, cause, service_id, now, i) for i, event in enumerate(events)]


def _conflict(command: ServiceTroubleCommand) -> ServiceTroubleRejected:
    return ServiceTroubleRejected(
        code=RejectionCode.EVENT_ID_CONFLICT,
        reason=f"event id {command.event_id!r} was applied before with different content",
        command=type(command).__name__,
    )


def _service_id(state: ServiceTrouble | None, command: ServiceTroubleCommand) -> str:
    """The affected service id (for an update without state: the aggregate key)."""
    match command:
        case LinkReport():
            return command.service.id
        case UnlinkReport() | RerateLinkedReport() | SendImpact():
            return command.service_id
        case _:
            if state is not None:
                return state.service.id
            return service_of_request(command.request_id) or ""


@overload
def evolve_service_trouble(state: ServiceTrouble, event: ServiceTroubleEvent) -> ServiceTrouble: ...
@overload
def evolve_service_trouble(state: None, event: ServiceTroubleEvent) -> ServiceTrouble | None: ...
def evolve_service_trouble(
    state: ServiceTrouble | None, event: ServiceTroubleEvent
) -> ServiceTrouble | None:
    """The service trouble after ``event``; a request starts a new generation."""
    if isinstance(event, ServiceTroubleRequested):
        state = _new_generation(state, event)
    elif state is None:
        return None
    else:
        state = _apply(state, event)
    recent = remember(state.recent_events, event.caused_by, event.cause_digest, RECENT_EVENT_LIMIT)
    return state if recent == state.recent_events else replace(state, recent_events=recent)


def _link(state: ServiceTrouble | None, command: LinkReport) -> list[ServiceTroubleEvent]:
    if state is not None and state.is_open:
        return [
            _linked(command, state.request_id, state.progress.status, state.progress.external_id)
        ]
    generation = 1 if state is None else state.generation + 1
    request_id = service_trouble_request_id(command.service.id, generation)
    requested = ServiceTroubleRequested(
        request_id=request_id,
        generation=generation,
        service=command.service,
        priority=command.priority,
        severity=command.severity,
        description=command.description,
        requested_resolution_date=command.requested_resolution_date,
        report_ids=(command.report_id,),
    )
    return [requested, _linked(command, request_id, DelegatedStatus.REQUESTED, None)]


def _rerate(state: ServiceTrouble | None, command: RerateLinkedReport) -> list[ServiceTroubleEvent]:
    """A report that is not linked (any more) no longer counts; the same rating is no news."""
    link = None if state is None else state.link_of(command.report_id)
    if link is None or (link.priority, link.severity) == (command.priority, command.severity):
        return []
    rerated = LinkedReportRerated(
        report_id=command.report_id, priority=command.priority, severity=command.severity
    )
    return [rerated]


def _send_impact(
    state: ServiceTrouble | None, command: SendImpact, now: datetime
) -> list[ServiceTroubleEvent]:
    """Only the pending timer, once it has come, sends; a stale or early one does nothing."""
    if state is None or state.impact_due != command.deadline or now < command.deadline:
        return []
    if not state.impact_outdated:
        return [ImpactUpdateDropped()]
    changed = ServiceTroubleImpactChanged(
        request_id=state.request_id,
        service=state.service,
        impact=state.impact,
        external_id=state.progress.external_id,
    )
    return [changed]


def _impact_schedule(
    state: ServiceTrouble | None,
    events: Sequence[ServiceTroubleEvent],
    now: datetime,
    interval: timedelta,
) -> list[ServiceTroubleEvent]:
    """Schedule an impact update when the decision leaves one owed and none is pending."""
    after = state
    for event in events:
        after = evolve_service_trouble(after, event)
    if after is None or after.impact_due is not None or not after.impact_outdated:
        return []
    since = max(now, after.impact_told_at or now)
    return [ImpactUpdateScheduled(due_at=on_tick_grid(since + interval) or since)]


def _linked(
    command: LinkReport, request_id: str, status: DelegatedStatus, external_id: str | None
) -> ReportLinkedToServiceTrouble:
    return ReportLinkedToServiceTrouble(
        report_id=command.report_id,
        request_id=request_id,
        service=command.service,
        status=status,
        priority=command.priority,
        severity=command.severity,
        external_id=external_id,
    )


def _unlink(state: ServiceTrouble | None, command: UnlinkReport) -> list[ServiceTroubleEvent]:
    """A report that is not linked (any more) has nothing to release."""
    if state is None or command.report_id not in state.report_ids:
        return []
    unlinked = ReportUnlinkedFromServiceTrouble(
        report_id=command.report_id, request_id=state.request_id
    )
    if len(state.linked_reports) > 1 or not state.is_open:
        return [unlinked]
    cancel = ServiceTroubleCancelRequested(request_id=state.request_id, service=state.service)
    return [unlinked, cancel]


def _update(
    state: ServiceTrouble | None, command: ApplyServiceTroubleUpdate
) -> list[ServiceTroubleEvent]:
    if state is None or command.request_id != state.request_id:
        rejected = ServiceTroubleRejected(
            code=RejectionCode.UNKNOWN_CORRELATION,
            reason=f"{command.request_id!r} is not the current service trouble request",
            command=type(command).__name__,
        )
        return [rejected]
    changed = ServiceTroubleStatusChanged(
        request_id=command.request_id, update=command.update, report_ids=state.report_ids
    )
    return [changed]


def _new_generation(state: ServiceTrouble | None, event: ServiceTroubleRequested) -> ServiceTrouble:
    return ServiceTrouble(
        service=event.service,
        generation=event.generation,
        request_id=event.request_id,
        progress=Progress(),
        priority=event.priority,
        recent_events=() if state is None else state.recent_events,
        impact_sent=Impact(
            report_ids=tuple(sorted(event.report_ids)),
            priority=event.priority,
            severity=event.severity,
        ),
        impact_told_at=event.occurred_at,
    )


def _apply(state: ServiceTrouble, event: ServiceTroubleEvent) -> ServiceTrouble:
    match event:
        case ReportLinkedToServiceTrouble():
            return _with_link(state, event)
        case ReportUnlinkedFromServiceTrouble():
            kept = tuple(link for link in state.linked_reports if link.report_id != event.report_id)
            return replace(state, linked_reports=kept)
        case ServiceTroubleStatusChanged():
            return replace(state, progress=state.progress.after(event.update))
        case ServiceTroubleCancelRequested():
            return replace(state, progress=state.progress.cancelled())
        case LinkedReportRerated():
            rerated = LinkedReport(
                report_id=event.report_id, priority=event.priority, severity=event.severity
            )
            return replace(
                state,
                linked_reports=_replaced(state.linked_reports, rerated),
                priority=min(state.priority, event.priority),
            )
        case ImpactUpdateScheduled():
            return replace(state, impact_due=event.due_at)
        case ServiceTroubleImpactChanged():
            return replace(
                state, impact_sent=event.impact, impact_due=None, impact_told_at=event.occurred_at
            )
        case ImpactUpdateDropped():
            return replace(state, impact_due=None)
        case _:  # a rejection changes nothing; a request was handled by the caller
            return state


def _with_link(state: ServiceTrouble, event: ReportLinkedToServiceTrouble) -> ServiceTrouble:
    """A linked report is listed once, with its latest rating; the request keeps the most
    urgent priority."""
    link = LinkedReport(report_id=event.report_id, priority=event.priority, severity=event.severity)
    if event.report_id in state.report_ids:
        links = _replaced(state.linked_reports, link)
    else:
        links = (*state.linked_reports, link)
    return replace(state, linked_reports=links, priority=min(state.priority, event.priority))


def _replaced(links: tuple[LinkedReport, ...], link: LinkedReport) -> tuple[LinkedReport, ...]:
    return tuple(link if old.report_id == link.report_id else old for old in links)


def _stamp(event: _E, cause: tuple[str, str], service_id: str, now: datetime, index: int) -> _E:
    cause_id, digest = cause
    event_id = aggregate_event_id(service_id, cause_id, type(event).__name__, index)
    return replace(
        event,
        event_id=event_id,
        service_id=service_id,
        occurred_at=now,
        caused_by=cause_id,
        cause_digest=digest,
    )
