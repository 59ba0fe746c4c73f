"""The SLA clock: running, pausing for the customer or a hold, stopping, rule changes."""

from __future__ import annotations

from sla_builders import BERLIN, H, M, local, office, rule, utc

from problem_tracker.domain.sla.clock import (
    PauseReason,
    customer_update_due,
    due_at,
    elapsed,
    instant_at,
    pause,
    percent_elapsed,
    recompute,
    record_customer_update,
    resume,
    start_clock,
    stop,
)

T0 = utc(2026, 11, 23, 10)
FOUR_HOURS = rule("p1", 4 * H, customer_update=30 * M)
HOLD_RUNS_ON = rule("no-hold", 4 * H, pause_on_held=False)


def test_a_new_report_starts_its_clock_with_the_resolution_deadline_ahead() -> None:
    clock = start_clock(T0)
    assert clock.running
    assert clock.cycle == 1
    assert elapsed(clock, FOUR_HOURS, T0 + H) == H
    assert percent_elapsed(clock, FOUR_HOURS, T0 + H) == 25.0
    assert due_at(clock, FOUR_HOURS) == T0 + 4 * H


def test_waiting_on_the_customer_stops_the_clock_and_the_deadline() -> None:
    clock = pause(start_clock(T0), FOUR_HOURS, T0 + H, PauseReason.PENDING)
    assert not clock.running
    assert elapsed(clock, FOUR_HOURS, T0 + 5 * H) == H
    assert due_at(clock, FOUR_HOURS) is None


def test_the_customer_answering_moves_the_deadline_by_the_wait() -> None:
    clock = pause(start_clock(T0), FOUR_HOURS, T0 + H, PauseReason.PENDING)
    clock = resume(clock, FOUR_HOURS, T0 + 3 * H)
    assert clock.running
    assert due_at(clock, FOUR_HOURS) == T0 + 6 * H
    assert elapsed(clock, FOUR_HOURS, T0 + 4 * H) == 2 * H


def test_a_hold_stops_the_clock_when_the_rule_says_so() -> None:
    clock = pause(start_clock(T0), FOUR_HOURS, T0 + H, PauseReason.HELD)
    assert clock.pause_reason is PauseReason.HELD
    assert elapsed(clock, FOUR_HOURS, T0 + 3 * H) == H


def test_a_hold_does_not_stop_the_clock_when_the_rule_says_so() -> None:
    clock = pause(start_clock(T0), HOLD_RUNS_ON, T0 + H, PauseReason.HELD)
    assert clock.running
    assert elapsed(clock, HOLD_RUNS_ON, T0 + 3 * H) == 3 * H


def test_holding_a_pending_report_restarts_a_clock_that_runs_on_hold() -> None:
    clock = pause(start_clock(T0), HOLD_RUNS_ON, T0 + H, PauseReason.PENDING)
    clock = pause(clock, HOLD_RUNS_ON, T0 + 2 * H, PauseReason.HELD)
    assert clock.running_since == T0 + 2 * H
    assert elapsed(clock, HOLD_RUNS_ON, T0 + 3 * H) == 2 * H


def test_holding_a_pending_report_keeps_a_clock_that_stops_on_hold_stopped() -> None:
    clock = pause(start_clock(T0), FOUR_HOURS, T0 + H, PauseReason.PENDING)
    clock = pause(clock, FOUR_HOURS, T0 + 2 * H, PauseReason.HELD)
    assert clock.pause_reason is PauseReason.HELD
    assert elapsed(clock, FOUR_HOURS, T0 + 3 * H) == H


def test_resuming_a_running_clock_changes_nothing() -> None:
    clock = start_clock(T0)
    assert resume(clock, FOUR_HOURS, T0 + H) is clock


def test_a_resolved_report_stops_its_clock_for_good() -> None:
    clock = stop(start_clock(T0), FOUR_HOURS, T0 + H)
    assert clock.stopped_at == T0 + H
    assert elapsed(clock, FOUR_HOURS, T0 + 9 * H) == H
    assert due_at(clock, FOUR_HOURS) is None
    assert stop(clock, FOUR_HOURS, T0 + 2 * H) is clock
    assert pause(clock, FOUR_HOURS, T0 + 2 * H, PauseReason.PENDING) is clock
    assert resume(clock, FOUR_HOURS, T0 + 2 * H) is clock


