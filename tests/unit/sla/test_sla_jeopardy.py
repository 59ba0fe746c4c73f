"""Jeopardy: thresholds, breach, overdue customer updates, forecasts, and when to tick."""

from __future__ import annotations

from dataclasses import replace

from sla_builders import H, M, next_tick, rule, ticked, utc

from problem_tracker.domain.sla.clock import (
    PauseReason,
    pause,
    recompute,
    record_customer_update,
    resume,
    start_clock,
    stop,
)
from problem_tracker.domain.sla.jeopardy import (
    JeopardyCause,
    JeopardyLevel,
    JeopardySignal,
    evaluate,
    forecast_jeopardy,
    measured_jeopardy,
)
from problem_tracker.domain.sla.ladder import EscalationReason, EscalationSignal
from problem_tracker.domain.sla.policy import EscalationKind

T0 = utc(2026, 11, 23, 10)
P1 = rule("p1", 4 * H)
DUE = T0 + 4 * H


def threshold(percent: int, elapsed: float) -> JeopardySignal:
    return JeopardySignal(
        cause=JeopardyCause.THRESHOLD,
        level=JeopardyLevel.JEOPARDY if percent == 75 else JeopardyLevel.WARNING,
        threshold_percent=percent,
        percent_elapsed=elapsed,
        due_at=DUE,
    )


BREACH = JeopardySignal(
    cause=JeopardyCause.THRESHOLD,
    level=JeopardyLevel.BREACHED,
    threshold_percent=100,
    percent_elapsed=100.0,
    due_at=DUE,
)


def test_the_first_tick_is_due_at_the_first_threshold() -> None:
    assert next_tick(start_clock(T0), P1) == T0 + 2 * H


def test_a_threshold_reached_raises_jeopardy_with_the_deadline() -> None:
    clock, signals = evaluate(start_clock(T0), P1, T0 + 2 * H)
    assert signals == [threshold(50, 50.0)]
    assert clock.thresholds_fired == (50,)
    assert next_tick(clock, P1) == T0 + 3 * H


def test_an_early_tick_signals_nothing() -> None:
    clock = start_clock(T0)
    assert evaluate(clock, P1, T0 + 2 * H - M) == (clock, [])


def test_each_threshold_fires_once_per_cycle() -> None:
    clock, _ = evaluate(start_clock(T0), P1, T0 + 2 * H)
    again, signals = evaluate(clock, P1, T0 + 2 * H + M)
    assert signals == []
    assert again == clock


def test_a_late_tick_signals_every_threshold_passed_in_order() -> None:
    _, signals = evaluate(start_clock(T0), P1, T0 + 3 * H)
    assert signals == [threshold(50, 75.0), threshold(75, 75.0)]


def test_at_the_resolution_target_the_report_breaches_once() -> None:
    clock, _ = evaluate(start_clock(T0), P1, T0 + 3 * H)
    clock, signals = evaluate(clock, P1, DUE)
    assert signals == [BREACH]
    assert clock.breached
    assert evaluate(clock, P1, DUE + H)[1] == []


def test_after_the_breach_the_next_tick_is_the_next_ladder_level() -> None:
    clock, _ = evaluate(start_clock(T0), P1, DUE)
    assert next_tick(clock, P1) == DUE  # level 1 is called at the breach
    assert next_tick(replace(clock, ladder_steps=1), P1) == DUE + H


def test_a_stopped_or_paused_clock_needs_no_tick_and_signals_nothing() -> None:
    paused = pause(start_clock(T0), P1, T0 + H, PauseReason.PENDING)
    stopped = stop(start_clock(T0), P1, T0 + H)
    for clock in (paused, stopped):
        assert next_tick(clock, P1) is None
        assert evaluate(clock, P1, T0 + 9 * H) == (clock, [])


def test_a_ladder_without_further_steps_leaves_only_the_update_interval() -> None:
    chatty = rule("chatty", 4 * H, customer_update=H, thresholds=())
    clock = replace(start_clock(T0), breached=True, ladder_steps=3)
    assert next_tick(clock, chatty) == T0 + H
    quiet = rule("quiet", 4 * H, thresholds=())
    assert next_tick(replace(start_clock(T0), breached=True, ladder_steps=3), quiet) is None


