"""What a report's SLA says of itself: the rule, time used, left and paused, when it
breached; jeopardy measured again after a retroactive change; the outcome of each cycle
kept when the report is reopened."""

from __future__ import annotations

from jeopardy_builders import T0, H, M, Timeline

from builders import REPORT_ID, a_service, next_event_id
from problem_tracker.domain.commands import (
    ChangeAttributes,
    Hold,
    Reopen,
    Resolve,
    Resume,
)
from problem_tracker.domain.events import CommandRejected
from problem_tracker.domain.report import ResolutionCode
from problem_tracker.domain.sla.calendar import ZERO
from problem_tracker.domain.sla.jeopardy import JeopardyLevel
from problem_tracker.domain.sla.track import CycleOutcome, SlaMeasure

SERVICE = (a_service(),)


def _resolve(at_hours: float, timeline: Timeline) -> None:
    command = Resolve(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        resolution_code=ResolutionCode.FIXED,
        reason="fixed on site",
    )
    timeline.send(command, T0 + at_hours * H)


def _reopen(at_hours: float, timeline: Timeline) -> None:
    command = Reopen(event_id=next_event_id(), report_id=REPORT_ID, reason="still broken")
    timeline.send(command, T0 + at_hours * H)


def test_a_running_report_shows_its_rule_time_used_and_time_left() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)
    timeline.tick()  # 50 % of standard's 8 hours

    assert timeline.sla.measure == SlaMeasure(
        rule="standard", at=T0 + 4 * H, elapsed=4 * H, remaining=4 * H, paused_for=ZERO
    )


def test_time_waiting_on_the_customer_is_paused_not_used_and_pushes_the_breach_back() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)
    timeline.send(Hold(event_id=next_event_id(), report_id=REPORT_ID), T0 + H)
    timeline.send(Resume(event_id=next_event_id(), report_id=REPORT_ID), T0 + 3 * H)
    timeline.ticks_until(T0 + 10 * H + 30 * M)

    measure = timeline.sla.measure
    assert measure is not None
    assert (measure.elapsed, measure.paused_for) == (8 * H, 2 * H)
    assert measure.remaining == ZERO
    assert measure.breached_at == T0 + 10 * H
    assert timeline.sla.jeopardy is JeopardyLevel.BREACHED


def test_a_downgrade_after_the_breach_takes_the_report_out_of_breach() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE, priority=1)  # p1-incident: 4 hours
    timeline.ticks_until(T0 + 5 * H)
    assert timeline.sla.jeopardy is JeopardyLevel.BREACHED

    timeline.send(
        ChangeAttributes(event_id=next_event_id(), report_id=REPORT_ID, priority=3),
        T0 + 5 * H,
    )

    assert timeline.rule.name == "standard"
    assert timeline.sla.jeopardy is JeopardyLevel.WARNING
    assert timeline.sla.due_at == T0 + 8 * H
    measure = timeline.sla.measure
    assert measure is not None
    assert (measure.rule, measure.remaining, measure.breached_at) == ("standard", 3 * H, None)


def test_an_upgrade_measures_the_breach_from_the_start_of_the_cycle() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)
    timeline.send(
        ChangeAttributes(event_id=next_event_id(), report_id=REPORT_ID, priority=1),
        T0 + 5 * H,
    )

    measure = timeline.sla.measure
    assert measure is not None
    assert (measure.rule, measure.breached_at) == ("p1-incident", T0 + 4 * H)
    assert timeline.sla.jeopardy is JeopardyLevel.BREACHED


def test_a_rejected_command_leaves_the_measure_as_it_was() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)
    before = timeline.sla

    reopen = Reopen(event_id=next_event_id(), report_id=REPORT_ID, reason="not resolved yet")
    events = timeline.send(reopen, T0 + 2 * H)

    assert [type(event) for event in events] == [CommandRejected]
    assert timeline.sla == before


def test_each_reopen_keeps_the_cycle_that_ended_met_or_breached() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)
    _resolve(2, timeline)
    _reopen(3, timeline)
    timeline.ticks_until(T0 + 12 * H)
    _resolve(12, timeline)
    assert timeline.sla.met is False
    _reopen(13, timeline)

    assert timeline.sla.clock.cycle == 3
    assert timeline.sla.completed == (
        CycleOutcome(cycle=1, start=T0, end=T0 + 2 * H, met=True),
        CycleOutcome(cycle=2, start=T0 + 3 * H, end=T0 + 12 * H, met=False),
    )
    assert timeline.sla.met is None
