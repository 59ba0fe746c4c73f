"""Escalate/End: the ladder after a breach, failed delegations, partner OLAs, the end."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sla_builders import (
    BERLIN,
    H,
    M,
    ladder,
    local,
    next_tick,
    office,
    policy,
    rule,
    ticked,
    track_of,
    utc,
)

from problem_tracker.domain.sla.clock import PauseReason, pause, start_clock
from problem_tracker.domain.sla.jeopardy import (
    JeopardyCause,
    JeopardyLevel,
    JeopardySignal,
    measured_jeopardy,
)
from problem_tracker.domain.sla.ladder import (
    DelegationFailure,
    EscalationReason,
    EscalationSignal,
    end_escalation,
    escalate_delegation_failure,
    escalate_on_breach,
)
from problem_tracker.domain.sla.partner_legs import partner_leg_overdue, start_partner_leg
from problem_tracker.domain.sla.policy import EscalationKind, PartnerOla
from problem_tracker.domain.sla.track import SlaSignal

T0 = utc(2026, 11, 23, 10)
DUE = T0 + 4 * H
P1 = rule("p1", 4 * H, thresholds=(), escalation=ladder(H, 2 * H, None))
REPEATING = rule("repeating", 4 * H, thresholds=(), escalation=ladder(H, 2 * H, 4 * H))
BREACH = JeopardySignal(
    cause=JeopardyCause.THRESHOLD,
    level=JeopardyLevel.BREACHED,
    threshold_percent=100,
    percent_elapsed=100.0,
    due_at=DUE,
)


def call(level: int, step: int) -> EscalationSignal:
    """The call of ladder rung ``level`` at ladder step ``step``."""
    return EscalationSignal(
        level=level,
        kind=EscalationKind.HIERARCHICAL,
        target=f"level-{level}",
        reason=EscalationReason.SLA_BREACHED,
        ladder_step=step,
    )


def ticks(*instants: datetime) -> list[list[SlaSignal]]:
    track, calls = track_of(start_clock(T0), REPEATING), []
    for now in instants:
        track, signals = ticked(track, REPEATING, now)
        calls.append(signals)
    return calls


def test_a_breach_calls_the_first_level_of_the_ladder() -> None:
    track, signals = ticked(start_clock(T0), P1, DUE)
    assert signals == [BREACH, call(1, step=1)]
    assert track.clock.escalation_level == 1
    assert track.next_tick == DUE + H


def test_each_level_follows_its_repeat_interval_and_the_ladder_ends_at_the_top() -> None:
    clock = ticked(start_clock(T0), P1, DUE)[0].clock
    clock, second = escalate_on_breach(clock, P1, DUE + H)
    clock, third = escalate_on_breach(clock, P1, DUE + 3 * H)
    assert (second, third) == ([call(2, step=2)], [call(3, step=3)])
    assert clock.escalation_level == 3
    assert next_tick(clock, P1) is None
    assert escalate_on_breach(clock, P1, DUE + 99 * H) == (clock, [])


def test_an_early_tick_climbs_no_higher() -> None:
    clock = ticked(start_clock(T0), P1, DUE)[0].clock
    assert escalate_on_breach(clock, P1, DUE + H - M) == (clock, [])


def test_the_top_level_is_called_again_at_its_repeat_interval() -> None:
    assert ticks(DUE, DUE + H, DUE + 3 * H, DUE + 7 * H, DUE + 11 * H) == [
        [BREACH, call(1, step=1)],
        [call(2, step=2)],
        [call(3, step=3)],
        [call(3, step=4)],
        [call(3, step=5)],
    ]


def test_a_top_level_bounded_by_max_repeats_stops_being_called() -> None:
    top = replace(REPEATING.ladder.levels[-1], max_repeats=1)
    bounded = replace(
        REPEATING, ladder=replace(REPEATING.ladder, levels=(*REPEATING.ladder.levels[:-1], top))
    )
    track, calls = track_of(start_clock(T0), bounded), []
    for now in (DUE, DUE + H, DUE + 3 * H, DUE + 7 * H):
        track, signals = ticked(track, bounded, now)
        calls.append(signals)

    assert calls == [
        [BREACH, call(1, step=1)],
        [call(2, step=2)],
        [call(3, step=3)],
        [call(3, step=4)],
    ]
    assert track.next_tick is None
    assert ticked(track, bounded, DUE + 99 * H)[1] == []


def test_missed_repeats_of_the_top_level_are_called_once() -> None:
    track = ticked(start_clock(T0), REPEATING, DUE + 3 * H)[0]
    track, signals = ticked(track, REPEATING, DUE + 20 * H)
    assert signals == [call(3, step=7)]
    assert track.clock.ladder_steps == 7  # steps at +0, +1, +3, +7, +11, +15 and +19 hours
    assert track.next_tick == DUE + 23 * H


def test_a_late_tick_calls_every_level_it_skipped_but_not_a_repeat() -> None:
    track, signals = ticked(start_clock(T0), REPEATING, DUE + 8 * H)
    assert signals[1:] == [call(1, step=1), call(2, step=2), call(3, step=4)]
    assert track.clock.ladder_steps == 4


def test_the_ladder_waits_while_the_clock_stands() -> None:
    clock = ticked(start_clock(T0), P1, DUE)[0].clock
    clock = pause(clock, P1, DUE + 30 * M, PauseReason.PENDING)
    assert escalate_on_breach(clock, P1, DUE + 5 * H) == (clock, [])
    assert next_tick(clock, P1) is None


def test_the_ladder_counts_business_time() -> None:
    business = rule(
        "business", 2 * H, thresholds=(), calendar=office(), escalation=ladder(2 * H, None)
    )
    friday = local(BERLIN, 2026, 11, 27, 15)
    clock = ticked(start_clock(friday), business, local(BERLIN, 2026, 11, 27, 17))[0].clock
    assert clock.escalation_level == 1
    assert next_tick(clock, business) == local(BERLIN, 2026, 11, 30, 9)


# --- failed delegations --------------------------------------------------------------------


def test_a_rejected_delegated_report_escalates_functionally_at_once() -> None:
    rejected = DelegationFailure(request_id="SPR-1", reason=EscalationReason.DELEGATION_REJECTED)
    clock, signal = escalate_delegation_failure(start_clock(T0), P1, rejected)
    assert signal == EscalationSignal(
        level=1,
        kind=EscalationKind.FUNCTIONAL,
        target="service-desk-lead",
        reason=EscalationReason.DELEGATION_REJECTED,
        request_id="SPR-1",
    )
    assert clock.escalated
    assert (clock.escalation_level, clock.ladder_steps) == (1, 0)  # the ladder was not climbed


def test_a_functional_escalation_carries_the_rung_the_report_is_on() -> None:
    clock = ticked(start_clock(T0), P1, DUE + H)[0].clock
    cancelled = DelegationFailure(request_id="SPR-1", reason=EscalationReason.DELEGATION_CANCELLED)
    clock, signal = escalate_delegation_failure(clock, P1, cancelled)
    assert (signal.level, clock.escalation_level) == (2, 2)


# --- partner legs --------------------------------------------------------------------------

FIBRECO = PartnerOla(
    partner="fibreco", resolution=2 * H, calendar=office(), escalate_to="fibreco-account-manager"
)
PARTNERS = policy(P1, olas=(FIBRECO,))


def test_a_partner_leg_is_due_after_the_partners_ola_on_its_calendar() -> None:
    friday = local(BERLIN, 2026, 11, 27, 17)
    leg = start_partner_leg(PARTNERS, "fibreco", "req-1", friday)
    assert leg.due_at == local(BERLIN, 2026, 11, 30, 9)
    assert leg.escalate_to == "fibreco-account-manager"


def test_a_partner_without_its_own_ola_gets_the_default_one() -> None:
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-2", T0)
    assert (leg.due_at, leg.escalate_to) == (T0 + 8 * H, "partner-manager")


def test_an_overdue_partner_leg_escalates_to_the_partner_manager_and_raises_jeopardy() -> None:
    slow = rule("slow", 16 * H, thresholds=())
    leg = start_partner_leg(PARTNERS, "cloudhost", "req-2", T0)
    clock = start_clock(T0)
    assert partner_leg_overdue(leg, clock, slow, leg.due_at - M) == (leg, clock, [])
    leg, clock, signals = partner_leg_overdue(leg, clock, slow, leg.due_at)
    assert signals == [
        JeopardySignal(
            cause=JeopardyCause.PARTNER_OLA_OVERDUE,
            level=JeopardyLevel.JEOPARDY,
            threshold_percent=None,
            percent_elapsed=50.0,
            due_at=T0 + 16 * H,
        ),
        EscalationSignal(
            level=1,
            kind=EscalationKind.FUNCTIONAL,
            target="partner-manager",
            reason=EscalationReason.PARTNER_OLA_OVERDUE,
            request_id="req-2",
        ),
    ]
    assert leg.overdue
    assert (clock.escalated, clock.escalation_level) == (True, 1)
    assert measured_jeopardy(clock, slow, leg.due_at) is JeopardyLevel.JEOPARDY
    assert partner_leg_overdue(leg, clock, slow, leg.due_at + H) == (leg, clock, [])


def test_a_second_overdue_leg_escalates_without_raising_jeopardy_again() -> None:
    slow = rule("slow", 16 * H, thresholds=())
    first = start_partner_leg(PARTNERS, "cloudhost", "req-1", T0)
    second = start_partner_leg(PARTNERS, "cloudhost", "req-2", T0 + H)
    track = track_of(start_clock(T0), slow, legs=(first, second))
    track, at_first = ticked(track, slow, first.due_at)
    track, at_second = ticked(track, slow, second.due_at)
    assert [type(s) for s in at_first] == [JeopardySignal, EscalationSignal]
    assert [type(s) for s in at_second] == [EscalationSignal]
    assert [leg.overdue for leg in track.partner_legs] == [True, True]


def test_the_next_tick_is_the_earliest_of_the_clock_and_open_partner_legs() -> None:
    clock = start_clock(T0)
    leg = start_partner_leg(PARTNERS, "fibreco", "req-1", local(BERLIN, 2026, 11, 23, 9))
    assert next_tick(clock, P1, legs=(leg,)) == local(BERLIN, 2026, 11, 23, 11)
    overdue = partner_leg_overdue(leg, clock, P1, leg.due_at)[0]
    assert next_tick(clock, P1, legs=(overdue,)) == DUE
    stopped_rule = rule("stopped", H, thresholds=(), escalation=ladder())
    stopped = pause(start_clock(T0), stopped_rule, T0, PauseReason.PENDING)
    assert next_tick(stopped, stopped_rule, legs=(leg,)) == leg.due_at


# --- the end -------------------------------------------------------------------------------


def test_a_report_never_in_jeopardy_has_no_escalation_to_end() -> None:
    assert end_escalation(start_clock(T0)) is None


def test_resolving_an_escalated_report_ends_the_escalation_once() -> None:
    clock = ticked(start_clock(T0), P1, DUE + H)[0].clock
    ended = end_escalation(clock)
    assert ended is not None
    assert (ended.escalation_ended, ended.escalation_level) == (True, 2)
    assert end_escalation(ended) is None


def test_a_report_only_warned_about_ends_its_jeopardy_too() -> None:
    warned = rule("warned", 4 * H)
    clock = ticked(start_clock(T0), warned, T0 + 2 * H)[0].clock
    ended = end_escalation(clock)
    assert ended is not None
    assert (ended.escalation_ended, ended.escalation_level) == (True, 0)
