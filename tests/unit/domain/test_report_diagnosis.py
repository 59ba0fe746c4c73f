"""Perform Initial Diagnosis and Coordinate Customer Problem on create and isolation."""

from __future__ import annotations

from builders import (
    REPORT_ID,
    a_context,
    a_create,
    a_product,
    a_report,
    a_resource,
    a_service,
    internal_owner,
    kinds,
    next_event_id,
    partner_owner,
    run,
)
from problem_tracker.domain.commands import CompleteIsolation, Hold, ProvideInformation, Resume
from problem_tracker.domain.context import ProcessPolicy
from problem_tracker.domain.diagnosis import NO_AFFECTED_ENTITY, ask_customer, diagnose
from problem_tracker.domain.events import (
    InformationRequired,
    IsolationRecorded,
    PartnerProblemRequested,
    ServiceTroubleNeeded,
    StatusChanged,
)
from problem_tracker.domain.report import DelegatedStatus, DelegationKind, EntityRef, Status


def _isolation(*entities: EntityRef, root_cause: str | None = None) -> CompleteIsolation:
    return CompleteIsolation(
        event_id=next_event_id(), report_id=REPORT_ID, entities=entities, root_cause=root_cause
    )


def test_entities_are_split_between_internal_service_management_and_partners() -> None:
    context = a_context(
        {"svc-1": internal_owner(), "res-1": partner_owner(), "prd-1": internal_owner()},
        default_internal=False,
    )
    diagnosis = diagnose([a_service(), a_resource(), a_product(), a_service("svc-x")], context)
    assert diagnosis.internal == (a_service(), a_product())
    assert diagnosis.partner == ((a_resource(), partner_owner()),)
    assert diagnosis.ignored == (a_service("svc-x"),)


def test_an_entity_with_an_unknown_owner_is_ours_by_default() -> None:
    diagnosis = diagnose([a_product("prd-9")], a_context())
    assert diagnosis.internal == (a_product("prd-9"),)


def test_a_report_on_internal_and_partner_components_delegates_to_both() -> None:
    context = a_context({"svc-1": internal_owner(), "res-1": partner_owner()})
    report, events = run(None, a_create(entities=[a_service(), a_resource()]), context=context)

    assert kinds(events) == [
        "ReportAcknowledged",
        "StatusChanged",
        "ServiceTroubleNeeded",
        "PartnerProblemRequested",
        "StatusChanged",
    ]
    needed = events[2]
    assert isinstance(needed, ServiceTroubleNeeded)
    assert (needed.service, needed.priority) == (a_service(), 2)
    requested = events[3]
    assert isinstance(requested, PartnerProblemRequested)
    assert requested.request_id == f"SPR-{REPORT_ID}-1"
    assert requested.partner == partner_owner()
    assert report is not None
    assert report.status is Status.IN_PROGRESS
    assert [(w.kind, w.request_id, w.progress.status) for w in report.delegated] == [
        (DelegationKind.SERVICE_TROUBLE, None, DelegatedStatus.REQUESTED),
        (DelegationKind.PARTNER_PROBLEM, f"SPR-{REPORT_ID}-1", DelegatedStatus.REQUESTED),
    ]
    assert report.partner_request_count == 1


def test_each_partner_owned_entity_gets_its_own_numbered_request() -> None:
    context = a_context({"res-1": partner_owner(), "res-2": partner_owner("partner-2")})
    report, events = run(
        None, a_create(entities=[a_resource("res-1"), a_resource("res-2")]), context=context
    )
    ids = [e.request_id for e in events if isinstance(e, PartnerProblemRequested)]
    assert ids == [f"SPR-{REPORT_ID}-1", f"SPR-{REPORT_ID}-2"]
    assert report is not None
    assert report.partner_request_count == 2


def test_entities_ignored_by_policy_leave_the_report_acknowledged() -> None:
    context = a_context(default_internal=False)
    report, events = run(None, a_create(entities=[a_product()]), context=context)
    assert kinds(events) == ["ReportAcknowledged", "StatusChanged"]
    assert report is not None
    assert report.status is Status.ACKNOWLEDGED
    assert report.delegated == ()


