"""Start: creating a report, changing its attributes, redeliveries and unknown reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from builders import (
    NOW,
    REPORT_ID,
    a_context,
    a_create,
    a_customer,
    a_note,
    a_report,
    a_service,
    kinds,
    next_event_id,
    run,
)
from problem_tracker.domain.commands import ChangeAttributes, Hold, Tick
from problem_tracker.domain.decider import decide
from problem_tracker.domain.events import (
    AttributesChanged,
    CommandRejected,
    RejectionCode,
    ReportAcknowledged,
    StatusChanged,
)
from problem_tracker.domain.evolution import evolve
from problem_tracker.domain.identity import SeenEvent
from problem_tracker.domain.report import RECENT_EVENT_LIMIT, Severity, Status


def test_a_new_report_is_acknowledged_with_what_the_customer_said() -> None:
    create = a_create(entities=[a_service()], symptom_code="NO-DIALTONE", notes=(a_note(),))

    report, events = run(None, create, context=a_context(default_internal=False))

    assert kinds(events) == ["ReportAcknowledged", "StatusChanged"]
    assert report is not None
    assert report.status is Status.ACKNOWLEDGED
    assert report.description == create.description
    assert report.symptom_code == "NO-DIALTONE"
    assert report.notes == (a_note(),)
    assert report.cycle == 1
    assert [change.status for change in report.status_history] == [Status.ACKNOWLEDGED]
    assert report.status_change_date == NOW


def test_the_creation_date_is_the_customers_when_given_and_now_otherwise() -> None:
    given = NOW - timedelta(days=1)
    dated, _ = run(None, a_create(creation_date=given, entities=[a_service()]))
    undated, _ = run(None, a_create(entities=[a_service()]))
    assert dated is not None
    assert undated is not None
    assert dated.creation_date == given
    assert undated.creation_date == NOW


def test_an_entity_named_twice_is_kept_once() -> None:
    report, _ = run(None, a_create(entities=[a_service("svc-1"), a_service("svc-1", "again")]))
    assert report is not None
    assert report.entities == (a_service("svc-1"),)


def test_every_event_carries_the_report_the_time_and_its_cause() -> None:
    create = a_create(entities=[a_service()])
    events = decide(None, create, NOW, a_context())
    assert {(e.report_id, e.occurred_at, e.caused_by) for e in events} == {
        (REPORT_ID, NOW, create.event_id)
    }
    assert len({e.event_id for e in events}) == len(events)


def test_creating_a_report_that_exists_is_an_illegal_transition() -> None:
    report, events = run(a_report(Status.IN_PROGRESS), a_create())
    assert kinds(events) == ["CommandRejected"]
    assert isinstance(events[0], CommandRejected)
    assert events[0].code is RejectionCode.ILLEGAL_TRANSITION
    assert report is not None
    assert report.status is Status.IN_PROGRESS


def test_a_command_for_an_unknown_report_is_rejected_and_creates_nothing() -> None:
    hold = Hold(event_id=next_event_id(), report_id="CPR-404", reason="why not")
    report, events = run(None, hold)
    assert report is None
    assert len(events) == 1
    assert isinstance(events[0], CommandRejected)
    assert events[0].code is RejectionCode.UNKNOWN_REPORT
    assert events[0].report_id == "CPR-404"


def test_a_timer_of_a_report_we_do_not_have_is_rejected_as_unknown_report() -> None:
    tick = Tick(event_id=next_event_id(), report_id="CPR-404", deadline=NOW)
    state, events = run(None, tick)
    assert state is None
    assert [(type(e).__name__, e.code) for e in events] == [  # type: ignore[attr-defined]
        ("CommandRejected", RejectionCode.UNKNOWN_REPORT)
    ]


def test_a_redelivered_command_produces_nothing() -> None:
    hold = Hold(event_id=next_event_id(), report_id=REPORT_ID, reason="on holiday")
    held, first = run(a_report(Status.IN_PROGRESS), hold)
    again, second = run(held, hold)
    assert kinds(first) == ["StatusChanged"]
    assert second == []
    assert again == held


def test_a_redelivered_rejected_command_is_not_rejected_twice() -> None:
    create = a_create()
    state, first = run(a_report(), create)
    _, second = run(state, create)
    assert kinds(first) == ["CommandRejected"]
    assert second == []


def test_only_the_most_recent_inbound_event_ids_are_remembered() -> None:
    old = [f"old-{n}" for n in range(RECENT_EVENT_LIMIT)]
    state = a_report(recent_events=tuple(SeenEvent(event_id=event_id) for event_id in old))
    state, _ = run(state, Hold(event_id="newest", report_id=REPORT_ID))
    assert state is not None
    assert len(state.recent_event_ids) == RECENT_EVENT_LIMIT
    assert state.recent_event_ids[-1] == "newest"
    assert "old-0" not in state.recent_event_ids


def test_changed_attributes_are_recorded_and_notes_appended() -> None:
    change = ChangeAttributes(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        severity=Severity.CRITICAL,
        priority=1,
        parties=(a_customer("cust-2"),),
        entities=(a_service("svc-9"), a_service("svc-9")),
        notes=(a_note("also no internet"),),
        assignee="agent-7",
        description="no dial tone and no internet",
        ticket_type="complaint",
    )
    state, events = run(a_report(Status.IN_PROGRESS, notes=(a_note(),)), change)

    assert isinstance(events[0], AttributesChanged)
    assert events[0].changed == (
        "description",
        "severity",
        "priority",
        "ticket_type",
        "parties",
        "entities",
        "assignee",
        "notes",
    )
    assert state is not None
    assert state.severity is Severity.CRITICAL
    assert state.priority == 1
    assert state.entities == (a_service("svc-9"),)
    assert state.assignee == "agent-7"
    assert state.notes == (a_note(), a_note("also no internet"))
    assert state.status is Status.IN_PROGRESS


def test_attributes_given_with_their_current_values_are_not_a_change() -> None:
    report = a_report(Status.IN_PROGRESS)
    same = ChangeAttributes(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        severity=report.severity,
        priority=report.priority,
    )
    state, events = run(report, same)
    assert events == []
    assert state == report


def test_only_the_really_changed_attributes_are_named() -> None:
    change = ChangeAttributes(event_id=next_event_id(), report_id=REPORT_ID, priority=4)
    _, events = run(a_report(Status.IN_PROGRESS), change)
    assert isinstance(events[0], AttributesChanged)
    assert events[0].changed == ("priority",)
    assert events[0].severity is None


def test_only_an_acknowledgement_brings_a_report_into_being() -> None:
    stray = StatusChanged(from_status=None, to_status=Status.ACKNOWLEDGED)
    assert evolve(None, stray) is None


def test_an_acknowledgement_always_describes_a_fresh_report() -> None:
    acknowledged = ReportAcknowledged(
        report_id=REPORT_ID,
        caused_by="evt-x",
        description="d",
        severity=Severity.MINOR,
        priority=3,
        creation_date=NOW,
    )
    fresh = evolve(replace(a_report(Status.RESOLVED), cycle=3), acknowledged)
    assert fresh is not None
    assert (fresh.status, fresh.cycle, fresh.recent_event_ids) == (
        Status.ACKNOWLEDGED,
        1,
        ("evt-x",),
    )


def test_decide_itself_ignores_a_redelivered_command() -> None:
    hold = Hold(event_id=next_event_id(), report_id=REPORT_ID)
    held, _ = run(a_report(Status.IN_PROGRESS), hold)
    assert decide(held, hold, NOW, a_context()) == []


def test_one_inbound_event_fanned_out_to_two_reports_yields_distinct_event_ids() -> None:
    shared_id = next_event_id()
    first = decide(
        a_report(id="CPR-A"), Hold(event_id=shared_id, report_id="CPR-A"), NOW, a_context()
    )
    second = decide(
        a_report(id="CPR-B"), Hold(event_id=shared_id, report_id="CPR-B"), NOW, a_context()
    )
    assert first[0].event_id != second[0].event_id
