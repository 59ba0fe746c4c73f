"""The SLA policy a report is measured against when the operator configured none: the
domain's copy of ``policy/builtin-policy.yaml`` (around-the-clock targets by priority), so
that a decision never needs the policy file (a test keeps the two identical)."""

from __future__ import annotations

from datetime import timedelta

from problem_tracker.domain.sla.calendar import AlwaysOpen
from problem_tracker.domain.sla.policy import (
    EscalationKind,
    EscalationLadder,
    EscalationLevel,
    PartnerOla,
    RuleMatch,
    SlaPolicy,
    SlaRule,
    SlaTargets,
)

_HOUR = timedelta(hours=1)
_ALWAYS = AlwaysOpen(name="24x7")
_STANDARD = EscalationLadder(
    levels=(
        EscalationLevel(
            level=1,
            kind=EscalationKind.FUNCTIONAL,
            target="second-line-support",
            repeat_after=_HOUR,
        ),
        EscalationLevel(
            level=2, kind=EscalationKind.HIERARCHICAL, target="duty-manager", repeat_after=2 * _HOUR
        ),
        EscalationLevel(
            level=3,
            kind=EscalationKind.HIERARCHICAL,
            target="head-of-operations",
            repeat_after=8 * _HOUR,
        ),
    ),
    delegation_failure_target="service-desk-lead",
)


def _rule(
    name: str,
    priority: int | None,
    resolution: timedelta,
    customer_update: timedelta,
    *,
    pause_on_held: bool = True,
    thresholds: tuple[int, ...] = (50, 75),
) -> SlaRule:
    match = RuleMatch() if priority is None else RuleMatch(priorities=frozenset({priority}))
    return SlaRule(
        name=name,
        match=match,
        targets=SlaTargets(resolution=resolution, customer_update=customer_update),
        calendar=_ALWAYS,
        ladder=_STANDARD,
        thresholds=thresholds,
        pause_on_held=pause_on_held,
    )


BUILTIN_SLA_POLICY = SlaPolicy(
    rules=(
        _rule(
            "priority-1",
            1,
            4 * _HOUR,
            timedelta(minutes=30),
            pause_on_held=False,
            thresholds=(50, 75, 90),
        ),
        _rule("priority-2", 2, 8 * _HOUR, _HOUR),
        _rule("priority-3", 3, 24 * _HOUR, 4 * _HOUR),
        _rule("default", None, timedelta(days=3), timedelta(days=1)),
    ),
    default_ola=PartnerOla(
        partner=None, resolution=8 * _HOUR, calendar=_ALWAYS, escalate_to="partner-manager"
    ),
)
"""Without a policy file: priority 1 in 4 h (updates every 30 min, the clock runs on hold),
priority 2 in 8 h, priority 3 in 24 h, anything else in 3 days; partners get 8 h."""
