"""Acknowledging an escalation (contract v1.1 ``CustomerProblemEscalationAcknowledgeEvent``):
the breach ladder holds for the rule's ``acknowledge_for`` of SLA time, then climbs again
from the next level if the report is still breached; a hold never brings a rung forward."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sla_builders import H, M, ladder, office, rule, ticked, track_of, utc

from problem_tracker.domain.sla.clock import (
    PauseReason,
    SlaClock,
    pause,
    resume,
    start_clock,
    stop,
)
from problem_tracker.domain.sla.ladder import (
    EscalationSignal,
    NotAcknowledgeableError,
    acknowledge,
    escalate_overdue_update,
)
from problem_tracker.domain.sla.policy import SlaRule

T0 = utc(2026, 11, 23, 10)
DUE = T0 + 4 * H


def _rule(acknowledge_for: timedelta | None = 90 * M, *, top: timedelta | None = 4 * H) -> SlaRule:
    base = rule("p1", 4 * H, thresholds=(), escalation=ladder(H, 2 * H, top))
    return replace(base, acknowledge_for=acknowledge_for)


def _breached(sla: SlaRule, at: datetime = DUE) -> SlaClock:
    track, _ = ticked(start_clock(T0), sla, at)
    return track.clock


def _calls(clock: SlaClock, sla: SlaRule, *instants: datetime) -> list[tuple[datetime, int]]:
    """(instant, ladder step) of every ladder call made by ticks at ``instants``."""
    track, found = track_of(clock, sla), []
    for now in instants:
        track, signals = ticked(track, sla, now)
        found += [(now, s.ladder_step) for s in signals if isinstance(s, EscalationSignal)]
    return found


def _next_ladder_tick(clock: SlaClock, sla: SlaRule) -> datetime | None:
    return track_of(clock, sla).next_tick


@pytest.mark.parametrize(
    ("acknowledged_at", "acknowledge_for", "next_call"),
    [
        pytest.param(DUE + 10 * M, 90 * M, DUE + 100 * M, id="hold-past-the-next-rung"),
        pytest.param(DUE + 10 * M, 30 * M, DUE + H, id="hold-ends-first-no-rung-brought-forward"),
        pytest.param(DUE + 10 * M, None, DUE + H, id="rule-without-acknowledge-for"),
        pytest.param(DUE + 90 * M, 3 * H, DUE + 4 * H + 30 * M, id="on-level-2-held-past-level-3"),
    ],
)
def test_an_acknowledgement_holds_the_ladder_until_the_next_rung_may_fire(
    acknowledged_at: datetime, acknowledge_for: timedelta | None, next_call: datetime
) -> None:
    sla = _rule(acknowledge_for)
    clock = _breached(sla, acknowledged_at)
    steps_before = clock.ladder_steps

    held = acknowledge(clock, sla, acknowledged_at).clock

    assert _next_ladder_tick(held, sla) == next_call
    assert _calls(held, sla, next_call - M, next_call) == [(next_call, steps_before + 1)]


def test_after_the_hold_the_ladder_climbs_on_at_its_usual_intervals() -> None:
    sla = _rule(90 * M)
    held = acknowledge(_breached(sla, DUE + 10 * M), sla, DUE + 10 * M).clock

    calls = _calls(held, sla, DUE + 100 * M, DUE + 100 * M + 2 * H, DUE + 100 * M + 6 * H)

    assert [step for _, step in calls] == [2, 3, 4]


def test_the_acknowledgement_names_the_level_and_the_end_of_the_hold() -> None:
    sla = _rule(90 * M)
    clock = _breached(sla, DUE + 90 * M)

    current = acknowledge(clock, sla, DUE + 90 * M)
    earlier = acknowledge(clock, sla, DUE + 90 * M, level=1)

    assert (current.level, current.until) == (2, DUE + 3 * H)
    assert (earlier.level, earlier.until) == (1, DUE + 3 * H)


def test_the_hold_is_business_time_of_the_rules_calendar() -> None:
    sla = replace(_rule(2 * H), calendar=office("UTC"))
    monday_17 = utc(2026, 11, 23, 17)

    assert acknowledge(_breached(sla, T0 + 4 * H), sla, monday_17).until == utc(2026, 11, 24, 9)


@pytest.mark.parametrize(
    ("clock", "level", "message"),
    [
        pytest.param(start_clock(T0), None, "no escalation is under way", id="not-escalated"),
        pytest.param(stop(_breached(_rule()), _rule(), DUE), None, "no escalation", id="stopped"),
        pytest.param(
            replace(_breached(_rule()), escalation_ended=True), None, "no escalation", id="ended"
        ),
        pytest.param(_breached(_rule()), 2, "level 2 is above the current escalation level 1"),
    ],
)
def test_there_must_be_an_escalation_at_that_level_to_acknowledge(
    clock: SlaClock, level: int | None, message: str
) -> None:
    with pytest.raises(NotAcknowledgeableError, match=message):
        acknowledge(clock, _rule(), DUE + M, level)


def test_a_functional_escalation_before_the_breach_is_acknowledged_without_holding() -> None:
    sla = replace(_rule(), targets=replace(_rule().targets, customer_update=H))
    clock, _ = escalate_overdue_update(start_clock(T0), sla, T0 + H)

    done = acknowledge(clock, sla, T0 + H)

    assert done.clock == clock
    assert _calls(done.clock, sla, DUE) == [(DUE, 1)]


def test_a_ladder_that_has_reached_its_last_rung_has_nothing_to_hold() -> None:
    sla = _rule(90 * M, top=None)
    clock = _breached(sla, DUE + 3 * H)

    assert acknowledge(clock, sla, DUE + 3 * H).clock == clock


def test_the_hold_is_sla_time_and_waits_while_the_clock_stands() -> None:
    sla = _rule(90 * M)
    held = acknowledge(_breached(sla, DUE + 10 * M), sla, DUE + 10 * M).clock
    paused = pause(held, sla, DUE + 40 * M, PauseReason.PENDING)
    resumed = resume(paused, sla, DUE + 3 * H)

    assert _next_ladder_tick(paused, sla) is None
    assert _next_ladder_tick(resumed, sla) == DUE + 3 * H + 60 * M


@given(
    acknowledged=st.integers(min_value=0, max_value=12 * 60),
    hold=st.one_of(st.none(), st.integers(min_value=1, max_value=10 * 60)),
    late=st.integers(min_value=0, max_value=12 * 60),
)
def test_no_rung_fires_during_the_hold_nor_later_than_the_ladder_or_the_hold_allows(
    acknowledged: int, hold: int | None, late: int
) -> None:
    sla = _rule(None if hold is None else hold * M)
    at = DUE + acknowledged * M
    clock = _breached(sla, at)
    natural = _next_ladder_tick(clock, sla)
    assert natural is not None

    held = acknowledge(clock, sla, at).clock
    expected = max(natural, at + (hold or 0) * M)

    assert _next_ladder_tick(held, sla) == expected
    assert _calls(held, sla, expected - timedelta(milliseconds=1)) == []
    assert [step for _, step in _calls(held, sla, expected + late * M)][-1:] != []


@pytest.mark.parametrize("hold", [timedelta(0), -M])
def test_an_acknowledgement_hold_must_be_positive(hold: timedelta) -> None:
    with pytest.raises(ValueError, match="acknowledgement hold must be positive"):
        _rule(hold)
