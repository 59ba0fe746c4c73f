"""Properties of the SLA under any sequence of ticks, pauses, resumes and updates, each tick
taken as a decision takes it (``track.fall_due``) and the track refreshed after every step."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sla_builders import H, M, ladder, office, rule, ticked, track_of

from problem_tracker.domain.sla.calendar import AlwaysOpen
from problem_tracker.domain.sla.clock import (
    PauseReason,
    due_at,
    pause,
    record_customer_update,
    resume,
    start_clock,
)
from problem_tracker.domain.sla.jeopardy import JeopardySignal
from problem_tracker.domain.sla.ladder import EscalationSignal
from problem_tracker.domain.sla.policy import SlaRule
from problem_tracker.domain.sla.track import SlaTrack, refreshed

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

rules = st.builds(
    lambda resolution, calendar, thresholds, update, repeats: rule(
        "drawn",
        resolution,
        calendar=calendar,
        thresholds=tuple(sorted(thresholds)),
        customer_update=update,
        escalation=ladder(*repeats),
    ),
    st.timedeltas(M, 30 * H),
    st.sampled_from([AlwaysOpen(), office(), office(zone="America/New_York", weekend=True)]),
    st.sets(st.integers(1, 99), max_size=3),
    st.none() | st.timedeltas(M, 8 * H),
    st.lists(st.timedeltas(M, 5 * H), max_size=3).map(tuple)
    | st.lists(st.timedeltas(M, 5 * H), min_size=1, max_size=2).map(lambda r: (*r, None)),
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["tick", "tick", "pending", "held", "resume", "update"]),
        st.timedeltas(timedelta(0), 12 * H),
    ),
    max_size=25,
)


def apply(track: SlaTrack, sla: SlaRule, action: str, now: datetime) -> SlaTrack:
    """The report paused, resumed or told the customer something: its clock follows, and
    its track is refreshed, as after every event of a report."""
    clock = track.clock
    if action in ("pending", "held"):
        clock = pause(clock, sla, now, PauseReason(action))
    elif action == "resume":
        clock = resume(clock, sla, now)
    else:
        clock = record_customer_update(clock, now)
    return refreshed(replace(track, clock=clock), sla, now)


@settings(max_examples=150, deadline=None)
@given(rules, steps)
def test_thresholds_and_the_breach_fire_at_most_once_per_cycle(
    sla: SlaRule, sequence: list[tuple[str, timedelta]]
) -> None:
    track, now, fired = track_of(start_clock(T0), sla), T0, Counter[object]()
    for action, gap in sequence:
        now += gap
        if action != "tick":
            track = apply(track, sla, action, now)
            continue
        track, signals = ticked(track, sla, now)
        for signal in signals:
            if isinstance(signal, JeopardySignal):  # a threshold, or the breach at 100 %
                fired[signal.threshold_percent] += 1
    assert all(count == 1 for count in fired.values())


@settings(max_examples=150, deadline=None)
@given(rules, steps)
def test_after_a_tick_the_next_one_lies_ahead_and_is_never_wasted(
    sla: SlaRule, sequence: list[tuple[str, timedelta]]
) -> None:
    track, now = track_of(start_clock(T0), sla), T0
    for action, gap in sequence:
        now += gap
        track = ticked(track, sla, now)[0] if action == "tick" else apply(track, sla, action, now)
        deadline = track.next_tick
        if action == "tick" and deadline is not None:
            assert deadline > now
        if deadline is not None and deadline >= now:
            assert ticked(track, sla, deadline)[1]


@settings(max_examples=150, deadline=None)
@given(rules, steps)
def test_the_escalation_level_never_goes_down(
    sla: SlaRule, sequence: list[tuple[str, timedelta]]
) -> None:
    track, now, levels = track_of(start_clock(T0), sla), T0, [0]
    for action, gap in sequence:
        now += gap
        if action == "tick":
            track, signals = ticked(track, sla, now)
            levels += [s.level for s in signals if isinstance(s, EscalationSignal)]
        else:
            track = apply(track, sla, action, now)
    assert levels == sorted(levels)
    assert track.clock.escalation_level == levels[-1]


@settings(max_examples=150, deadline=None)
@given(rules, st.timedeltas(timedelta(0), 40 * H), st.timedeltas(timedelta(0), 40 * H))
def test_a_pause_never_makes_the_deadline_earlier(
    sla: SlaRule, until_pause: timedelta, wait: timedelta
) -> None:
    clock = start_clock(T0)
    paused = pause(clock, sla, T0 + until_pause, PauseReason.PENDING)
    resumed = resume(paused, sla, T0 + until_pause + wait)
    before, after = due_at(clock, sla), due_at(resumed, sla)
    assert before is not None
    assert after is not None
    assert after >= before
