"""The shell's impact timers: each due impact update of a shared service trouble is sent
once as a ``SendImpact`` on the internal service-trouble topic, and again only when the
trouble asks for another instant or a rebalance may have lost it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from builders import a_service
from problem_tracker.application.ports import FixedClock
from problem_tracker.domain.report import DelegatedStatus, Progress
from problem_tracker.domain.service_trouble import SendImpact, ServiceTrouble
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.impact_timers import ImpactTimers
from problem_tracker.streaming.outbox import Outbox
from recording_outbox import TOPICS, Recorder

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
DUE = NOW + timedelta(seconds=10)


def _trouble(due: datetime | None = DUE) -> ServiceTrouble:
    return ServiceTrouble(
        service=a_service("svc-7"),
        generation=1,
        request_id="STR-svc-7-1",
        progress=Progress(status=DelegatedStatus.IN_PROGRESS),
        priority=2,
        impact_due=due,
    )


def _sent(recorder: Recorder) -> list[tuple[str, SendImpact]]:
    found = recorder.commands()
    assert all(isinstance(command, SendImpact) for _, command in found)
    return found


def _timers() -> tuple[ImpactTimers, Recorder, FixedClock]:
    recorder, clock = Recorder(), FixedClock(NOW)
    return ImpactTimers(Outbox(TOPICS, recorder, Metrics(), clock, 3), clock), recorder, clock


async def test_a_due_timer_is_sent_once_to_its_trouble_with_an_id_from_its_deadline() -> None:
    timers, recorder, clock = _timers()
    timers.after_decision("svc-7", _trouble())
    assert await timers.fire_due() == 0
    clock.set(DUE)

    assert await timers.fire_due() == 1
    assert await timers.fire_due() == 0

    [(key, timer)] = _sent(recorder)
    assert (key, timer.service_id, timer.deadline) == ("svc-7", "svc-7", DUE)
    assert timer.event_id == f"impact-{int(DUE.timestamp() * 10)}"
    assert recorder.sent[0].topic == "stc"


async def test_a_sent_timer_is_not_sent_again_while_the_trouble_still_awaits_it() -> None:
    timers, recorder, clock = _timers()
    timers.after_decision("svc-7", _trouble())
    clock.set(DUE)
    await timers.fire_due()

    timers.after_decision("svc-7", _trouble())
    clock.advance(timedelta(seconds=1))

    assert await timers.fire_due() == 0
    assert len(_sent(recorder)) == 1


async def test_a_new_instant_after_the_update_is_scheduled_afresh() -> None:
    timers, recorder, clock = _timers()
    timers.after_decision("svc-7", _trouble())
    clock.set(DUE)
    await timers.fire_due()
    timers.after_decision("svc-7", _trouble(None))
    later = DUE + timedelta(seconds=10)
    timers.after_decision("svc-7", _trouble(later))
    clock.set(later)

    assert await timers.fire_due() == 1
    assert [timer.deadline for _, timer in _sent(recorder)] == [DUE, later]


async def test_a_rebalance_sends_again_what_may_have_been_lost() -> None:
    timers, recorder, clock = _timers()
    timers.after_decision("svc-7", _trouble())
    clock.set(DUE)
    await timers.fire_due()

    timers.rebuild([("svc-7", _trouble()), ("svc-8", replace(_trouble(), impact_due=None))])

    assert len(timers.index) == 1
    assert await timers.fire_due() == 1
    assert len(_sent(recorder)) == 2


async def test_a_trouble_gone_or_without_a_timer_is_unscheduled() -> None:
    timers, _, clock = _timers()
    timers.after_decision("svc-7", _trouble())
    timers.after_decision("svc-7", None)
    clock.set(DUE)
    assert await timers.fire_due() == 0
    assert len(timers.index) == 0
