"""The report's record of delegated work: how it is found from a reply, how it is
withdrawn, and how facts about it change it. Shared by Coordinate, Monitor Resolution
Update (and an operator's resolve) and Cancel."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from problem_tracker.domain.events import (
    DelegatedWorkRedelegated,
    DelegatedWorkRetryScheduled,
    DelegatedWorkUpdated,
    PartnerProblemCancelRequested,
    PartnerProblemCloseRequested,
    PartnerProblemReopenRequested,
    PartnerProblemRequested,
    ReportEvent,
    ServiceTroubleLinked,
    ServiceTroubleNeeded,
    ServiceTroubleReleased,
)
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    DelegatedWork,
    DelegationKind,
    Note,
    Progress,
)


def latest_work_index(state: CustomerProblemReport, request_id: str) -> int | None:
    """The most recent record of a request: a reopened report may have linked the same
    still-open service trouble twice, and only the current cycle's record follows it."""
    matches = [i for i, work in enumerate(state.delegated) if work.request_id == request_id]
    return matches[-1] if matches else None


def link_target_index(state: CustomerProblemReport, request_id: str, service_id: str) -> int | None:
    """The current-cycle record a service trouble link answers: the one already linked to
    that request, else the one still waiting for a link for that service."""
    candidates = [
        (work.request_id != request_id, i)
        for i, work in enumerate(state.delegated)
        if work.cycle == state.cycle
        and not work.superseded
        and work.kind is DelegationKind.SERVICE_TROUBLE
        and (
            work.request_id == request_id
            or (work.request_id is None and work.entity.id == service_id)
        )
    ]
    return min(candidates)[1] if candidates else None


def outstanding_work(state: CustomerProblemReport) -> tuple[DelegatedWork, ...]:
    """Work somebody is still doing (or about to do) for the report."""
    return tuple(work for work in state.delegated if not work.progress.is_finished)


def withdrawal(work: DelegatedWork) -> PartnerProblemCancelRequested | ServiceTroubleReleased:
    """Stop the work: a partner request is cancelled; a service trouble is released (the
    shared service trouble aggregate cancels it only when no other open report needs it)."""
    if work.kind is DelegationKind.SERVICE_TROUBLE:
        return ServiceTroubleReleased(service=work.entity, request_id=work.request_id)
    return PartnerProblemCancelRequested(
        request_id=work.request_id or "", entity=work.entity, partner=work.partner
    )


def closing(state: CustomerProblemReport) -> list[ReportEvent]:
    """Close Customer Problem: what partners resolved is confirmed closed with them (MEF
    124), what is still outstanding (kept by an operator's resolve) is withdrawn, so a
    closed report leaves its shared service troubles."""
    events: list[ReportEvent] = [withdrawal(work) for work in outstanding_work(state)]
    events.extend(
        PartnerProblemCloseRequested(
            request_id=work.request_id, entity=work.entity, partner=work.partner
        )
        for work in state.delegated
        if work.kind is DelegationKind.PARTNER_PROBLEM
        and work.progress.status is DelegatedStatus.RESOLVED
        and work.request_id is not None
    )
    return events


def reopening(state: CustomerProblemReport, reason: str) -> list[ReportEvent]:
    """The customer reopens: each partner report the cycle's resolution rested on is
    reopened with the partner (MEF 124) and carried into the new cycle, so coordination
    raises no new request for its entity."""
    return [
        PartnerProblemReopenRequested(
            request_id=work.request_id, entity=work.entity, partner=work.partner, reason=reason
        )
        for work in state.current_work
        if work.kind is DelegationKind.PARTNER_PROBLEM
        and work.progress.status is DelegatedStatus.RESOLVED
        and work.request_id is not None
        and work.partner is not None
    ]


WorkFact = (
    ServiceTroubleNeeded
    | PartnerProblemRequested
    | ServiceTroubleLinked
    | DelegatedWorkUpdated
    | PartnerProblemCancelRequested
    | PartnerProblemCloseRequested
    | PartnerProblemReopenRequested
    | ServiceTroubleReleased
    | DelegatedWorkRetryScheduled
    | DelegatedWorkRedelegated
)
"""The facts that change the record of delegated work."""


