"""What a customer problem report keeps of its SLA between two decisions (eTOM 1.3.7.3
Track & Manage Customer Problem), and what falls due on it.

The track holds the clock of the report's current cycle, the OLA legs of the partner
requests still open, the outcome of the cycles before (kept at each reopen), and what the
policy made of them at the last decision — the jeopardy level, the resolution due time,
the instant the report wants its next ``Tick`` and the measure the snapshot shows (rule,
time used, left and paused, when it breached). Those are stored rather than recomputed
so that the shell can schedule ticks and show the report without the policy. Jeopardy is
measured, not remembered: after a rule applied retroactively (a downgrade after a
breach) the report is in breach only if the new rule says it is.

Ticks have a resolution of 100 ms: the next tick is the first tenth of a second at or
after the earliest deadline, so that the instant the shell schedules (in slots of 100 ms)
is exactly the one the report asked for, and a deadline is acted on at most a tenth of a
second late by rounding.

``fall_due`` is what the end of every decision asks of a running track: the signals due
now, in the batches the report's ``escalation`` step turns into events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from problem_tracker.domain.sla.calendar import ZERO
from problem_tracker.domain.sla.clock import (
    SlaClock,
    customer_update_due,
    due_at,
    elapsed,
    instant_at,
    paused_for,
    reached_at,
)
from problem_tracker.domain.sla.jeopardy import (
    JeopardyLevel,
    JeopardySignal,
    evaluate,
    forecast_jeopardy,
    measured_jeopardy,
)
from problem_tracker.domain.sla.ladder import (
    DelegationFailure,
    EscalationSignal,
    escalate_delegation_failure,
    escalate_on_breach,
    escalate_overdue_update,
)
from problem_tracker.domain.sla.partner_legs import PartnerLeg, partner_leg_overdue
from problem_tracker.domain.sla.policy import SlaRule

TICK_RESOLUTION = timedelta(milliseconds=100)

SlaSignal = JeopardySignal | EscalationSignal
"""What the SLA makes due: the report turns each one into an event of its own."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaMeasure:
    """The SLA as the rule named ``rule`` measured it at ``at`` (the last decision):
    business time used and left of the resolution target, wall time the clock stood
    still, and when the target was reached (``None`` if it was not)."""

    rule: str
    at: datetime
    elapsed: timedelta
    remaining: timedelta
    paused_for: timedelta
    breached_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleOutcome:
    """A finished cycle (the report was reopened after it): from ``start`` to ``end``
    (its resolution), ``met`` when it ended within its target."""

    cycle: int
    start: datetime
    end: datetime
    met: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaTrack:
    """The SLA of the report's current cycle; ``next_tick`` is ``None`` when nothing can
    fall due (the clock stands still or has stopped and no partner leg is open).
    ``completed`` are the cycles before this one, oldest first."""

    clock: SlaClock
    partner_legs: tuple[PartnerLeg, ...] = ()
    jeopardy: JeopardyLevel = JeopardyLevel.NONE
    due_at: datetime | None = None
    next_tick: datetime | None = None
    measure: SlaMeasure | None = None
    completed: tuple[CycleOutcome, ...] = ()

    @property
    def stopped(self) -> bool:
        return self.clock.stopped_at is not None

    @property
    def met(self) -> bool | None:
        """Whether this cycle ended within its target: ``None`` while it runs."""
        if not self.stopped:
            return None
        if self.measure is None:
            return not self.clock.breached
        return self.measure.breached_at is None


def next_cycle(track: SlaTrack | None, now: datetime) -> tuple[CycleOutcome, ...]:
    """The finished cycles a reopened report keeps: those before, and the one ending."""
    if track is None:
        return ()
    clock = track.clock
    ended = CycleOutcome(
        cycle=clock.cycle,
        start=clock.cycle_start,
        end=clock.stopped_at or now,
        met=track.met is not False,
    )
    return (*track.completed, ended)


@dataclass(frozen=True, slots=True, kw_only=True)
class Signalled:
    """Signals that fell due together, and the track they leave (the last event made of
    them carries it)."""

    signals: tuple[SlaSignal, ...]
    track: SlaTrack


