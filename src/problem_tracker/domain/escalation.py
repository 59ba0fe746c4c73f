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
- Once the clock has stopped (resolved, cancelled, closed), nothing is signalled but the
  end: a report that was in jeopardy or escalated ends its escalation, once per cycle.

A functional escalation raises the report's escalation level to the level it was called
at, so that the snapshot's ``escalationLevel`` is the highest level anyone was called at.
The last event of each batch of signals carries the SLA it leaves in its ``sla`` header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from problem_tracker.domain.delegated_work import outstanding_work
from problem_tracker.domain.events import (
    DelegatedWorkFailed,
    EscalationEnded,
    EscalationRaised,
    JeopardyRaised,
    ReportEvent,
)
from problem_tracker.domain.report import CustomerProblemReport, DelegatedStatus, Status
from problem_tracker.domain.sla import jeopardy, ladder
from problem_tracker.domain.sla.clock import SlaClock
from problem_tracker.domain.sla.jeopardy import JeopardyCause, JeopardyLevel
from problem_tracker.domain.sla.ladder import EscalationReason
from problem_tracker.domain.sla.policy import EscalationKind, SlaPolicy, SlaRule
from problem_tracker.domain.sla.track import SlaTrack, refreshed
from problem_tracker.domain.timekeeping import rule_for

_FAILURE_REASONS = {
    DelegatedStatus.REJECTED: EscalationReason.DELEGATION_REJECTED,
    DelegatedStatus.CANCELLED: EscalationReason.DELEGATION_CANCELLED,
}


@dataclass(slots=True)
class _Signals:
    """The signals decided so far, and the SLA they leave."""

    track: SlaTrack
    rule: SlaRule
    events: list[ReportEvent] = field(default_factory=list)

    @property
    def clock(self) -> SlaClock:
        return self.track.clock

    def add(self, events: Sequence[ReportEvent], clock: SlaClock) -> None:
        """Record a batch of signals and the clock it leaves; whoever was called, the
        report is escalated at least that high."""
        if not events:
            return
        for event in events:
            if isinstance(event, EscalationRaised):
                clock = _called(clock, event.level)
        self.track = refreshed(replace(self.track, clock=clock), self.rule)
        *earlier, last = events
        self.events.extend([*earlier, replace(last, sla=self.track)])


def watch(
    state: CustomerProblemReport,
    decided: Sequence[ReportEvent],
    now: datetime,
    policy: SlaPolicy,
) -> list[ReportEvent]:
    """The jeopardy and escalation signals due ``now``; ``decided`` are the events this
    decision produced before (a delegation failure among them escalates)."""
    track = state.sla
    if track is None:
        return []
    if track.stopped:
        return _end(track, state.status)
    signals = _Signals(track, rule_for(state, policy))
    _thresholds(signals, now)
    _ladder(signals, now)
    _partner_legs(signals, now)
    for event in decided:
        if isinstance(event, DelegatedWorkFailed):
            _delegation_failed(signals, event)
    _forecast(signals, state, now)
    return signals.events


def _thresholds(signals: _Signals, now: datetime) -> None:
    clock, found = jeopardy.evaluate(signals.clock, signals.rule, now)
    signals.add([_event(signal, signals) for signal in found], clock)


def _ladder(signals: _Signals, now: datetime) -> None:
    """Every rung climbed now; the last call carries the step the ladder reached (a late
    tick absorbs the repeats of the top rung it missed)."""
    before = signals.clock.ladder_steps
    clock, calls = ladder.escalate_on_breach(signals.clock, signals.rule, now)
    if calls:
        steps = [*range(before + 1, before + len(calls)), clock.ladder_steps]
        events = [
            _escalation(call, ladder_step=step) for call, step in zip(calls, steps, strict=True)
        ]
        signals.add(events, clock)


def _partner_legs(signals: _Signals, now: datetime) -> None:
    for index, leg in enumerate(signals.track.partner_legs):
        checked, clock, found = ladder.partner_leg_overdue(leg, signals.clock, signals.rule, now)
        if found:
            legs = signals.track.partner_legs
            legs = (*legs[:index], checked, *legs[index + 1 :])
            signals.track = replace(signals.track, partner_legs=legs)
            signals.add([_event(signal, signals, leg.request_id) for signal in found], clock)


def _delegation_failed(signals: _Signals, failure: DelegatedWorkFailed) -> None:
    reason = _FAILURE_REASONS[failure.status]
    clock, call = ladder.escalate_delegation_failure(signals.clock, signals.rule, reason)
    signals.add([_escalation(call, request_id=failure.request_id)], clock)


def _forecast(signals: _Signals, state: CustomerProblemReport, now: datetime) -> None:
    current = [work for work in outstanding_work(state) if work.cycle == state.cycle]
    estimates = [w.expected_resolution_date for w in current if w.expected_resolution_date]
    if not estimates:
        return
    clock, raised = jeopardy.forecast_jeopardy(signals.clock, signals.rule, max(estimates), now)
    signals.add([] if raised is None else [_jeopardy(raised)], clock)


def _end(track: SlaTrack, status: Status) -> list[ReportEvent]:
    clock, ended = ladder.end_escalation(track.clock, status.value)
    if ended is None:
        return []
    return [EscalationEnded(level=ended.level, reason=status, sla=replace(track, clock=clock))]


def _called(clock: SlaClock, level: int) -> SlaClock:
    return replace(clock, escalated=True, escalation_level=max(clock.escalation_level, level))


def _event(
    signal: ladder.Signal,
    signals: _Signals,
    request_id: str | None = None,
) -> ReportEvent:
    if isinstance(signal, jeopardy.JeopardyReached):
        return _jeopardy(signal)
    if isinstance(signal, jeopardy.Breached):
        return _breach(signal)
    if isinstance(signal, jeopardy.CustomerUpdateOverdue):
        return _update_overdue(signals.clock, signals.rule)
    assert isinstance(signal, ladder.Escalated)  # an end is never signalled while running
    return _escalation(signal, request_id=request_id)


def _jeopardy(signal: jeopardy.JeopardyReached) -> JeopardyRaised:
    return JeopardyRaised(
        cause=signal.cause,
        level=signal.level,
        threshold_percent=signal.threshold_percent,
        percent_elapsed=signal.percent_elapsed,
        due_at=signal.due_at,
    )


def _breach(signal: jeopardy.Breached) -> JeopardyRaised:
    return JeopardyRaised(
        cause=JeopardyCause.THRESHOLD,
        level=JeopardyLevel.BREACHED,
        threshold_percent=100,
        percent_elapsed=signal.percent_elapsed,
        due_at=signal.due_at,
    )


def _update_overdue(clock: SlaClock, rule: SlaRule) -> EscalationRaised:
    return EscalationRaised(
        level=max(clock.escalation_level, 1),
        kind=EscalationKind.FUNCTIONAL,
        target=rule.ladder.delegation_failure_target,
        reason=EscalationReason.CUSTOMER_UPDATE_OVERDUE,
    )


def _escalation(
    call: ladder.Escalated, *, ladder_step: int | None = None, request_id: str | None = None
) -> EscalationRaised:
    return EscalationRaised(
        level=call.level,
        kind=call.kind,
        target=call.target,
        reason=call.reason,
        ladder_step=ladder_step,
        request_id=request_id,
    )
