"""Monitor a report against its SLA: jeopardy, breach and overdue customer updates.

In eTOM 1.3.7.3, Track & Manage Customer Problem monitors every report against the
agreed service level and raises jeopardy before the target is missed: when the clock
passes a threshold of the resolution target, when delegated work forecasts a resolution
after the customer's deadline, or when a partner overruns its OLA. At 100 % the report
breaches and Escalate/End takes over (``ladder.py``).

Timers are data: ``next_deadline`` says when the report wants its next ``Tick``, and a
tick that arrives early or twice signals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from problem_tracker.domain.sla.clock import (
    SlaClock,
    customer_update_due,
    due_at,
    elapsed,
    instant_at,
    percent_elapsed,
)
from problem_tracker.domain.sla.policy import SlaRule


class JeopardyCause(StrEnum):
    THRESHOLD = "threshold"
    FORECAST = "forecast"
    PARTNER_OLA_OVERDUE = "partner-ola-overdue"


class JeopardyLevel(StrEnum):
    """The report's ``jeopardy`` field: the first threshold warns, the last (or a
    forecast or partner overrun) puts it in jeopardy, 100 % breaches it."""

    NONE = "none"
    WARNING = "warning"
    JEOPARDY = "jeopardy"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True, kw_only=True)
class JeopardyReached:
    """The report risks missing its resolution target and is now at ``level``;
    ``threshold_percent`` is set when a threshold of the target was passed, ``due_at`` is
    ``None`` while the clock stands."""

    cause: JeopardyCause
    level: JeopardyLevel
    threshold_percent: int | None
    percent_elapsed: float
    due_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Breached:
    """The resolution target was missed at ``due_at``."""

    due_at: datetime
    percent_elapsed: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerUpdateOverdue:
    """The customer has seen no update since ``last_update``; one was owed by ``due_at``."""

    last_update: datetime
    due_at: datetime


JeopardySignal = JeopardyReached | Breached | CustomerUpdateOverdue


def next_deadline(clock: SlaClock, rule: SlaRule) -> datetime | None:
    """The earliest instant at which the report's SLA has something to signal: the next
    threshold, the breach, the next ladder step, or the customer update falling due.
    ``None`` while the clock stands still. ``escalation.tick`` signals all of them."""
    if clock.running_since is None:
        return None
    target = rule.targets.resolution
    points = [rule.threshold_point(t) for t in rule.thresholds if t not in clock.thresholds_fired]
    if not clock.breached:
        points.append(target)
    ladder_offset = rule.ladder.offset(clock.ladder_steps + 1)
    if ladder_offset is not None:
        points.append(target + ladder_offset)
    candidates = [instant_at(clock, rule, min(points))] if points else []
    if not clock.update_overdue:
        candidates.append(customer_update_due(clock, rule))
    return min((c for c in candidates if c is not None), default=None)


def evaluate(
    clock: SlaClock, rule: SlaRule, now: datetime
) -> tuple[SlaClock, list[JeopardySignal]]:
    """A tick: signal every threshold passed (each once per cycle), the breach, and an
    overdue customer update. A stopped or paused clock, or an early tick, signals nothing."""
    if clock.running_since is None:
        return clock, []
    used = elapsed(clock, rule, now)
    reached = [
        t
        for t in rule.thresholds
        if t not in clock.thresholds_fired and used >= rule.threshold_point(t)
    ]
    breach = not clock.breached and used >= rule.targets.resolution
    overdue = _update_overdue(clock, rule, now)
    if not (reached or breach or overdue):
        return clock, []
    percent = 100 * (used / rule.targets.resolution)
    due = due_at(clock, rule)
    assert due is not None  # the clock runs
    signals: list[JeopardySignal] = [
        JeopardyReached(
            cause=JeopardyCause.THRESHOLD,
            level=JeopardyLevel.JEOPARDY if t == rule.thresholds[-1] else JeopardyLevel.WARNING,
            threshold_percent=t,
            percent_elapsed=percent,
            due_at=due,
        )
        for t in reached
    ]
    if breach:
        signals.append(Breached(due_at=due, percent_elapsed=percent))
    if overdue:
        signals.append(overdue)
    return replace(
        clock,
        thresholds_fired=tuple(sorted({*clock.thresholds_fired, *reached})),
        breached=clock.breached or breach,
        update_overdue=clock.update_overdue or overdue is not None,
    ), signals


def _update_overdue(clock: SlaClock, rule: SlaRule, now: datetime) -> CustomerUpdateOverdue | None:
    due = None if clock.update_overdue else customer_update_due(clock, rule)
    if due is None or now < due:
        return None
    return CustomerUpdateOverdue(last_update=clock.last_customer_update, due_at=due)


def raise_jeopardy(
    clock: SlaClock, rule: SlaRule, now: datetime, cause: JeopardyCause
) -> tuple[SlaClock, JeopardyReached | None]:
    """Put the report in jeopardy for a reason outside its own clock, once per cycle; a
    finished or already breached report has nothing left to put at risk."""
    if clock.stopped_at is not None or clock.breached or clock.external_jeopardy:
        return clock, None
    signal = JeopardyReached(
        cause=cause,
        level=JeopardyLevel.JEOPARDY,
        threshold_percent=None,
        percent_elapsed=percent_elapsed(clock, rule, now),
        due_at=due_at(clock, rule),
    )
    return replace(clock, external_jeopardy=True), signal


def forecast_jeopardy(
    clock: SlaClock, rule: SlaRule, expected_resolution: datetime, now: datetime
) -> tuple[SlaClock, JeopardyReached | None]:
    """Delegated work expects to be resolved after the customer's deadline: the report is
    in jeopardy now, not when its own clock gets there."""
    due = due_at(clock, rule)
    if due is None or expected_resolution <= due:
        return clock, None
    return raise_jeopardy(clock, rule, now, JeopardyCause.FORECAST)


def jeopardy_level(clock: SlaClock, rule: SlaRule) -> JeopardyLevel:
    if clock.breached:
        return JeopardyLevel.BREACHED
    if clock.external_jeopardy or (
        rule.thresholds and rule.thresholds[-1] in clock.thresholds_fired
    ):
        return JeopardyLevel.JEOPARDY
    if clock.thresholds_fired:
        return JeopardyLevel.WARNING
    return JeopardyLevel.NONE
