"""A partner past its OLA is called again along the partner ladder: each rung after the
previous call on the OLA's calendar, the last one repeated a bounded number of times."""

from __future__ import annotations

import pytest
from sla_builders import BERLIN, H, M, local, next_tick, office, policy, rule, ticked, track_of

from problem_tracker.domain.sla.clock import start_clock
from problem_tracker.domain.sla.jeopardy import JeopardySignal
from problem_tracker.domain.sla.ladder import EscalationSignal
from problem_tracker.domain.sla.partner_legs import (
    PartnerCall,
    follow_partner_status,
    partner_leg_overdue,
    start_partner_leg,
)
from problem_tracker.domain.sla.policy import PartnerOla, PartnerRung

SLOW = rule("slow", 100 * H, thresholds=())
T0 = local(BERLIN, 2026, 11, 23, 9)
LADDER = (
    PartnerRung(target="supplier-director", after=2 * H),
    PartnerRung(target="vendor-executive", after=4 * H, repeat_after=H, max_repeats=2),
)
CLOUDHOST = PartnerOla(
    partner="cloudhost",
    resolution=8 * H,
    calendar=office(),
    escalate_to="partner-manager",
    ladder=LADDER,
)
PARTNERS = policy(SLOW, olas=(CLOUDHOST,))


def test_a_leg_knows_its_further_calls_on_the_ola_calendar() -> None:
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-1", T0)
    assert leg.due_at == T0 + 8 * H
    assert leg.calls == (
        PartnerCall(target="supplier-director", at=local(BERLIN, 2026, 11, 24, 9)),
        PartnerCall(target="vendor-executive", at=local(BERLIN, 2026, 11, 24, 13)),
        PartnerCall(target="vendor-executive", at=local(BERLIN, 2026, 11, 24, 14)),
        PartnerCall(target="vendor-executive", at=local(BERLIN, 2026, 11, 24, 15)),
    )


def test_the_ladder_is_climbed_call_by_call_and_stops_when_done() -> None:
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-1", T0)
    track = track_of(start_clock(T0), SLOW, legs=(leg,))
    targets = []
    for moment in (leg.due_at, *(call.at for call in leg.calls)):
        assert track.next_tick == moment
        track, signals = ticked(track, SLOW, moment)
        targets += [s.target for s in signals if isinstance(s, EscalationSignal)]
    assert targets == [
        "partner-manager",
        "supplier-director",
        "vendor-executive",
        "vendor-executive",
        "vendor-executive",
    ]
    assert track.partner_legs[0].next_call is None
    assert ticked(track, SLOW, leg.calls[-1].at + 10 * H)[1] == []


def test_a_late_tick_makes_every_call_that_has_come_at_once() -> None:
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-1", T0)
    clock = start_clock(T0)
    late = local(BERLIN, 2026, 11, 24, 13, 30)
    leg, clock, signals = partner_leg_overdue(leg, clock, SLOW, late)
    assert [type(s) for s in signals] == [JeopardySignal, EscalationSignal, *[EscalationSignal] * 2]
    assert [c.target for c in leg.calls] == ["vendor-executive"] * 2
    assert partner_leg_overdue(leg, clock, SLOW, late + M) == (leg, clock, [])
    assert next_tick(clock, SLOW, legs=(leg,)) == local(BERLIN, 2026, 11, 24, 14)


def test_a_resumed_leg_moves_its_calls_with_its_due_time() -> None:
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-1", T0)
    paused = follow_partner_status(leg, True, PARTNERS, T0 + H)
    resumed = follow_partner_status(paused, False, PARTNERS, T0 + 3 * H)
    assert resumed.due_at == local(BERLIN, 2026, 11, 24, 9)
    assert resumed.calls[0] == PartnerCall(
        target="supplier-director", at=local(BERLIN, 2026, 11, 24, 11)
    )


@pytest.mark.parametrize(
    "rung",
    [
        {"target": "x", "after": -H},
        {"target": "x", "after": H, "repeat_after": 0 * H, "max_repeats": 1},
        {"target": "x", "after": H, "repeat_after": H},
        {"target": "x", "after": H, "max_repeats": 2},
        {"target": "x", "after": H, "repeat_after": H, "max_repeats": -1},
    ],
    ids=["negative", "zero repeat", "unbounded", "repeats without interval", "negative bound"],
)
def test_a_partner_rung_that_is_not_positive_and_bounded_is_refused(rung: dict) -> None:
    with pytest.raises(ValueError, match="partner"):
        PartnerRung(**rung)


def test_only_the_last_rung_may_repeat() -> None:
    repeating = PartnerRung(target="x", after=H, repeat_after=H, max_repeats=1)
    with pytest.raises(ValueError, match="last rung"):
        PartnerOla(
            partner=None,
            resolution=H,
            calendar=office(),
            escalate_to="pm",
            ladder=(repeating, PartnerRung(target="y", after=H)),
        )
