"""Properties of the SLA clock under any sequence of ticks, pauses, resumes and updates."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sla_builders import H, M, ladder, office, rule

from problem_tracker.domain.sla.calendar import AlwaysOpen
from problem_tracker.domain.sla.clock import (
    PauseReason,
    SlaClock,
    due_at,
    pause,
    record_customer_update,
    resume,
    start_clock,
)
from problem_tracker.domain.sla.jeopardy import Breached, JeopardyReached
from problem_tracker.domain.sla.ladder import Escalated, next_deadline, tick
from problem_tracker.domain.sla.policy import SlaRule

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


def apply(clock: SlaClock, sla: SlaRule, action: str, now: datetime) -> SlaClock:
    if action in ("pending", "held"):
        return pause(clock, sla, now, PauseReason(action))
    if action == "resume":
        return resume(clock, sla, now)
    return record_customer_update(clock, now)


@settings(max_examples=150, deadline=None)
@given(rules, steps)
def test_thresholds_and_the_breach_fire_at_most_once_per_cycle(
    sla: SlaRule, sequence: list[tuple[str, timedelta]]
) -> None:
    clock, now, fired = start_clock(sla, T0), T0, Counter[object]()
    for action, gap in sequence:
        now += gap
        if action != "tick":
            clock = apply(clock, sla, action, now)
            continue
        result = tick(clock, sla, now)
        clock = result.clock
        for signal in result.signals:
            if isinstance(signal, JeopardyReached):
                fired[signal.threshold_percent] += 1
            elif isinstance(signal, Breached):
                fired["breach"] += 1
    assert all(count == 1 for count in fired.values())


@settings(max_examples=150, deadline=None)
@given(rules, steps)
def test_after_a_tick_the_next_one_lies_ahead_and_is_never_wasted(
    sla: SlaRule, sequence: list[tuple[str, timedelta]]
) -> None:
    clock, now = start_clock(sla, T0), T0
    for action, gap in sequence:
        now += gap
        clock = tick(clock, sla, now).clock if action == "tick" else apply(clock, sla, action, now)
        deadline = next_deadline(clock, sla)
        if action == "tick" and deadline is not None:
            assert deadline > now
        if deadline is not None and deadline >= now:
            assert tick(clock, sla, deadline).signals


@settings(max_examples=150, deadline=None)
@given(rules, steps)
def test_the_escalation_level_never_goes_down(
    sla: SlaRule, sequence: list[tuple[str, timedelta]]
) -> None:
    clock, now, levels = start_clock(sla, T0), T0, [0]
    for action, gap in sequence:
        now += gap
        if action == "tick":
            result = tick(clock, sla, now)
            clock = result.clock
            levels += [s.level for s in result.signals if isinstance(s, Escalated)]
        else:
            clock = apply(clock, sla, action, now)
    assert levels == sorted(levels)
    assert clock.escalation_level == levels[-1]


@settings(max_examples=150, deadline=None)
@given(rules, st.timedeltas(timedelta(0), 40 * H), st.timedeltas(timedelta(0), 40 * H))
def test_a_pause_never_makes_the_deadline_earlier(
    sla: SlaRule, until_pause: timedelta, wait: timedelta
) -> None:
    clock = start_clock(sla, T0)
    paused = pause(clock, sla, T0 + until_pause, PauseReason.PENDING)
    resumed = resume(paused, sla, T0 + until_pause + wait)
    before, after = due_at(clock, sla), due_at(resumed, sla)
    assert before is not None
    assert after is not None
    assert after >= before
