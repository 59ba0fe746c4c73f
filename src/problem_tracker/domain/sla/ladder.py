"""Escalate/End Customer Problem (eTOM 1.3.7.3): who is called when a report breaches its
SLA, when delegated work fails or a partner overruns its OLA, and the end of it all.

After a breach the report climbs its rule's ladder, one rung per repeat interval of SLA
time (the ladder pauses with the clock). A rejected or cancelled delegated report, and
a partner leg past its OLA, escalate functionally at once without climbing the ladder;
their events carry the rung the report is on (at least 1). When the report is resolved, cancelled or
closed, an escalation that was under way ends. ``tick`` and ``next_deadline`` are what
the report's decider calls; the signals are facts it turns into its own events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from problem_tracker.domain.sla import jeopardy
from problem_tracker.domain.sla.clock import SlaClock, elapsed, instant_at
from problem_tracker.domain.sla.jeopardy import JeopardyCause, JeopardySignal, raise_jeopardy
from problem_tracker.domain.sla.policy import EscalationKind, EscalationLevel, SlaPolicy, SlaRule

__all__ = [
    "Escalated",
    "EscalationEnded",
    "EscalationReason",
    "PartnerLeg",
    "Signal",
    "TickResult",
    "end_escalation",
    "escalate_delegation_failure",
    "escalate_on_breach",
    "next_deadline",
    "next_level_at",
    "partner_leg_overdue",
    "start_partner_leg",
    "tick",
]


class EscalationReason(StrEnum):
    SLA_BREACHED = "sla-breached"
    DELEGATION_REJECTED = "delegated-report-rejected"
    DELEGATION_CANCELLED = "delegated-report-cancelled"
    PARTNER_OLA_OVERDUE = "partner-ola-overdue"
    CUSTOMER_UPDATE_OVERDUE = "customer-update-overdue"


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalated:
    """``target`` was called (``kind`` of escalation) for ``reason``, at ladder ``level``."""

    level: int
    kind: EscalationKind
    target: str
    reason: EscalationReason


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationEnded:
    """The report is no longer in jeopardy: ``reason`` is how it ended (resolved, ...)."""

    level: int
    reason: str


Signal = JeopardySignal | Escalated | EscalationEnded


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerLeg:
    """The OLA clock of one problem report raised with a partner (S/P Problem Reporting &
    Management): due at ``due_at``; ``overdue`` once that was escalated."""

    request_id: str
    partner: str
    started_at: datetime
    due_at: datetime
    escalate_to: str
    overdue: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TickResult:
    """What a tick changed (the clock, the partner legs given) and what it signals."""

    clock: SlaClock
    legs: tuple[PartnerLeg, ...]
    signals: list[Signal]


def escalate_on_breach(
    clock: SlaClock, rule: SlaRule, now: datetime
) -> tuple[SlaClock, list[Escalated]]:
    """After the breach was signalled, climb the ladder to the rung due ``now``: every
    rung skipped by a late tick is called, a top rung that repeats is called once however
    many repeats were missed."""
    if clock.running_since is None or not clock.breached:
        return clock, []
    ladder = rule.ladder
    due = ladder.steps_due(elapsed(clock, rule, now) - rule.targets.resolution)
    if due <= clock.ladder_steps:
        return clock, []
    top = len(ladder.levels)
    steps = list(range(clock.ladder_steps + 1, min(due, top) + 1))
    if clock.ladder_steps >= top:
        steps.append(due)
    signals = [_call(ladder.level_of(step), EscalationReason.SLA_BREACHED) for step in steps]
    level = max(clock.escalation_level, ladder.level_of(due).level)
    return replace(clock, ladder_steps=due, escalation_level=level, escalated=True), signals


def next_level_at(clock: SlaClock, rule: SlaRule) -> datetime | None:
    """When the next ladder step fires (the first one at the breach); ``None`` if the
    ladder has no further step or the clock stands still."""
    offset = rule.ladder.offset(clock.ladder_steps + 1)
    if offset is None:
        return None
    return instant_at(clock, rule, rule.targets.resolution + offset)


def escalate_delegation_failure(
    clock: SlaClock, rule: SlaRule, reason: EscalationReason
) -> tuple[SlaClock, Escalated]:
    """A delegated report was rejected or cancelled: escalate functionally at once."""
    signal = Escalated(
        level=_functional_level(clock),
        kind=EscalationKind.FUNCTIONAL,
        target=rule.ladder.delegation_failure_target,
        reason=reason,
    )
    return replace(clock, escalated=True), signal


def start_partner_leg(
    policy: SlaPolicy, partner: str, request_id: str, now: datetime
) -> PartnerLeg:
    """A problem report was raised with ``partner``: its OLA starts."""
    ola = policy.ola_for(partner)
    return PartnerLeg(
        request_id=request_id,
        partner=partner,
        started_at=now,
        due_at=ola.calendar.add(now, ola.resolution),
        escalate_to=ola.escalate_to,
    )


def partner_leg_overdue(
    leg: PartnerLeg, clock: SlaClock, rule: SlaRule, now: datetime
) -> tuple[PartnerLeg, SlaClock, list[Signal]]:
    """The partner missed its OLA: escalate functionally to the partner manager, and the
    customer report is in jeopardy. Once per leg; an early tick signals nothing."""
    if leg.overdue or now < leg.due_at:
        return leg, clock, []
    escalation = Escalated(
        level=_functional_level(clock),
        kind=EscalationKind.FUNCTIONAL,
        target=leg.escalate_to,
        reason=EscalationReason.PARTNER_OLA_OVERDUE,
    )
    clock, warning = raise_jeopardy(clock, rule, now, JeopardyCause.PARTNER_OLA_OVERDUE)
    signals: list[Signal] = [escalation] if warning is None else [warning, escalation]
    return replace(leg, overdue=True), replace(clock, escalated=True), signals


def end_escalation(clock: SlaClock, reason: str) -> tuple[SlaClock, EscalationEnded | None]:
    """End: the report was resolved, cancelled or closed. Only a report that was in
    jeopardy or escalated has an escalation to end, and it ends once."""
    involved = (
        clock.thresholds_fired or clock.breached or clock.external_jeopardy or clock.escalated
    )
    if clock.escalation_ended or not involved:
        return clock, None
    signal = EscalationEnded(level=clock.escalation_level, reason=reason)
    return replace(clock, escalation_ended=True), signal


def tick(
    clock: SlaClock, rule: SlaRule, now: datetime, legs: Iterable[PartnerLeg] = ()
) -> TickResult:
    """A due deadline arrived: jeopardy, breach, overdue update, ladder and partner legs."""
    clock, signals = jeopardy.evaluate(clock, rule, now)
    clock, calls = escalate_on_breach(clock, rule, now)
    result: list[Signal] = [*signals, *calls]
    checked = []
    for leg in legs:
        updated, clock, leg_signals = partner_leg_overdue(leg, clock, rule, now)
        checked.append(updated)
        result.extend(leg_signals)
    return TickResult(clock=clock, legs=tuple(checked), signals=result)


def next_deadline(
    clock: SlaClock, rule: SlaRule, legs: Iterable[PartnerLeg] = ()
) -> datetime | None:
    """When the report next needs a ``Tick``: its own SLA or a partner leg's OLA."""
    own = jeopardy.next_deadline(clock, rule)
    legs_due = [leg.due_at for leg in legs if not leg.overdue]
    return min([*legs_due, own] if own is not None else legs_due, default=None)


def _call(level: EscalationLevel, reason: EscalationReason) -> Escalated:
    return Escalated(level=level.level, kind=level.kind, target=level.target, reason=reason)


def _functional_level(clock: SlaClock) -> int:
    """A functional escalation does not climb the ladder: it carries the rung reached."""
    return max(clock.escalation_level, 1)
