"""The application's handle: decide, then evolve, in one place; duplicates and clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from builders import NOW, REPORT_ID, a_context, a_create, a_report, a_service, next_event_id
from problem_tracker.application.ports import Clock, FixedClock, SystemClock
from problem_tracker.application.process import (
    handle_report,
    handle_service_trouble,
    rejections,
)
from problem_tracker.domain.commands import Hold
from problem_tracker.domain.decider import decide
from problem_tracker.domain.events import CommandRejected, RejectionCode
from problem_tracker.domain.evolution import evolve, fold
from problem_tracker.domain.report import DelegatedStatus, ProgressUpdate, Status
from problem_tracker.domain.service_trouble import ApplyServiceTroubleUpdate


def test_the_decision_holds_the_events_and_the_report_they_lead_to() -> None:
    create = a_create(entities=[a_service()])
    decision = handle_report(None, create, NOW, a_context())

    events = decide(None, create, NOW, a_context())
    assert decision.events == tuple(events)
    first = evolve(None, events[0])
    assert first is not None
    assert decision.state == fold(first, events[1:])
    assert not decision.duplicate
    assert rejections(decision) == ()


def test_a_redelivered_event_is_reported_as_a_duplicate_with_nothing_to_publish() -> None:
    hold = Hold(event_id=next_event_id(), report_id=REPORT_ID)
    first = handle_report(a_report(Status.IN_PROGRESS), hold, NOW, a_context())
    again = handle_report(first.state, hold, NOW, a_context())
    assert again.duplicate
    assert again.events == ()
    assert again.state == first.state


def test_a_rejected_command_is_what_goes_to_the_dead_letter_queue() -> None:
    hold = Hold(event_id=next_event_id(), report_id="CPR-404")
    decision = handle_report(None, hold, NOW, a_context())
    assert decision.state is None
    assert [type(r) for r in rejections(decision)] == [CommandRejected]
    assert rejections(decision)[0].code is RejectionCode.UNKNOWN_REPORT


def test_a_service_trouble_update_nobody_asked_for_is_rejected() -> None:
    update = ApplyServiceTroubleUpdate(
        event_id=next_event_id(),
        request_id="STR-svc-1-1",
        update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
    )
    decision = handle_service_trouble(None, update, NOW)
    assert decision.state is None
    assert not decision.duplicate
    assert [r.code for r in rejections(decision)] == [RejectionCode.UNKNOWN_CORRELATION]


def test_a_fixed_clock_moves_only_when_told() -> None:
    clock: Clock = FixedClock(NOW)
    assert clock.now() == NOW
    assert isinstance(clock, FixedClock)
    assert clock.advance(timedelta(minutes=5)) == NOW + timedelta(minutes=5)
    clock.set(NOW)
    assert clock.now() == NOW


def test_a_clock_refuses_a_time_without_timezone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 11, 26, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(NOW).set(datetime(2026, 11, 26, 10, 0))


def test_the_system_clock_tells_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)