def test_a_pause_moves_the_next_tick_by_the_wait() -> None:
    clock = pause(start_clock(T0), P1, T0 + H, PauseReason.PENDING)
    clock = resume(clock, P1, T0 + 2 * H)
    assert next_tick(clock, P1) == T0 + 3 * H


def test_a_raised_priority_signals_what_is_already_due_at_once() -> None:
    low = rule("p3", 24 * H)
    clock, _ = evaluate(start_clock(T0), low, T0 + 5 * H)
    clock = recompute(clock, P1, T0 + 5 * H)
    assert next_tick(clock, P1) == T0 + 2 * H  # in the past: tick at once
    clock, signals = evaluate(clock, P1, T0 + 5 * H)
    assert [(s.threshold_percent, s.level) for s in signals] == [
        (50, JeopardyLevel.WARNING),
        (75, JeopardyLevel.JEOPARDY),
        (100, JeopardyLevel.BREACHED),
    ]


# --- customer updates ----------------------------------------------------------------------


def test_an_overdue_customer_update_is_signalled_once_until_the_next_update() -> None:
    chatty = rule("chatty", 4 * H, customer_update=30 * M)
    clock = start_clock(T0)
    assert next_tick(clock, chatty) == T0 + 30 * M
    assert ticked(clock, chatty, T0 + 30 * M - M)[1] == []
    track, signals = ticked(clock, chatty, T0 + 31 * M)
    assert signals == [
        EscalationSignal(
            level=1,
            kind=EscalationKind.FUNCTIONAL,
            target="service-desk-lead",
            reason=EscalationReason.CUSTOMER_UPDATE_OVERDUE,
        )
    ]
    assert (track.clock.update_overdue, track.clock.escalation_level) == (True, 1)
    assert track.next_tick == T0 + 2 * H
    assert ticked(track, chatty, T0 + 40 * M)[1] == []
    clock = record_customer_update(track.clock, T0 + 45 * M)
    assert next_tick(clock, chatty) == T0 + 75 * M


# --- jeopardy from outside the clock -------------------------------------------------------


def test_a_forecast_beyond_the_deadline_raises_jeopardy_at_once() -> None:
    clock, signal = forecast_jeopardy(start_clock(T0), P1, DUE + M, now=T0 + H)
    assert signal == JeopardySignal(
        cause=JeopardyCause.FORECAST,
        level=JeopardyLevel.JEOPARDY,
        threshold_percent=None,
        percent_elapsed=25.0,
        due_at=DUE,
    )
    assert measured_jeopardy(clock, P1, T0 + H) is JeopardyLevel.JEOPARDY
    assert forecast_jeopardy(clock, P1, DUE + H, now=T0 + 2 * H) == (clock, None)


def test_a_forecast_within_the_deadline_is_no_jeopardy() -> None:
    clock = start_clock(T0)
    assert forecast_jeopardy(clock, P1, DUE, now=T0 + H) == (clock, None)


def test_a_forecast_while_the_clock_stands_or_after_the_breach_changes_nothing() -> None:
    paused = pause(start_clock(T0), P1, T0 + H, PauseReason.PENDING)
    assert forecast_jeopardy(paused, P1, DUE + H, now=T0 + H) == (paused, None)
    breached, _ = evaluate(start_clock(T0), P1, DUE)
    assert forecast_jeopardy(breached, P1, DUE + H, now=DUE) == (breached, None)


# --- the report's jeopardy field -----------------------------------------------------------


def test_jeopardy_goes_from_warning_to_jeopardy_to_breached() -> None:
    clock = start_clock(T0)
    levels = [measured_jeopardy(clock, P1, T0)]
    for hours in (2, 3, 4):
        clock, _ = evaluate(clock, P1, T0 + hours * H)
        levels.append(measured_jeopardy(clock, P1, T0 + hours * H))
    assert levels == ["none", "warning", "jeopardy", "breached"]


def test_a_single_threshold_means_jeopardy_at_once() -> None:
    single = rule("single", 4 * H, thresholds=(80,))
    clock, _ = evaluate(start_clock(T0), single, T0 + 4 * H - M)
    assert measured_jeopardy(clock, single, T0 + 4 * H - M) is JeopardyLevel.JEOPARDY
