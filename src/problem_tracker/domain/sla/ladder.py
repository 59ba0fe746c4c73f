"""Escalate/End Customer Problem (eTOM 1.3.7.3): who is called when a report breaches its
SLA, when the customer has waited too long for an update, when delegated work fails, and
the end of it all.

After a breach the report climbs its rule's escalation ladder, one rung per repeat
interval of SLA time (the ladder pauses with the clock). An overdue customer update, a
rejected or cancelled delegated report, and a partner past its OLA (``partner_legs``)
escalate functionally at once without climbing the ladder: such a call carries the rung
the report is on (at least 1), and the report counts as escalated at least that high.
When the report is resolved, cancelled or closed, an escalation that was under way ends.

An acknowledgement (the called party has it) holds a breach ladder for the rule's
``acknowledge_for`` of SLA time: the next rung fires at the end of the hold if the report
is still breached, and the ladder climbs on from there at its usual intervals. The hold
shifts the ladder (``SlaClock.ladder_delay``) and never brings a rung forward.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from problem_tracker.domain.sla.calendar import ZERO
from problem_tracker.domain.sla.clock import SlaClock, customer_update_due, elapsed
from problem_tracker.domain.sla.policy import EscalationKind, SlaRule


class EscalationReason(StrEnum):
    SLA_BREACHED = "sla-breached"
    DELEGATION_REJECTED = "delegated-report-rejected"
    DELEGATION_CANCELLED = "delegated-report-cancelled"
    PARTNER_OLA_OVERDUE = "partner-ola-overdue"
    CUSTOMER_UPDATE_OVERDUE = "customer-update-overdue"


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationSignal:
    """``target`` is called (``kind`` of escalation) for ``reason``, at ladder ``level``.
    ``ladder_step`` is the step of the breach ladder a ladder call reached;
    ``request_id`` names the delegated work a failure or an overdue partner is about."""

    level: int
    kind: EscalationKind
    target: str
    reason: EscalationReason
    ladder_step: int | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegationFailure:
    """The other side rejected or cancelled the delegated work ``request_id``."""

    request_id: str
    reason: EscalationReason


def escalate_on_breach(
    clock: SlaClock, rule: SlaRule, now: datetime
) -> tuple[SlaClock, list[EscalationSignal]]:
    """After the breach was signalled, climb the ladder to the step due ``now``: every
    rung skipped by a late tick is called, a top rung that repeats is called once however
    many repeats were missed, and the last call carries the step the ladder reached."""
    if clock.running_since is None or not clock.breached:
        return clock, []
    ladder = rule.ladder
    overdue = elapsed(clock, rule, now) - rule.targets.resolution - clock.ladder_delay
    due = ladder.steps_due(overdue)
    if due <= clock.ladder_steps:
        return clock, []
    steps = [*range(clock.ladder_steps + 1, min(due, len(ladder.levels))), due]
    calls = [
        EscalationSignal(
            level=rung.level,
            kind=rung.kind,
            target=rung.target,
            reason=EscalationReason.SLA_BREACHED,
            ladder_step=step,
        )
        for step, rung in ((step, ladder.level_of(step)) for step in steps)
    ]
    level = max(clock.escalation_level, ladder.level_of(due).level)
    return replace(clock, ladder_steps=due, escalation_level=level, escalated=True), calls


def escalate_overdue_update(
    clock: SlaClock, rule: SlaRule, now: datetime
) -> tuple[SlaClock, list[EscalationSignal]]:
    """The customer has seen no update for longer than the rule's interval: escalate
    functionally to the rule's ``delegation_failure_target`` (the service desk), once
    until the customer next hears from us. An early tick signals nothing."""
    due = None if clock.update_overdue else customer_update_due(clock, rule)
    if due is None or now < due:
        return clock, []
    clock, call = functional(
        replace(clock, update_overdue=True),
        rule.ladder.delegation_failure_target,
        EscalationReason.CUSTOMER_UPDATE_OVERDUE,
    )
    return clock, [call]


def escalate_delegation_failure(
    clock: SlaClock, rule: SlaRule, failure: DelegationFailure
) -> tuple[SlaClock, EscalationSignal]:
    """A delegated report was rejected or cancelled: escalate functionally at once."""
    return functional(
        clock, rule.ladder.delegation_failure_target, failure.reason, failure.request_id
    )


def functional(
    clock: SlaClock, target: str, reason: EscalationReason, request_id: str | None = None
) -> tuple[SlaClock, EscalationSignal]:
    """Call ``target`` without climbing the ladder, at the rung the report is on (at
    least 1); the report is escalated at least that high."""
    level = max(clock.escalation_level, 1)
    signal = EscalationSignal(
        level=level,
        kind=EscalationKind.FUNCTIONAL,
        target=target,
        reason=reason,
        request_id=request_id,
    )
    return replace(clock, escalated=True, escalation_level=level), signal


def end_escalation(clock: SlaClock) -> SlaClock | None:
    """End: the report was resolved, cancelled or closed. Only a report that was in
    jeopardy or escalated has an escalation to end, and it ends once: the clock that
    records it, or ``None`` when there is nothing to end."""
    involved = (
        clock.thresholds_fired or clock.breached or clock.external_jeopardy or clock.escalated
    )
    if clock.escalation_ended or not involved:
        return None
    return replace(clock, escalation_ended=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Acknowledgement:
    """The escalation at ``level`` was acknowledged; the ladder is held until ``until``
    (the end of the hold, were the clock to run on without a pause)."""

    clock: SlaClock
    level: int
    until: datetime


class NotAcknowledgeableError(ValueError):
    """There is no escalation to acknowledge, or not at that level."""


def acknowledge(
    clock: SlaClock, rule: SlaRule, now: datetime, level: int | None = None
) -> Acknowledgement:
    """The called party has the escalation at ``level`` (the current one if ``None``):
    a breach ladder stops climbing for the rule's ``acknowledge_for``. Raises
    ``NotAcknowledgeableError`` when no escalation is under way or ``level`` is above it."""
    if clock.stopped_at is not None or not clock.escalated or clock.escalation_ended:
        raise NotAcknowledgeableError("no escalation is under way")
    current = clock.escalation_level
    if level is not None and level > current:
        raise NotAcknowledgeableError(
            f"level {level} is above the current escalation level {current}"
        )
    hold = rule.acknowledge_for or ZERO
    acknowledged = Acknowledgement(
        clock=clock, level=current if level is None else level, until=rule.calendar.add(now, hold)
    )
    next_offset = rule.ladder.offset(clock.ladder_steps + 1)
    if not clock.breached or next_offset is None:
        return acknowledged
    held_until = elapsed(clock, rule, now) + hold
    delay = held_until - rule.targets.resolution - next_offset
    if delay <= clock.ladder_delay:
        return acknowledged
    return replace(acknowledged, clock=replace(clock, ladder_delay=delay))
