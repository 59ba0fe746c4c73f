"""The shell's SLA ticks: each deadline of a report is sent once as a ``Tick`` on the
internal report topic, even when other commands are decided for the report while the tick
is on its way, and again only for a new deadline or after a rebalance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from builders import NOW, a_report
from problem_tracker.application.ports import FixedClock
from problem_tracker.domain.commands import Tick
from problem_tracker.domain.report import CustomerProblemReport, Status
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.outbox import Outbox
from problem_tracker.streaming.ticks import TickScheduler
from recording_outbox import TOPICS, Recorder

DUE = NOW + timedelta(minutes=5)
LATER = DUE + timedelta(minutes=30)


@dataclass
class Deadlines:
    """The report's next deadline as the domain would compute it."""

    next: datetime | None = DUE

    def __call__(self, state: CustomerProblemReport) -> datetime | None:
        return self.next


def _ticks(recorder: Recorder) -> list[Tick]:
    commands = [command for _, command in recorder.commands()]
    assert all(isinstance(command, Tick) for command in commands)
    return commands


def _scheduler() -> tuple[TickScheduler, Recorder, FixedClock, Deadlines]:
    recorder, clock, deadlines = Recorder(), FixedClock(NOW), Deadlines()
    outbox = Outbox(TOPICS, recorder, Metrics(), clock, 3)
    scheduler = TickScheduler({}, deadlines, outbox, clock, Metrics())
    return scheduler, recorder, clock, deadlines


REPORT = a_report(Status.IN_PROGRESS)


async def test_a_deadline_is_ticked_once_when_it_comes() -> None:
    scheduler, recorder, clock, _ = _scheduler()
    scheduler.after_decision(REPORT.id, REPORT)
    assert await scheduler.fire_due() == 0
    clock.set(DUE)

    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    assert [(tick.report_id, tick.deadline) for tick in _ticks(recorder)] == [(REPORT.id, DUE)]


async def test_a_command_decided_while_the_tick_is_on_its_way_does_not_tick_again() -> None:
    scheduler, recorder, clock, _ = _scheduler()
    scheduler.after_decision(REPORT.id, REPORT)
    clock.set(DUE)
    await scheduler.fire_due()

    scheduler.after_decision(REPORT.id, REPORT)
    clock.advance(timedelta(seconds=5))

    assert await scheduler.fire_due() == 0
    assert len(_ticks(recorder)) == 1


async def test_the_next_deadline_after_the_tick_is_ticked_in_its_turn() -> None:
    scheduler, recorder, clock, deadlines = _scheduler()
    scheduler.after_decision(REPORT.id, REPORT)
    clock.set(DUE)
    await scheduler.fire_due()
    deadlines.next = LATER
    scheduler.after_decision(REPORT.id, REPORT)
    clock.set(LATER)

    assert await scheduler.fire_due() == 1
    assert [tick.deadline for tick in _ticks(recorder)] == [DUE, LATER]


async def test_a_deadline_that_comes_back_after_another_is_ticked_again() -> None:
    scheduler, recorder, clock, deadlines = _scheduler()
    scheduler.after_decision(REPORT.id, REPORT)
    clock.set(DUE)
    await scheduler.fire_due()
    deadlines.next = None
    scheduler.after_decision(REPORT.id, REPORT)
    deadlines.next = DUE
    scheduler.after_decision(REPORT.id, REPORT)

    assert await scheduler.fire_due() == 1
    assert [tick.deadline for tick in _ticks(recorder)] == [DUE, DUE]


async def test_a_rebalance_forgets_the_ticks_on_their_way() -> None:
    scheduler, recorder, clock, _ = _scheduler()
    scheduler.after_decision(REPORT.id, REPORT)
    clock.set(DUE)
    await scheduler.fire_due()
    scheduler.rebuild()

    scheduler.after_decision(REPORT.id, REPORT)

    assert await scheduler.fire_due() == 1
    assert len(_ticks(recorder)) == 2
