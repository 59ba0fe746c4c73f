"""Partner OLAs (eTOM 1.3.7.3 Coordinate Customer Problem, towards S/P Problem Reporting &
Management): every problem report raised with a partner starts a leg on the partner's
operational level agreement. A partner past its OLA is escalated functionally to its
manager, and puts the customer's report in jeopardy; then along the OLA's partner ladder,
whose calls are fixed (on the OLA calendar) when the leg starts or resumes. While the
partner is ``pending`` on us (waiting for something only we can give) its OLA clock
stands still: the time left when it paused is granted again, on the OLA's calendar, when
it goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from problem_tracker.domain.sla.clock import SlaClock
from problem_tracker.domain.sla.jeopardy import JeopardyCause, JeopardySignal, raise_jeopardy
from problem_tracker.domain.sla.ladder import EscalationReason, EscalationSignal, functional
from problem_tracker.domain.sla.policy import PartnerOla, SlaPolicy, SlaRule


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerCall:
    """A further call on a partner past its OLA: ``target``, at ``at``."""

    target: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerLeg:
    """The OLA clock of one problem report raised with a partner: due at ``due_at``;
    ``overdue`` once that was escalated, then ``calls`` still to make along the partner
    ladder; ``paused_since`` while the partner is pending."""

    request_id: str
    partner: str
    started_at: datetime
    due_at: datetime
    escalate_to: str
    overdue: bool = False
    paused_since: datetime | None = None
    calls: tuple[PartnerCall, ...] = ()

    @property
    def next_call(self) -> datetime | None:
        """When the leg next has someone to call: its due time, then the ladder's calls;
        ``None`` while paused or once the ladder is done."""
        if self.paused_since is not None:
            return None
        if not self.overdue:
            return self.due_at
        return self.calls[0].at if self.calls else None


def _calls(ola: PartnerOla, due_at: datetime) -> tuple[PartnerCall, ...]:
    calls, at = [], due_at
    for target, after in ola.further_calls():
        at = ola.calendar.add(at, after)
        calls.append(PartnerCall(target=target, at=at))
    return tuple(calls)


def start_partner_leg(
    policy: SlaPolicy, partner: str, request_id: str, now: datetime
) -> PartnerLeg:
    """A problem report was raised with ``partner``: its OLA starts."""
    ola = policy.ola_for(partner)
    due_at = ola.calendar.add(now, ola.resolution)
    return PartnerLeg(
        request_id=request_id,
        partner=partner,
        started_at=now,
        due_at=due_at,
        escalate_to=ola.escalate_to,
        calls=_calls(ola, due_at),
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
    ola = policy.ola_for(leg.partner)
    left = (
        ola.calendar.elapsed(leg.paused_since, leg.due_at)
        if leg.due_at > leg.paused_since
        else timedelta(0)
    )
    due_at = ola.calendar.add(now, left)
    return replace(leg, paused_since=None, due_at=due_at, calls=_calls(ola, due_at))


def partner_leg_overdue(
    leg: PartnerLeg, clock: SlaClock, rule: SlaRule, now: datetime
) -> tuple[PartnerLeg, SlaClock, list[JeopardySignal | EscalationSignal]]:
    """The partner missed its OLA: escalate functionally to the partner manager, and the
    customer report is in jeopardy; then each call of the partner ladder that has come.
    An early tick, or one while the partner is pending, signals nothing."""
    call_at = leg.next_call
    if call_at is None or now < call_at:
        return leg, clock, []
    signals: list[JeopardySignal | EscalationSignal] = []
    if not leg.overdue:
        clock, first = functional(
            clock, leg.escalate_to, EscalationReason.PARTNER_OLA_OVERDUE, leg.request_id
        )
        clock, warning = raise_jeopardy(clock, rule, now, JeopardyCause.PARTNER_OLA_OVERDUE)
        signals = [first] if warning is None else [warning, first]
        leg = replace(leg, overdue=True)
    due = [call for call in leg.calls if call.at <= now]
    for call in due:
        clock, further = functional(
            clock, call.target, EscalationReason.PARTNER_OLA_OVERDUE, leg.request_id
        )
        signals.append(further)
    return replace(leg, calls=leg.calls[len(due) :]), clock, signals
