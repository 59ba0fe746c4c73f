"""Monitor a report against its SLA: jeopardy and breach.

In eTOM 1.3.7.3, Track & Manage Customer Problem monitors every report against the
agreed service level and raises jeopardy before the target is missed: when the clock
passes a threshold of the resolution target, when delegated work forecasts a resolution
after the customer's deadline, or when a partner overruns its OLA (``partner_legs``). At
100 % the report breaches and Escalate/End takes over (``ladder``).

Each function returns the clock with what it signalled recorded, so that nothing is
signalled twice in a cycle, and the signals themselves: facts about the SLA that the
report's ``escalation`` step turns into its own events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from problem_tracker.domain.sla.clock import SlaClock, due_at, elapsed, percent_elapsed
from problem_tracker.domain.sla.policy import SlaRule

BREACH_PERCENT = 100
"""At this share of its resolution target the report breaches."""


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
class JeopardySignal:
    """The report risks missing its resolution target (or missed it: ``level`` breached,
    at 100 %) and is now at ``level``; ``threshold_percent`` is set when a threshold of
    the target (or the target itself) was passed, ``due_at`` is ``None`` while the clock
    stands."""

    cause: JeopardyCause
    level: JeopardyLevel
    threshold_percent: int | None
    percent_elapsed: float
    due_at: datetime | None


def evaluate(
    clock: SlaClock, rule: SlaRule, now: datetime
) -> tuple[SlaClock, list[JeopardySignal]]:
    """Signal every threshold passed (each once per cycle), then the breach (once). A
    stopped or paused clock, or an early tick, signals nothing."""
    if clock.running_since is None:
        return clock, []
    used = elapsed(clock, rule, now)
    reached = [
        t
        for t in rule.thresholds
        if t not in clock.thresholds_fired and used >= rule.threshold_point(t)
    ]
    breach = not clock.breached and used >= rule.targets.resolution
    if not (reached or breach):
        return clock, []
    percent = 100 * (used / rule.targets.resolution)
    due = due_at(clock, rule)
    signals = [
        JeopardySignal(
            cause=JeopardyCause.THRESHOLD,
            level=JeopardyLevel.JEOPARDY if t == rule.thresholds[-1] else JeopardyLevel.WARNING,
            threshold_percent=t,
            percent_elapsed=percent,
            due_at=due,
        )
        for t in reached
    ]
    if breach:
        signals.append(
            JeopardySignal(
                cause=JeopardyCause.THRESHOLD,
                level=JeopardyLevel.BREACHED,
                threshold_percent=BREACH_PERCENT,
                percent_elapsed=percent,
                due_at=due,
            )
        )
    return replace(
        clock,
        thresholds_fired=tuple(sorted({*clock.thresholds_fired, *reached})),
        breached=clock.breached or breach,
    ), signals


def raise_jeopardy(
    clock: SlaClock, rule: SlaRule, now: datetime, cause: JeopardyCause
) -> tuple[SlaClock, JeopardySignal | None]:
    """Put the report in jeopardy for a reason outside its own clock, once per cycle; a
    finished or already breached report has nothing left to put at risk."""
    if clock.stopped_at is not None or clock.breached or clock.external_jeopardy:
        return clock, None
    signal = JeopardySignal(
        cause=cause,
        level=JeopardyLevel.JEOPARDY,
        threshold_percent=None,
        percent_elapsed=percent_elapsed(clock, rule, now),
        due_at=due_at(clock, rule),
    )
    return replace(clock, external_jeopardy=True), signal


def forecast_jeopardy(
    clock: SlaClock, rule: SlaRule, expected_resolution: datetime, now: datetime
) -> tuple[SlaClock, JeopardySignal | None]:
    """Delegated work expects to be resolved after the customer's deadline: the report is
    in jeopardy now, not when its own clock gets there."""
    due = due_at(clock, rule)
    if due is None or expected_resolution <= due:
        return clock, None
    return raise_jeopardy(clock, rule, now, JeopardyCause.FORECAST)


def measured_jeopardy(clock: SlaClock, rule: SlaRule, now: datetime) -> JeopardyLevel:
    """The report's jeopardy as the rule in force measures the clock ``now``: a rule
    applied retroactively (a downgrade after a breach) takes the report out of breach or
    jeopardy when it leaves more time than was used. A forecast or partner overrun
    keeps it in jeopardy for the cycle."""
    used = elapsed(clock, rule, now)
    if used >= rule.targets.resolution:
        return JeopardyLevel.BREACHED
    passed = [t for t in rule.thresholds if used >= rule.threshold_point(t)]
    if clock.external_jeopardy or (passed and passed[-1] == rule.thresholds[-1]):
        return JeopardyLevel.JEOPARDY
    return JeopardyLevel.WARNING if passed else JeopardyLevel.NONE
