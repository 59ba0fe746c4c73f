"""A partner's OLA clock stands still while the partner is ``pending`` on us, and grants
the time it had left, on the OLA's calendar, when it goes on."""

from __future__ import annotations

from dataclasses import replace

from sla_builders import BERLIN, H, M, local, next_tick, office, policy, rule, ticked, track_of

from problem_tracker.domain.sla.clock import start_clock
from problem_tracker.domain.sla.partner_legs import (
    follow_partner_status,
    partner_leg_overdue,
    start_partner_leg,
)
from problem_tracker.domain.sla.policy import PartnerOla

SLOW = rule("slow", 40 * H, thresholds=())
FIBRECO = PartnerOla(
    partner="fibreco", resolution=2 * H, calendar=office(), escalate_to="fibreco-account-manager"
)
PARTNERS = policy(SLOW, olas=(FIBRECO,))
T0 = local(BERLIN, 2026, 11, 23, 9)


def test_pending_pauses_the_leg_and_going_on_grants_the_time_it_had_left() -> None:
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-1", T0)
    assert leg.due_at == T0 + 8 * H

    paused = follow_partner_status(leg, True, PARTNERS, T0 + 2 * H)
    assert (paused.paused_since, paused.next_call) == (T0 + 2 * H, None)
    assert follow_partner_status(paused, True, PARTNERS, T0 + 3 * H) == paused

    resumed = follow_partner_status(paused, False, PARTNERS, T0 + 5 * H)
    assert (resumed.paused_since, resumed.due_at, resumed.next_call) == (
        None,
        T0 + 11 * H,
        T0 + 11 * H,
    )


def test_the_time_left_is_counted_on_the_partners_calendar() -> None:
    friday_late = local(BERLIN, 2026, 11, 27, 16, 30)
    leg = start_partner_leg(PARTNERS, "fibreco", "req-1", friday_late)
    assert leg.due_at == local(BERLIN, 2026, 11, 30, 8, 30)
    paused = follow_partner_status(leg, True, PARTNERS, friday_late)
    resumed = follow_partner_status(paused, False, PARTNERS, local(BERLIN, 2026, 11, 30, 14))
    assert resumed.due_at == local(BERLIN, 2026, 11, 30, 16)


def test_a_leg_paused_after_its_due_time_is_due_as_soon_as_it_goes_on() -> None:
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-1", T0)
    paused = follow_partner_status(leg, True, PARTNERS, leg.due_at + H)
    resumed = follow_partner_status(paused, False, PARTNERS, leg.due_at + 3 * H)
    assert resumed.due_at == leg.due_at + 3 * H


def test_news_other_than_pending_leaves_a_running_leg_and_an_overdue_one_as_they_are() -> None:
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-1", T0)
    assert follow_partner_status(leg, False, PARTNERS, T0 + H) == leg
    overdue = replace(leg, overdue=True)
    assert follow_partner_status(overdue, True, PARTNERS, T0 + 9 * H) == overdue


def test_a_paused_leg_neither_falls_due_nor_asks_for_a_tick() -> None:
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-1", T0)
    paused = follow_partner_status(leg, True, PARTNERS, T0 + H)
    clock = start_clock(T0)
    assert partner_leg_overdue(paused, clock, SLOW, leg.due_at + M) == (paused, clock, [])
    assert next_tick(clock, SLOW, legs=(paused,)) == next_tick(clock, SLOW)
    track = track_of(clock, SLOW, legs=(paused,))
    assert ticked(track, SLOW, leg.due_at + M)[1] == []
