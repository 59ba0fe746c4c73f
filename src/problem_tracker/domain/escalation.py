"""Jeopardy and Escalate/End Customer Problem (eTOM 1.3.7.3): at the end of every decision,
``watch`` signals what the report's SLA makes due now.

- While the clock runs: each threshold of the resolution target, once per cycle (warning,
  then jeopardy); the breach at 100 %, then the escalation ladder, one rung per repeat
  interval; an overdue customer update; each partner leg past its OLA (a functional
  escalation to the partner manager, and jeopardy for the report).
- A delegated report that was rejected or cancelled escalates functionally at once.
- Open delegated work whose latest expected resolution lies beyond the report's due time
  puts the report in jeopardy at once (a forecast), once per cycle.
- An overdue customer update escalates functionally to the rule's
  ``delegationFailure`` target (the service desk), once until the customer next hears
  from us.
- An operator acknowledges an escalation (``acknowledge_escalation``): the breach ladder
  holds for the rule's ``acknowledgeFor``, then climbs again from the next level if the
  report is still breached; with no escalation under way, or at a level above the
  current one, the acknowledgement is an illegal transition.
- Once the clock has stopped (resolved, cancelled, closed), nothing is signalled but the
  end: a report that was in jeopardy or escalated ends its escalation, once per cycle.

Every escalation names who has the report (its assignee and role); a functional level
whose target is ``assignee`` calls the assignee (the ladder's delegation failure target
while nobody is assigned).

A functional escalation raises the report's escalation level to the level it was called
at, so that the snapshot's ``escalationLevel`` is the highest level anyone was called at.
The rules are the ``sla`` package's (``sla.track.fall_due``); this step turns each signal
into an event of the report, and the last event of each batch of signals carries the SLA
it leaves in its ``sla`` header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from problem_tracker.domain.commands import AcknowledgeEscalation
from problem_tracker.domain.events import (
    CommandRejected,
    DelegatedWorkFailed,
    EscalationAcknowledged,
    EscalationEnded,
    EscalationRaised,
    JeopardyRaised,
    RejectionCode,
    ReportEvent,
)
from problem_tracker.domain.report import CustomerProblemReport, DelegatedStatus, Status
from problem_tracker.domain.sla.jeopardy import JeopardySignal
from problem_tracker.domain.sla.ladder import (
    DelegationFailure,
    EscalationReason,
    NotAcknowledgeableError,
    acknowledge,
    end_escalation,
)
from problem_tracker.domain.sla.policy import ASSIGNEE_TARGET, SlaPolicy
from problem_tracker.domain.sla.track import Signalled, SlaSignal, SlaTrack, fall_due, refreshed
from problem_tracker.domain.timekeeping import rule_for

_FAILURE_REASONS = {
    DelegatedStatus.REJECTED: EscalationReason.DELEGATION_REJECTED,
    DelegatedStatus.CANCELLED: EscalationReason.DELEGATION_CANCELLED,
}


def watch(
    state: CustomerProblemReport,
    decided: Sequence[ReportEvent],
    now: datetime,
    policy: SlaPolicy,
) -> list[ReportEvent]:
    """The jeopardy and escalation events due ``now``; ``decided`` are the events this
    decision produced before (a delegation failure among them escalates)."""
    track = state.sla
    if track is None:
        return []
    if track.stopped:
        return _end(track, state.status)
    failures = [
        DelegationFailure(request_id=event.request_id, reason=_FAILURE_REASONS[event.status])
        for event in decided
        if isinstance(event, DelegatedWorkFailed)
    ]
    rule = rule_for(state, policy)
    due = fall_due(track, rule, now, failures=failures, forecast=_forecast(state))
    called = _Called(state, rule.ladder.delegation_failure_target)
    return [event for batch in due for event in _events(batch, called)]


def acknowledge_escalation(
    state: CustomerProblemReport,
    command: AcknowledgeEscalation,
    now: datetime,
    policy: SlaPolicy,
) -> list[ReportEvent]:
    """The called party has the escalation: hold the ladder, or reject the command when
    there is nothing (at that level) to acknowledge."""
    track = state.sla
    rule = rule_for(state, policy)
    try:
        if track is None:
            raise NotAcknowledgeableError("the report has no SLA")
        done = acknowledge(track.clock, rule, now, command.level)
    except NotAcknowledgeableError as error:
        return [
            CommandRejected(
                code=RejectionCode.ILLEGAL_TRANSITION,
                reason=f"nothing to acknowledge: {error}",
                command=type(command).__name__,
            )
        ]
    sla = refreshed(replace(track, clock=done.clock), rule)
    return [
        EscalationAcknowledged(
            acknowledged_by=command.acknowledged_by, level=done.level, until=done.until, sla=sla
        )
    ]


def _forecast(state: CustomerProblemReport) -> datetime | None:
    """The latest resolution the current cycle's open delegated work expects, if any."""
    estimates = [
        work.progress.expected_resolution_date
        for work in state.open_work
        if work.progress.expected_resolution_date
    ]
    return max(estimates, default=None)


@dataclass(frozen=True, slots=True)
class _Called:
    """Who has the report, and whom a level naming the assignee calls while nobody has."""

    state: CustomerProblemReport
    unassigned_target: str

    def target(self, target: str) -> str:
        if target != ASSIGNEE_TARGET:
            return target
        return self.state.assignee or self.unassigned_target


def _events(batch: Signalled, called: _Called) -> list[ReportEvent]:
    """One event per signal; the last one carries the SLA the batch leaves."""
    *earlier, last = [_event(signal, called) for signal in batch.signals]
    return [*earlier, replace(last, sla=batch.track)]


def _event(signal: SlaSignal, called: _Called) -> ReportEvent:
    if isinstance(signal, JeopardySignal):
        return JeopardyRaised(
            cause=signal.cause,
            level=signal.level,
            threshold_percent=signal.threshold_percent,
            percent_elapsed=signal.percent_elapsed,
            due_at=signal.due_at,
        )
    return EscalationRaised(
        level=signal.level,
        kind=signal.kind,
        target=called.target(signal.target),
        reason=signal.reason,
        ladder_step=signal.ladder_step,
        request_id=signal.request_id,
        assignee=called.state.assignee,
        assignee_role=called.state.assignee_role,
    )


def _end(track: SlaTrack, status: Status) -> list[ReportEvent]:
    ended = end_escalation(track.clock)
    if ended is None:
        return []
    sla = replace(track, clock=ended)
    return [EscalationEnded(level=ended.escalation_level, reason=status, sla=sla)]
