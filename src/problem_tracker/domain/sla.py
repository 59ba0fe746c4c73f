"""The SLA policy and the SLA clock of a customer problem report (eTOM 1.3.7.3).

Track & Manage Customer Problem keeps every report within the service level agreed with
the customer: the first rule of the policy that matches the report's priority, severity,
customer segment and ticket type sets its targets, its calendar, when the clock pauses,
its jeopardy thresholds and its escalation ladder. The clock runs in business time of
that calendar from the start of a cycle (the report's creation, or a reopen) until the
report is resolved or cancelled; waiting on the customer (``pending``) always stops it.

The clock stores the rule's name, not the rule, so that the report state stays plain
data; every function takes the rule the clock was started with (``SlaPolicy.rule_named``).
The ladder (``EscalationLadder``) is policy data and lives here; Escalate/End is
``escalation.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from problem_tracker.domain.calendar import ZERO, Calendar


class EscalationKind(StrEnum):
    FUNCTIONAL = "functional"
    HIERARCHICAL = "hierarchical"


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationLevel:
    """One rung of the ladder: whom to call, and how long after this rung the next fires
    (on the top rung: how often it is called again; ``None``: never)."""

    level: int
    kind: EscalationKind
    target: str
    repeat_after: timedelta | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationLadder:
    """What happens after a breach, in SLA business time past the resolution target: rung
    1 at the breach, each further rung ``repeat_after`` the previous one. A rejected or
    cancelled delegated report escalates functionally to ``delegation_failure_target``."""

    levels: tuple[EscalationLevel, ...]
    delegation_failure_target: str

    def __post_init__(self) -> None:
        if [level.level for level in self.levels] != list(range(1, len(self.levels) + 1)):
            raise ValueError("escalation levels must be numbered 1, 2, ... in order")

    def level_of(self, step: int) -> EscalationLevel:
        """The rung called at ladder step ``step`` (1-based); steps past the top repeat it."""
        return self.levels[min(step, len(self.levels)) - 1]

    def offset(self, step: int) -> timedelta | None:
        """SLA time after the breach at which ladder step ``step`` fires; ``None``: never."""
        top = len(self.levels)
        if not top:
            return None
        at = ZERO
        for level in self.levels[: min(step, top) - 1]:
            if level.repeat_after is None:
                return None
            at += level.repeat_after
        if step <= top:
            return at
        repeat = self.levels[-1].repeat_after
        return None if repeat is None else at + repeat * (step - top)

    def steps_due(self, overdue: timedelta) -> int:
        """How many ladder steps have fired when the clock is ``overdue`` past its target."""
        if overdue < ZERO or not self.levels:
            return 0
        at = ZERO
        for step, level in enumerate(self.levels[:-1], start=1):
            if level.repeat_after is None or at + level.repeat_after > overdue:
                return step
            at += level.repeat_after
        top, repeat = len(self.levels), self.levels[-1].repeat_after
        return top if repeat is None else top + (overdue - at) // repeat


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaTargets:
    """Resolve within ``resolution``; never leave the customer without a visible update
    for longer than ``customer_update`` (if set). Both are business time."""

    resolution: timedelta
    customer_update: timedelta | None = None

    def __post_init__(self) -> None:
        if self.resolution <= ZERO:
            raise ValueError("the resolution target must be positive")
        if self.customer_update is not None and self.customer_update <= ZERO:
            raise ValueError("the customer update interval must be positive")


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleMatch:
    """Which reports a rule applies to; an empty set accepts any value."""

    priorities: frozenset[int] = frozenset()
    severities: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    ticket_types: frozenset[str] = frozenset()

    @property
    def matches_everything(self) -> bool:
        return not (self.priorities or self.severities or self.segments or self.ticket_types)

    def matches(
        self, priority: int, severity: str, segment: str | None, ticket_type: str | None
    ) -> bool:
        return (
            _accepts(self.priorities, priority)
            and _accepts(self.severities, severity)
            and _accepts(self.segments, segment)
            and _accepts(self.ticket_types, ticket_type)
        )


def _accepts(allowed: frozenset[int] | frozenset[str], value: int | str | None) -> bool:
    return not allowed or value in allowed


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaRule:
    """The service level of the reports a rule matches. ``thresholds`` are percentages of
    the resolution target, ascending, each in (0, 100); at 100 % the report breaches."""

    name: str
    match: RuleMatch
    targets: SlaTargets
    calendar: Calendar
    ladder: EscalationLadder
    thresholds: tuple[int, ...] = (50, 75)
    pause_on_held: bool = True

    def __post_init__(self) -> None:
        if any(not 0 < t < 100 for t in self.thresholds):
            raise ValueError("jeopardy thresholds must lie strictly between 0 and 100 %")
        if list(self.thresholds) != sorted(set(self.thresholds)):
            raise ValueError("jeopardy thresholds must be ascending and distinct")

    def threshold_point(self, percent: int) -> timedelta:
        """SLA time at which ``percent`` of the resolution target is used up."""
        return self.targets.resolution * percent / 100


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerOla:
    """Operational level agreement with a supplier/partner for the problem reports we
    raise with it: resolve within ``resolution`` on ``calendar``, else escalate to
    ``escalate_to`` (the partner manager). ``partner`` is ``None`` for the default OLA."""

    partner: str | None
    resolution: timedelta
    calendar: Calendar
    escalate_to: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaPolicy:
    """Ordered rules (first match wins; the last one matches everything) and the partner
    OLAs (``default_ola`` for partners without their own)."""

    rules: tuple[SlaRule, ...]
    default_ola: PartnerOla
    partner_olas: tuple[PartnerOla, ...] = ()

    def __post_init__(self) -> None:
        if not self.rules or not self.rules[-1].match.matches_everything:
            raise ValueError("the last SLA rule must match every report (a default rule)")
        names = [rule.name for rule in self.rules]
        if len(names) != len(set(names)):
            raise ValueError(f"SLA rule names must be unique: {names}")

    def rule_named(self, name: str) -> SlaRule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(f"no SLA rule named {name!r}")

    def ola_for(self, partner: str) -> PartnerOla:
        for ola in self.partner_olas:
            if ola.partner == partner:
                return ola
        return self.default_ola


def match_rule(
    policy: SlaPolicy, priority: int, severity: str, segment: str | None, ticket_type: str | None
) -> SlaRule:
    """The first rule of the policy that applies to a report with these attributes."""
    return next(
        r for r in policy.rules if r.match.matches(priority, severity, segment, ticket_type)
    )


class PauseReason(StrEnum):
    """Why the clock stands still: waiting on the customer, or an operator hold."""

    PENDING = "pending"
    HELD = "held"


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaClock:
    """The SLA state of one cycle of a report (a reopen starts a new cycle).

    ``consumed`` is the business time of the finished runs (``runs``, kept so that a rule
    change can re-measure them); the current run began at ``running_since`` (``None`` when
    paused or stopped). The remaining fields record what this cycle has already signalled.
    """

    rule_name: str
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

    @property
    def running(self) -> bool:
        return self.running_since is not None


def start_clock(rule: SlaRule, now: datetime, cycle: int = 1) -> SlaClock:
    """Start: a new report (or a reopened one, ``cycle`` > 1) starts its SLA clock."""
    return SlaClock(
        rule_name=rule.name,
        cycle=cycle,
        cycle_start=now,
        last_customer_update=now,
        running_since=now,
    )


def restart(clock: SlaClock, rule: SlaRule, now: datetime) -> SlaClock:
    """The customer rejected the resolution: a new cycle with fresh targets and ladder."""
    return start_clock(rule, now, cycle=clock.cycle + 1)


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
    is re-measured on the new calendar. What was signalled stays signalled; call
    ``jeopardy.evaluate`` next to signal what the new targets make due at once."""
    clock = replace(
        clock,
        rule_name=new_rule.name,
        consumed=sum((new_rule.calendar.elapsed(*run) for run in clock.runs), ZERO),
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