def refreshed(track: SlaTrack, rule: SlaRule, now: datetime) -> SlaTrack:
    """The track with its jeopardy level, due time, next tick and measure as ``rule``
    sees them ``now``."""
    clock, legs = track.clock, track.partner_legs
    return replace(
        track,
        jeopardy=measured_jeopardy(clock, rule, now),
        due_at=due_at(clock, rule),
        next_tick=on_tick_grid(_next_deadline(clock, rule, legs)),
        measure=measure(clock, rule, now),
    )


def measure(clock: SlaClock, rule: SlaRule, now: datetime) -> SlaMeasure:
    """What the snapshot shows of the cycle's SLA ``now``."""
    target = rule.targets.resolution
    used = elapsed(clock, rule, now)
    return SlaMeasure(
        rule=rule.name,
        at=now,
        elapsed=used,
        remaining=max(target - used, ZERO),
        paused_for=paused_for(clock, now),
        breached_at=reached_at(clock, rule, target, now),
    )


def fall_due(
    track: SlaTrack,
    rule: SlaRule,
    now: datetime,
    *,
    failures: Sequence[DelegationFailure] = (),
    forecast: datetime | None = None,
) -> list[Signalled]:
    """What the running SLA makes due ``now``, batch by batch: the thresholds passed, the
    breach and an overdue customer update; the ladder; each partner leg past its OLA;
    each delegation ``failures`` of this decision; and jeopardy when open delegated work
    expects its resolution (``forecast``, the latest estimate) after the due time."""
    due = _Batches(track, rule, now)
    clock, found = evaluate(due.track.clock, rule, now)
    clock, overdue = escalate_overdue_update(clock, rule, now)
    due.add([*found, *overdue], clock)
    clock, calls = escalate_on_breach(due.track.clock, rule, now)
    due.add(calls, clock)
    for index, leg in enumerate(track.partner_legs):
        checked, clock, leg_signals = partner_leg_overdue(leg, due.track.clock, rule, now)
        due.add(leg_signals, clock, leg=(index, checked))
    for failure in failures:
        clock, call = escalate_delegation_failure(due.track.clock, rule, failure)
        due.add([call], clock)
    if forecast is not None:
        clock, raised = forecast_jeopardy(due.track.clock, rule, forecast, now)
        due.add([] if raised is None else [raised], clock)
    return due.batches


@dataclass(slots=True)
class _Batches:
    """The batches signalled so far, and the track they leave."""

    track: SlaTrack
    rule: SlaRule
    now: datetime
    batches: list[Signalled] = field(default_factory=list)

    def add(
        self,
        signals: Sequence[SlaSignal],
        clock: SlaClock,
        leg: tuple[int, PartnerLeg] | None = None,
    ) -> None:
        """Record a batch, the clock it leaves and, for a partner leg, the leg checked."""
        if not signals:
            return
        legs = self.track.partner_legs
        if leg is not None:
            index, checked = leg
            legs = (*legs[:index], checked, *legs[index + 1 :])
        self.track = refreshed(
            replace(self.track, clock=clock, partner_legs=legs), self.rule, self.now
        )
        self.batches.append(Signalled(signals=tuple(signals), track=self.track))


def _next_deadline(clock: SlaClock, rule: SlaRule, legs: Sequence[PartnerLeg]) -> datetime | None:
    """The earliest instant at which the SLA has something to signal: the next threshold,
    the breach, the next ladder step, the customer update falling due (all while the
    clock runs) or an open partner leg's OLA."""
    own = [customer_update_due(clock, rule)] if not clock.update_overdue else []
    target = rule.targets.resolution
    points = [rule.threshold_point(t) for t in rule.thresholds if t not in clock.thresholds_fired]
    if not clock.breached:
        points.append(target)
    ladder_offset = rule.ladder.offset(clock.ladder_steps + 1)
    if ladder_offset is not None:
        points.append(target + clock.ladder_delay + ladder_offset)
    if points:
        own.append(instant_at(clock, rule, min(points)))
    legs_due = [call for leg in legs if (call := leg.next_call) is not None]
    return min([*legs_due, *(moment for moment in own if moment is not None)], default=None)


def on_tick_grid(moment: datetime | None) -> datetime | None:
    """The first tick instant at or after ``moment``: a deadline never fires early."""
    if moment is None:
        return None
    past_grid = moment.microsecond % (TICK_RESOLUTION // timedelta(microseconds=1))
    return (
        moment if past_grid == 0 else moment - timedelta(microseconds=past_grid) + TICK_RESOLUTION
    )
