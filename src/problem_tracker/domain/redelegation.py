"""Coordinate Customer Problem again (eTOM 1.3.7.3, contract v1.1): delegated work the other
side rejected or cancelled is requested anew, so that a report whose work failed does not
stay ``inProgress`` for ever while its ladder climbs.

- An operator re-delegates a failed request of the current cycle (``redelegate``): to the
  same party for the same entity, or to another partner and/or for another entity (an
  entity alone is diagnosed as Coordinate does: inventory says who fixes it). A request
  that is unknown is an ``unknown-correlation``; one that has not failed, was already
  requested again or belongs to an earlier cycle is an ``illegal-transition``.
- The SLA rule's delegation retry (``DelegationRetry``) does it by itself: a failure
  schedules a retry ``after`` the rule's delay, at most ``retries`` times for the same
  work, and only a failure past them escalates. The retry is a timer kept in the
  report's record of the work (``retry_at``); it fires while the report is open and the
  work still failed.

Either way the failed request is marked superseded and the new one (a new request id:
the next ``SPR-<report>-<n>``, or the next generation of the service's shared service
trouble) is what the report waits for.
"""

from __future__ import annotations

from datetime import datetime

from problem_tracker.domain.commands import Redelegate
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.delegated_work import latest_work_index
from problem_tracker.domain.diagnosis import diagnose
from problem_tracker.domain.events import (
    CommandRejected,
    DelegatedWorkFailed,
    DelegatedWorkRedelegated,
    DelegatedWorkRetryScheduled,
    PartnerProblemRequested,
    RejectionCode,
    ReportEvent,
    ServiceTroubleNeeded,
)
from problem_tracker.domain.identity import partner_request_id
from problem_tracker.domain.report import (
    OPEN_STATUSES,
    CustomerProblemReport,
    DelegatedStatus,
    DelegatedWork,
    EntityRef,
    Owner,
)
from problem_tracker.domain.sla.policy import DelegationRetry
from problem_tracker.domain.sla.track import on_tick_grid

Target = tuple[EntityRef, Owner | None]
"""Where work goes: the entity, and the partner that fixes it (``None``: our own service
management, through the shared service trouble of the entity)."""


def redelegate(
    state: CustomerProblemReport, command: Redelegate, context: DecisionContext
) -> list[ReportEvent]:
    """An operator requests failed work again, where he says (by default where it went)."""
    index = latest_work_index(state, command.request_id)
    if index is None:
        reason = f"no delegated work with request id {command.request_id!r}"
        return [_rejected(RejectionCode.UNKNOWN_CORRELATION, reason)]
    work = state.delegated[index]
    refusal = _refusal(state, work, command.request_id)
    if refusal is not None:
        return [_rejected(RejectionCode.ILLEGAL_TRANSITION, refusal)]
    target = _target(work, command, context)
    if target is None:
        entity = command.entity or work.entity
        reason = f"nobody fixes {entity.id!r}: inventory names no owner"
        return [_rejected(RejectionCode.ILLEGAL_TRANSITION, reason)]
    redelegated = DelegatedWorkRedelegated(request_id=command.request_id)
    request = _request(state, target, state.partner_request_count + 1, work.retries + 1)
    return [redelegated, request]


def failure(
    work: DelegatedWork,
    status: DelegatedStatus,
    reason: str | None,
    retry: DelegationRetry | None,
    now: datetime,
) -> DelegatedWorkFailed | DelegatedWorkRetryScheduled:
    """What a failure of ``work`` is: a retry while the rule allows one more, else the
    failure that escalates."""
    request_id = work.request_id or ""
    if retry is not None and work.retries < retry.retries:
        at = on_tick_grid(now + retry.after) or now
        return DelegatedWorkRetryScheduled(
            request_id=request_id, status=status, at=at, reason=reason
        )
    return DelegatedWorkFailed(request_id=request_id, status=status, reason=reason)


def retries_due(state: CustomerProblemReport, now: datetime) -> list[ReportEvent]:
    """The automatic retries due ``now``: each failed request is requested again."""
    events: list[ReportEvent] = []
    number = state.partner_request_count
    for work in _awaiting_retry(state):
        if work.retry_at is None or work.retry_at > now:
            continue
        target = (work.entity, work.partner)
        number += work.partner is not None
        events.append(DelegatedWorkRedelegated(request_id=work.request_id or "", automatic=True))
        events.append(_request(state, target, number, work.retries + 1))
    return events


def next_retry(state: CustomerProblemReport) -> datetime | None:
    """When the report next retries failed work; ``None`` when it has nothing to retry."""
    return min((work.retry_at for work in _awaiting_retry(state) if work.retry_at), default=None)


def _awaiting_retry(state: CustomerProblemReport) -> tuple[DelegatedWork, ...]:
    """Failed work of an open report whose retry is scheduled."""
    if state.status not in OPEN_STATUSES:
        return ()
    return tuple(
        work
        for work in state.current_work
        if work.retry_at is not None and work.progress.has_failed
    )


def _refusal(state: CustomerProblemReport, work: DelegatedWork, request_id: str) -> str | None:
    if work.cycle != state.cycle:
        return (
            f"request {request_id!r} belongs to cycle {work.cycle}; "
            f"the report is in cycle {state.cycle}"
        )
    if work.superseded:
        return f"request {request_id!r} was already requested again"
    if not work.progress.has_failed:
        return (
            f"request {request_id!r} is {work.progress.status.value}: "
            "only rejected or cancelled work is requested again"
        )
    return None


def _target(work: DelegatedWork, command: Redelegate, context: DecisionContext) -> Target | None:
    """The partner named, else for another entity whoever inventory says fixes it, else
    the party the work went to."""
    entity = command.entity or work.entity
    if command.partner is not None:
        same = work.partner is not None and work.partner.id == command.partner.id
        return entity, work.partner if same else command.partner
    if command.entity is None:
        return entity, work.partner
    diagnosis = diagnose((entity,), context)
    if diagnosis.partner:
        return diagnosis.partner[0]
    if diagnosis.internal:
        return entity, None
    return None


def _request(
    state: CustomerProblemReport, target: Target, number: int, retries: int
) -> ServiceTroubleNeeded | PartnerProblemRequested:
    entity, partner = target
    if partner is None:
        return ServiceTroubleNeeded(
            service=entity,
            priority=state.priority,
            severity=state.severity,
            description=state.description,
            requested_resolution_date=state.requested_resolution_date,
            retries=retries,
        )
    return PartnerProblemRequested(
        request_id=partner_request_id(state.id, number),
        entity=entity,
        partner=partner,
        priority=state.priority,
        severity=state.severity,
        description=state.description,
        requested_resolution_date=state.requested_resolution_date,
        retries=retries,
    )


def _rejected(code: RejectionCode, reason: str) -> CommandRejected:
    return CommandRejected(code=code, reason=reason, command="Redelegate")