def evolve_work(state: CustomerProblemReport, event: WorkFact) -> CustomerProblemReport:
    match event:
        case ServiceTroubleNeeded():
            return request_service_work(state, event)
        case PartnerProblemRequested():
            return request_partner_work(state, event)
        case ServiceTroubleLinked():
            return link_work(state, event)
        case DelegatedWorkUpdated():
            return update_work(state, event)
        case PartnerProblemCancelRequested():
            return withdraw_partner_work(state, event)
        case PartnerProblemCloseRequested():
            return _with_status(state, event.request_id, DelegatedStatus.CLOSED)
        case PartnerProblemReopenRequested():
            return reopen_partner_work(state, event)
        case DelegatedWorkRetryScheduled():
            return _changed_work(state, event.request_id, retry_at=event.at)
        case DelegatedWorkRedelegated():
            return _changed_work(state, event.request_id, superseded=True, retry_at=None)
        case _:
            return release_work(state, event)


def request_service_work(
    state: CustomerProblemReport, event: ServiceTroubleNeeded
) -> CustomerProblemReport:
    work = DelegatedWork(
        request_id=None,
        kind=DelegationKind.SERVICE_TROUBLE,
        entity=event.service,
        cycle=state.cycle,
        retries=event.retries,
    )
    return replace(state, delegated=(*state.delegated, work))


def request_partner_work(
    state: CustomerProblemReport, event: PartnerProblemRequested
) -> CustomerProblemReport:
    work = DelegatedWork(
        request_id=event.request_id,
        kind=DelegationKind.PARTNER_PROBLEM,
        entity=event.entity,
        partner=event.partner,
        cycle=state.cycle,
        retries=event.retries,
    )
    return replace(
        state,
        delegated=(*state.delegated, work),
        partner_request_count=state.partner_request_count + 1,
    )


def link_work(state: CustomerProblemReport, event: ServiceTroubleLinked) -> CustomerProblemReport:
    index = link_target_index(state, event.request_id, event.service.id)
    if index is None:
        return state
    work = state.delegated[index]
    progress = replace(
        work.progress,
        status=event.status,
        external_id=event.external_id or work.progress.external_id,
    )
    linked = replace(work, request_id=event.request_id, progress=progress)
    return _with_work(state, index, linked)


def update_work(state: CustomerProblemReport, event: DelegatedWorkUpdated) -> CustomerProblemReport:
    """The delegated work's new status; its note joins the report's notes."""
    index = latest_work_index(state, event.request_id)
    if index is None:
        return state
    work = state.delegated[index]
    updated = replace(work, progress=work.progress.after(event.update))
    state = _with_work(state, index, updated)
    if event.update.note:
        note = Note(author=event.request_id, date=event.occurred_at, text=event.update.note)
        state = replace(state, notes=(*state.notes, note))
    return state


def withdraw_partner_work(
    state: CustomerProblemReport, event: PartnerProblemCancelRequested
) -> CustomerProblemReport:
    return _with_status(state, event.request_id, DelegatedStatus.CANCELLED)


def reopen_partner_work(
    state: CustomerProblemReport, event: PartnerProblemReopenRequested
) -> CustomerProblemReport:
    """The reopened partner report is the new cycle's work, waiting for the partner again."""
    index = latest_work_index(state, event.request_id)
    if index is None:
        return state
    work = state.delegated[index]
    reopened = replace(
        work, progress=Progress(external_id=work.progress.external_id), cycle=state.cycle
    )
    return _with_work(state, index, reopened)


def _with_status(
    state: CustomerProblemReport, request_id: str, status: DelegatedStatus
) -> CustomerProblemReport:
    """The work's progress in ``status``; its ticket id and date stay on record."""
    index = latest_work_index(state, request_id)
    if index is None:
        return state
    work = state.delegated[index]
    return _with_work(state, index, replace(work, progress=replace(work.progress, status=status)))


def release_work(
    state: CustomerProblemReport, event: ServiceTroubleReleased
) -> CustomerProblemReport:
    """We stop following the released service trouble: its records count as cancelled."""
    delegated = tuple(
        replace(work, progress=work.progress.cancelled())
        if work.kind is DelegationKind.SERVICE_TROUBLE
        and work.request_id == event.request_id
        and work.entity.id == event.service.id
        and not work.progress.is_finished
        else work
        for work in state.delegated
    )
    return replace(state, delegated=delegated)


def _changed_work(
    state: CustomerProblemReport, request_id: str, **changes: Any
) -> CustomerProblemReport:
    index = latest_work_index(state, request_id)
    if index is None:
        return state
    return _with_work(state, index, replace(state.delegated[index], **changes))


def _with_work(
    state: CustomerProblemReport, index: int, work: DelegatedWork
) -> CustomerProblemReport:
    delegated = (*state.delegated[:index], work, *state.delegated[index + 1 :])
    return replace(state, delegated=delegated)
