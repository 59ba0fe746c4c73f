"""Partner OLAs (eTOM 1.3.7.3 Coordinate Customer Problem, towards S/P Problem Reporting &
Management): every problem report raised with a partner starts a leg on the partner's
operational level agreement. A partner past its OLA is escalated functionally to its
manager, and puts the customer's report in jeopardy. While the partner is ``pending`` on
us (waiting for something only we can give) its OLA clock stands still: the time left
when it paused is granted again, on the OLA's calendar, when it goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from problem_tracker.domain.sla.clock import SlaClock
from problem_tracker.domain.sla.jeopardy import JeopardyCause, JeopardySignal, raise_jeopardy
from problem_tracker.domain.sla.ladder import EscalationReason, EscalationSignal, functional
from problem_tracker.domain.sla.policy import SlaPolicy, SlaRule


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerLeg:
    """The OLA clock of one problem report raised with a partner: due at ``due_at``;
    ``overdue`` once that was escalated; ``paused_since`` while the partner is pending."""

    request_id: str
    partner: str
    started_at: datetime
    due_at: datetime
    escalate_to: str
    overdue: bool = False
    paused_since: datetime | None = None

    @property
    def running(self) -> bool:
        """The leg can still fall due: not escalated yet, not paused."""
        return not self.overdue and self.paused_since is None


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


def follow_partner_status(
    leg: PartnerLeg, pending: bool, policy: SlaPolicy, now: datetime
) -> PartnerLeg:
    """The partner said where its report stands: ``pending`` on us pauses the leg, any
    other status resumes it with the time it had left (a leg past its OLA stays so)."""
    if leg.overdue:
        return leg
    if pending:
        return leg if leg.paused_since is not None else replace(leg, paused_since=now)
    if leg.paused_since is None:
        return leg
    calendar = policy.ola_for(leg.partner).calendar
    left = (
        calendar.elapsed(leg.paused_since, leg.due_at)
        if leg.due_at > leg.paused_since
        else timedelta(0)
    )
    return replace(leg, paused_since=None, due_at=calendar.add(now, left))


def partner_leg_overdue(
    leg: PartnerLeg, clock: SlaClock, rule: SlaRule, now: datetime
) -> tuple[PartnerLeg, SlaClock, list[JeopardySignal | EscalationSignal]]:
    """The partner missed its OLA: escalate functionally to the partner manager, and the
    customer report is in jeopardy. Once per leg; an early tick, or one while the partner
    is pending, signals nothing."""
    if not leg.running or now < leg.due_at:
        return leg, clock, []
    clock, call = functional(
        clock, leg.escalate_to, EscalationReason.PARTNER_OLA_OVERDUE, leg.request_id
    )
    clock, warning = raise_jeopardy(clock, rule, now, JeopardyCause.PARTNER_OLA_OVERDUE)
    signals: list[JeopardySignal | EscalationSignal] = (
        [call] if warning is None else [warning, call]
    )
    return replace(leg, overdue=True), clock, signals
