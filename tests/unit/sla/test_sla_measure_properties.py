"""The arithmetic of the measure a snapshot shows, under any sequence of pauses, resumes
and a stop, on around-the-clock and office calendars: time used and left add up to the
target, the breach instant is where the used time reaches it, and the wall time since
the cycle began is time running plus time paused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sla_builders import H, M, office, rule

from problem_tracker.domain.sla.calendar import ZERO, AlwaysOpen
from problem_tracker.domain.sla.clock import (
    PauseReason,
    SlaClock,
    pause,
    resume,
    start_clock,
    stop,
)
from problem_tracker.domain.sla.jeopardy import JeopardyLevel
from problem_tracker.domain.sla.policy import SlaRule
from problem_tracker.domain.sla.track import SlaMeasure, SlaTrack, measure, refreshed

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

rules = st.builds(
    lambda resolution, calendar, pause_on_held: rule(
        "drawn", resolution, calendar=calendar, pause_on_held=pause_on_held
    ),
    st.timedeltas(M, 30 * H),
    st.sampled_from([AlwaysOpen(), office(), office(zone="America/New_York", weekend=True)]),
    st.booleans(),
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["pending", "held", "resume", "resume"]),
        st.timedeltas(timedelta(0), 12 * H),
    ),
    max_size=12,
)


def lived(
    sla: SlaRule, actions: list[tuple[str, timedelta]], stopped: bool
) -> tuple[SlaClock, datetime]:
    """The clock after ``actions`` (each ``delta`` after the one before), and the instant
    of the last one; stopped at the end if ``stopped``."""
    clock, now = start_clock(T0), T0
    for action, delta in actions:
        now += delta
        if action == "resume":
            clock = resume(clock, sla, now)
        else:
            clock = pause(clock, sla, now, PauseReason(action))
    if stopped:
        clock = stop(clock, sla, now)
    return clock, now


def used_until(clock: SlaClock, sla: SlaRule, moment: datetime, now: datetime) -> timedelta:
    """SLA time the clock had used by ``moment``."""
    runs = list(clock.runs)
    if clock.running_since is not None:
        runs.append((clock.running_since, now))
    return sum(
        (sla.calendar.elapsed(start, min(end, moment)) for start, end in runs if start < moment),
        ZERO,
    )


@settings(max_examples=200, deadline=None)
@given(rules, steps, st.booleans(), st.timedeltas(ZERO, 40 * H))
def test_time_used_and_left_add_up_to_the_target_until_the_breach(
    sla: SlaRule, actions: list[tuple[str, timedelta]], stopped: bool, later: timedelta
) -> None:
    clock, last = lived(sla, actions, stopped)
    shown = measure(clock, sla, last + later)
    target = sla.targets.resolution

    if shown.breached_at is None:
        assert shown.elapsed < target
        assert shown.elapsed + shown.remaining == target
    else:
        assert shown.elapsed >= target
        assert shown.remaining == ZERO


@settings(max_examples=200, deadline=None)
@given(rules, steps, st.booleans(), st.timedeltas(ZERO, 40 * H))
def test_the_breach_is_the_instant_the_used_time_reached_the_target(
    sla: SlaRule, actions: list[tuple[str, timedelta]], stopped: bool, later: timedelta
) -> None:
    clock, last = lived(sla, actions, stopped)
    now = last + later
    shown = measure(clock, sla, now)

    if shown.breached_at is not None:
        assert T0 <= shown.breached_at <= now
        assert used_until(clock, sla, shown.breached_at, now) == sla.targets.resolution
        assert used_until(clock, sla, shown.breached_at - M, now) < sla.targets.resolution


@settings(max_examples=200, deadline=None)
@given(rules, steps, st.booleans(), st.timedeltas(ZERO, 40 * H))
def test_wall_time_since_the_cycle_began_is_time_running_plus_time_paused(
    sla: SlaRule, actions: list[tuple[str, timedelta]], stopped: bool, later: timedelta
) -> None:
    clock, last = lived(sla, actions, stopped)
    now = last + later
    end = clock.stopped_at or now
    running = sum((b - a for a, b in clock.runs), ZERO)
    if clock.running_since is not None:
        running += now - clock.running_since

    assert measure(clock, sla, now).paused_for + running == end - T0


@settings(max_examples=100, deadline=None)
@given(rules, st.timedeltas(ZERO, 60 * H))
def test_a_clock_never_paused_has_paused_for_nothing(sla: SlaRule, later: timedelta) -> None:
    assert measure(start_clock(T0), sla, T0 + later).paused_for == ZERO


@settings(max_examples=200, deadline=None)
@given(rules, steps, st.timedeltas(ZERO, 40 * H))
def test_the_jeopardy_shown_is_breached_exactly_when_a_breach_instant_is(
    sla: SlaRule, actions: list[tuple[str, timedelta]], later: timedelta
) -> None:
    clock, last = lived(sla, actions, stopped=False)
    track = refreshed(SlaTrack(clock=clock), sla, last + later)

    assert isinstance(track.measure, SlaMeasure)
    assert (track.jeopardy is JeopardyLevel.BREACHED) == (track.measure.breached_at is not None)


def test_a_finished_cycle_measured_before_measures_were_kept_met_unless_it_breached() -> None:
    sla = rule("drawn", 4 * H)
    ended = stop(start_clock(T0), sla, T0 + H)

    assert SlaTrack(clock=ended).met is True
    assert SlaTrack(clock=replace(ended, breached=True)).met is False
    assert SlaTrack(clock=start_clock(T0)).met is None
