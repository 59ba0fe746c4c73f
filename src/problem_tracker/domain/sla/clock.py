"""The SLA clock of a customer problem report (eTOM 1.3.7.3).

Track & Manage Customer Problem keeps every report within the service level agreed with
the customer (the rule of ``policy.py`` that matches the report). The clock runs in
business time of the rule's calendar from the start of a cycle (the report's creation, or
a reopen) until the report is resolved or cancelled; waiting on the customer
(``pending``) always stops it, an operator hold stops it if the rule says so.

The clock is plain data and names no rule: the rule is looked up afresh for every
decision (the report's attributes or the policy may have changed since), and every
function that needs it takes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from problem_tracker.domain.sla.calendar import ZERO
from problem_tracker.domain.sla.policy import SlaRule


class PauseReason(StrEnum):
    """Why the clock stands still: waiting on the customer, or an operator hold."""

    PENDING = "pending"
    HELD = "held"


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaClock:
    """The SLA state of one cycle of a report (a reopen starts a new cycle).

    ``consumed`` is the business time of the finished runs (``runs``, kept so that a rule
    change can re-measure them); the current run began at ``running_since`` (``None`` when
    paused or stopped). The remaining fields record what this cycle has already signalled;
    ``ladder_delay`` is the SLA time by which acknowledgements held the breach ladder back.
    """

    cycle: int
    cycle_start: datetime
    last_customer_update: datetime
    consumed: timedelta = ZERO
    runs: tuple[tuple[datetime, datetime], ...] = ()
    running_since: datetime | None = None
    pause_reason: PauseReason | None = None
    stopped_at: datetime | None = None
    thresholds_fired: tuple[int, ...] = ()
    breached: bool = False
    external_jeopardy: bool = False
    ladder_steps: int = 0
    escalation_level: int = 0
    escalated: bool = False
    update_overdue: bool = False
    escalation_ended: bool = False
    ladder_delay: timedelta = ZERO

    @property
    def running(self) -> bool:
        return self.running_since is not None

    @property
    def met(self) -> bool | None:
        """Whether the cycle ended within its resolution target: ``None`` until it ends
        (resolved, cancelled or closed), then ``False`` if it breached on the way."""
        return None if self.stopped_at is None else not self.breached


def start_clock(now: datetime, cycle: int = 1) -> SlaClock:
    """Start: a new report (or a reopened one, ``cycle`` > 1: fresh targets, thresholds and
    ladder) starts its SLA clock."""
    return SlaClock(cycle=cycle, cycle_start=now, last_customer_update=now, running_since=now)


def pause(clock: SlaClock, rule: SlaRule, now: datetime, reason: PauseReason) -> SlaClock:
    """The report went ``pending`` (always stops the clock) or ``held`` (stops it only if
    the rule says so; otherwise the clock runs on, even if it was pending before)."""
    if clock.stopped_at is not None:
        return clock
    if reason is PauseReason.HELD and not rule.pause_on_held:
        return resume(clock, rule, now)
    return _end_run(clock, rule, now, pause_reason=reason)


def resume(clock: SlaClock, rule: SlaRule, now: datetime) -> SlaClock:
    """Work goes on (information provided, hold released): the clock runs again."""
    if clock.stopped_at is not None or clock.running_since is not None:
        return clock
    return replace(clock, running_since=now, pause_reason=None)


def stop(clock: SlaClock, rule: SlaRule, now: datetime) -> SlaClock:
    """The report was resolved or cancelled: this cycle's clock stops for good."""
    if clock.stopped_at is not None:
        return clock
    return _end_run(clock, rule, now, pause_reason=None, stopped_at=now)


def _end_run(clock: SlaClock, rule: SlaRule, now: datetime, **changes: Any) -> SlaClock:
    """The current run (if any) ends ``now``; ``changes`` are applied with it."""
    if clock.running_since is not None:
        run = (clock.running_since, max(now, clock.running_since))
        changes.update(
            consumed=clock.consumed + rule.calendar.elapsed(*run),
            runs=(*clock.runs, run),
            running_since=None,
        )
    return replace(clock, **changes)


def recompute(clock: SlaClock, new_rule: SlaRule, now: datetime) -> SlaClock:
    """Priority, severity, segment or ticket type changed: the new rule applies from the
    start of the cycle (retroactively, as ServiceNow and Jira do), so time already used
    is re-measured on the new calendar. What was signalled stays signalled; the next
    decision's ``track.fall_due`` signals what the new targets make due at once."""
    clock = replace(
        clock, consumed=sum((new_rule.calendar.elapsed(*run) for run in clock.runs), ZERO)
    )
    if clock.pause_reason is PauseReason.HELD:
        return pause(clock, new_rule, now, PauseReason.HELD)
    return clock


def record_customer_update(clock: SlaClock, now: datetime) -> SlaClock:
    """The customer saw an update: the update interval starts again."""
    return replace(clock, last_customer_update=now, update_overdue=False)


def elapsed(clock: SlaClock, rule: SlaRule, now: datetime) -> timedelta:
    """SLA business time used so far in this cycle."""
    if clock.running_since is None:
        return clock.consumed
    return clock.consumed + rule.calendar.elapsed(clock.running_since, now)


def reached_at(clock: SlaClock, rule: SlaRule, point: timedelta, now: datetime) -> datetime | None:
    """When the clock reached ``point`` (positive) of SLA time, run by run; ``None`` if it
    has not by ``now``."""
    runs = list(clock.runs)
    if clock.running_since is not None:
        runs.append((clock.running_since, max(now, clock.running_since)))
    spent = ZERO
    for start, end in runs:
        used = rule.calendar.elapsed(start, end)
        if spent + used >= point:
            return rule.calendar.add(start, point - spent)
        spent += used
    return None


def paused_for(clock: SlaClock, now: datetime) -> timedelta:
    """Wall time this cycle's clock stood still (pending, or held under a rule that pauses
    on hold) from the cycle's start to ``now`` or to its stop."""
    end = now if clock.stopped_at is None else min(now, clock.stopped_at)
    running = sum((run_end - run_start for run_start, run_end in clock.runs), ZERO)
    if clock.running_since is not None:
        running += max(end - clock.running_since, ZERO)
    return max(end - clock.cycle_start - running, ZERO)


def percent_elapsed(clock: SlaClock, rule: SlaRule, now: datetime) -> float:
    return 100 * (elapsed(clock, rule, now) / rule.targets.resolution)


def instant_at(clock: SlaClock, rule: SlaRule, point: timedelta) -> datetime | None:
    """When the running clock reaches ``point`` of SLA time (the resume instant if it got
    there in an earlier run); ``None`` while it stands still."""
    if clock.running_since is None:
        return None
    remaining = point - clock.consumed
    if remaining <= ZERO:
        return clock.running_since
    return rule.calendar.add(clock.running_since, remaining)


def due_at(clock: SlaClock, rule: SlaRule) -> datetime | None:
    """The resolution deadline while the clock runs; ``None`` while it stands still."""
    return instant_at(clock, rule, rule.targets.resolution)


def customer_update_due(clock: SlaClock, rule: SlaRule) -> datetime | None:
    """When the customer is owed the next update; ``None`` without an interval or while
    the clock stands still (waiting on the customer, held or finished)."""
    interval = rule.targets.customer_update
    if interval is None or clock.running_since is None:
        return None
    return rule.calendar.add(clock.last_customer_update, interval)