def test_a_report_without_affected_entity_asks_the_customer() -> None:
    report, events = run(None, a_create(entities=[]))
    assert kinds(events) == [
        "ReportAcknowledged",
        "StatusChanged",
        "StatusChanged",
        "InformationRequired",
    ]
    assert isinstance(events[3], InformationRequired)
    assert events[3].reason == NO_AFFECTED_ENTITY
    assert report is not None
    assert report.status is Status.PENDING


def test_a_report_without_affected_entity_waits_for_isolation_when_the_policy_says_so() -> None:
    report, events = run(None, a_create(entities=[]), context=a_context(ask_customer=False))
    assert kinds(events) == ["ReportAcknowledged", "StatusChanged"]
    assert report is not None
    assert report.status is Status.ACKNOWLEDGED


def test_information_from_the_customer_moves_a_pending_report_on() -> None:
    pending, _ = run(None, a_create(entities=[]))
    answer = ProvideInformation(event_id=next_event_id(), report_id=REPORT_ID, notes=())
    report, events = run(pending, answer)
    assert kinds(events) == ["InformationReceived", "StatusChanged"]
    assert report is not None
    assert report.status is Status.IN_PROGRESS


def test_isolation_delegates_what_it_found_and_ends_the_wait_for_information() -> None:
    pending, _ = run(None, a_create(entities=[]))
    report, events = run(pending, _isolation(a_service(), root_cause="card failure"))

    assert kinds(events) == ["IsolationRecorded", "StatusChanged", "ServiceTroubleNeeded"]
    assert isinstance(events[1], StatusChanged)
    assert (events[1].from_status, events[1].to_status) == (Status.PENDING, Status.IN_PROGRESS)
    assert report is not None
    assert report.entities == (a_service(),)
    assert report.root_cause == "card failure"
    assert report.status is Status.IN_PROGRESS


def test_isolation_only_adds_and_delegates_new_entities() -> None:
    report, _ = run(None, a_create(entities=[a_service("svc-1")]))
    report, events = run(report, _isolation(a_service("svc-1"), a_service("svc-2")))
    recorded = events[0]
    assert isinstance(recorded, IsolationRecorded)
    assert recorded.entities == (a_service("svc-2"),)
    assert [e.service.id for e in events if isinstance(e, ServiceTroubleNeeded)] == ["svc-2"]
    assert report is not None
    assert [e.id for e in report.entities] == ["svc-1", "svc-2"]


def test_isolation_keeps_the_known_root_cause_when_it_brings_none() -> None:
    report, _ = run(a_report(Status.IN_PROGRESS, root_cause="power"), _isolation())
    assert report is not None
    assert report.root_cause == "power"


def test_isolation_during_a_hold_is_recorded_and_delegated_on_resume() -> None:
    held, _ = run(a_report(Status.PENDING), Hold(event_id=next_event_id(), report_id=REPORT_ID))
    held, events = run(held, _isolation(a_service()))
    assert kinds(events) == ["IsolationRecorded"]
    assert held is not None
    assert held.status is Status.HELD

    resumed, events = run(held, Resume(event_id=next_event_id(), report_id=REPORT_ID))
    assert kinds(events) == ["StatusChanged", "ServiceTroubleNeeded", "StatusChanged"]
    assert resumed is not None
    assert resumed.status is Status.IN_PROGRESS


def test_information_received_during_a_hold_lets_the_report_resume_in_progress() -> None:
    held, _ = run(a_report(Status.PENDING), Hold(event_id=next_event_id(), report_id=REPORT_ID))
    answer = ProvideInformation(event_id=next_event_id(), report_id=REPORT_ID, notes=())
    held, events = run(held, answer)
    assert kinds(events) == ["InformationReceived"]
    resumed, _ = run(held, Resume(event_id=next_event_id(), report_id=REPORT_ID))
    assert resumed is not None
    assert resumed.status is Status.IN_PROGRESS


def test_information_received_during_a_hold_of_a_working_report_changes_nothing_else() -> None:
    held = a_report(Status.HELD, status_before_hold=Status.ACKNOWLEDGED)
    answer = ProvideInformation(event_id=next_event_id(), report_id=REPORT_ID, notes=())
    after, _ = run(held, answer)
    assert after is not None
    assert after.status_before_hold is Status.ACKNOWLEDGED


def test_a_report_that_is_already_pending_is_not_asked_again() -> None:
    assert ask_customer(a_report(Status.PENDING), ProcessPolicy()) == []