def test_a_paused_report_can_be_stopped() -> None:
    clock = pause(start_clock(T0), FOUR_HOURS, T0 + H, PauseReason.PENDING)
    clock = stop(clock, FOUR_HOURS, T0 + 2 * H)
    assert clock.stopped_at == T0 + 2 * H
    assert clock.pause_reason is None
    assert elapsed(clock, FOUR_HOURS, T0 + 3 * H) == H


def test_a_pause_reported_before_the_run_began_takes_no_time() -> None:
    clock = pause(start_clock(T0), FOUR_HOURS, T0 - M, PauseReason.PENDING)
    assert elapsed(clock, FOUR_HOURS, T0 + H) == 0 * H
    assert clock.runs == ((T0, T0),)


def test_the_clock_runs_in_business_hours_only() -> None:
    business = rule("business", 4 * H, calendar=office())
    friday = local(BERLIN, 2026, 11, 27, 16)
    clock = start_clock(friday)
    assert due_at(clock, business) == local(BERLIN, 2026, 11, 30, 10)
    assert elapsed(clock, business, local(BERLIN, 2026, 11, 29, 12)) == 2 * H


# --- a changed priority, severity or segment -----------------------------------------------


def test_a_raised_priority_applies_from_the_start_of_the_cycle() -> None:
    low = rule("p3", 24 * H)
    clock = start_clock(T0)
    assert due_at(clock, low) == T0 + 24 * H
    clock = recompute(clock, FOUR_HOURS, T0 + 2 * H)
    assert due_at(clock, FOUR_HOURS) == T0 + 4 * H


def test_a_rule_change_re_measures_past_runs_on_the_new_calendar() -> None:
    business = rule("business", 10 * H, calendar=office())
    friday = local(BERLIN, 2026, 11, 27, 17)
    clock = start_clock(friday)
    clock = pause(clock, business, local(BERLIN, 2026, 11, 30, 9), PauseReason.PENDING)
    assert clock.consumed == 2 * H
    clock = recompute(clock, FOUR_HOURS, local(BERLIN, 2026, 11, 30, 10))
    assert clock.consumed == 64 * H
    assert not clock.running


def test_a_held_report_whose_new_rule_runs_on_hold_starts_its_clock() -> None:
    clock = pause(start_clock(T0), FOUR_HOURS, T0 + H, PauseReason.HELD)
    clock = recompute(clock, HOLD_RUNS_ON, T0 + 2 * H)
    assert clock.running_since == T0 + 2 * H
    assert due_at(clock, HOLD_RUNS_ON) == T0 + 5 * H


def test_a_held_report_whose_new_rule_stops_on_hold_stays_stopped() -> None:
    clock = pause(start_clock(T0), FOUR_HOURS, T0 + H, PauseReason.HELD)
    other = rule("other", 8 * H)
    clock = recompute(clock, other, T0 + 2 * H)
    assert not clock.running
    assert due_at(clock, other) is None


def test_a_point_passed_in_an_earlier_run_is_due_when_the_clock_resumes() -> None:
    clock = pause(start_clock(T0), FOUR_HOURS, T0 + 3 * H, PauseReason.PENDING)
    clock = resume(clock, FOUR_HOURS, T0 + 5 * H)
    assert instant_at(clock, FOUR_HOURS, 2 * H) == T0 + 5 * H
    assert instant_at(clock, FOUR_HOURS, 4 * H) == T0 + 6 * H


# --- customer updates ----------------------------------------------------------------------


def test_the_customer_is_owed_an_update_an_interval_after_the_last_one() -> None:
    clock = start_clock(T0)
    assert customer_update_due(clock, FOUR_HOURS) == T0 + 30 * M
    clock = record_customer_update(clock, T0 + 20 * M)
    assert customer_update_due(clock, FOUR_HOURS) == T0 + 50 * M


def test_no_update_is_owed_without_an_interval_or_while_waiting_on_the_customer() -> None:
    assert customer_update_due(start_clock(T0), HOLD_RUNS_ON) is None
    paused = pause(start_clock(T0), FOUR_HOURS, T0, PauseReason.PENDING)
    assert customer_update_due(paused, FOUR_HOURS) is None
