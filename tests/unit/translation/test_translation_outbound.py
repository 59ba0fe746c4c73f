"""Domain events become outbound messages that validate against their published schemas."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from translation_samples import wire_document

from builders import (
    NOW,
    REPORT_ID,
    a_context,
    a_create,
    a_known_error,
    a_note,
    a_report,
    a_resource,
    a_service,
    partner_owner,
    partner_work,
    service_work,
    with_progress,
)
from problem_tracker.application.process import handle_report, handle_service_trouble
from problem_tracker.contracts.codec import encode
from problem_tracker.contracts.delegated import ServiceTroubleImpact
from problem_tracker.contracts.registry import Channel
from problem_tracker.domain.commands import (
    Cancel,
    ChangeAttributes,
    Close,
    Reopen,
    ReportCommand,
    Resolve,
    UpdateDelegatedWork,
)
from problem_tracker.domain.events import (
    PartnerProblemCancelRequested,
    PartnerProblemCloseRequested,
    PartnerProblemReopenRequested,
    PartnerProblemRequested,
    PartnerProblemUpdateRequested,
    ReportEvent,
    ReportResolved,
    StatusChanged,
)
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    InformationRequest,
    KnownErrorMatch,
    ProgressUpdate,
    ResolutionCode,
    Severity,
    Status,
    StatusChange,
)
from problem_tracker.domain.service_trouble import (
    Impact,
    LinkReport,
    ServiceTroubleCancelRequested,
    ServiceTroubleEvent,
    ServiceTroubleImpactChanged,
    ServiceTroubleRequested,
    UnlinkReport,
)
from problem_tracker.domain.sla.clock import SlaClock
from problem_tracker.domain.sla.jeopardy import JeopardyLevel
from problem_tracker.domain.sla.track import CycleOutcome, SlaMeasure, SlaTrack
from problem_tracker.translation.from_domain import (
    NOTIFICATIONS,
    SOURCE,
    MissingPartnerError,
    OutboundMessage,
    report_messages,
    service_trouble_messages,
)
from problem_tracker.translation.snapshot import sla_view, snapshot

PARTNER_REQUEST = f"SPR-{REPORT_ID}-1"
CONTEXT = a_context(owners={"res-1": partner_owner()}, known_errors=[a_known_error()])
MAPPED_REPORT_EVENTS = {
    *NOTIFICATIONS,
    PartnerProblemRequested,
    PartnerProblemCancelRequested,
    PartnerProblemUpdateRequested,
    PartnerProblemCloseRequested,
    PartnerProblemReopenRequested,
}


def _update(status: DelegatedStatus, event_id: str) -> UpdateDelegatedWork:
    return UpdateDelegatedWork(
        event_id=event_id,
        report_id=REPORT_ID,
        request_id=PARTNER_REQUEST,
        partner_id=partner_owner().id,
        update=ProgressUpdate(
            status=status, external_id="ACME-1", note="the partner replaced the card"
        ),
    )


SCENARIOS: dict[str, tuple[ReportCommand, ...]] = {
    "coordinated with a known error": (
        a_create(entities=(a_service(), a_resource()), symptom_code="NO-DIALTONE"),
    ),
    "changed then cancelled": (
        a_create(entities=(a_service(), a_resource())),
        ChangeAttributes(event_id="chg-1", report_id=REPORT_ID, priority=1, assignee="team-a"),
        Cancel(event_id="cnl-1", report_id=REPORT_ID, reason="duplicate of CPR-0"),
    ),
    "information required": (a_create(),),
    "resolved by the partner": (
        a_create(entities=(a_resource(),)),
        _update(DelegatedStatus.RESOLVED, "upd-1"),
    ),
    "closed after the partner resolved it": (
        a_create(entities=(a_resource(),)),
        _update(DelegatedStatus.RESOLVED, "upd-2"),
        Close(event_id="cls-1", report_id=REPORT_ID, reason="customer confirmed"),
    ),
    "reopened after the partner resolved it": (
        a_create(entities=(a_resource(),)),
        _update(DelegatedStatus.RESOLVED, "upd-3"),
        Reopen(event_id="rop-1", report_id=REPORT_ID, reason="still no dial tone"),
    ),
    "resolved by an operator": (
        a_create(entities=(a_service(), a_resource())),
        Resolve(
            event_id="rsv-1",
            report_id=REPORT_ID,
            resolution_code=ResolutionCode.NO_FAULT_FOUND,
            reason="line tests clean",
        ),
    ),
}


def _decided(
    commands: tuple[ReportCommand, ...],
) -> list[tuple[ReportEvent, CustomerProblemReport | None]]:
    """Every event with the report after the decision that produced it."""
    state: CustomerProblemReport | None = None
    decided: list[tuple[ReportEvent, CustomerProblemReport | None]] = []
    for command in commands:
        decision = handle_report(state, command, NOW, CONTEXT)
        state = decision.state
        decided.extend((event, state) for event in decision.events)
    return decided


def _messages(scenario: str) -> list[tuple[ReportEvent, list[OutboundMessage]]]:
    return [
        (event, report_messages(event, state)) for event, state in _decided(SCENARIOS[scenario])
    ]


def _only(messages: list[OutboundMessage]) -> dict[str, Any]:
    (message,) = messages
    return wire_document(message)


def _first(scenario: str, event_type: type[Any]) -> tuple[ReportEvent, OutboundMessage]:
    event, messages = next(
        (event, messages) for event, messages in _messages(scenario) if type(event) is event_type
    )
    (message,) = messages
    return event, message


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_outbound_message_validates_against_its_published_schema(scenario: str) -> None:
    for _, messages in _messages(scenario):
        for message in messages:
            wire_document(message)


def test_the_scenarios_produce_every_mapped_report_event() -> None:
    produced = {
        type(event) for scenario in SCENARIOS for event, messages in _messages(scenario) if messages
    }
    assert produced == MAPPED_REPORT_EVENTS


def test_internal_events_and_rejections_are_not_published_here() -> None:
    decided = [pair for commands in SCENARIOS.values() for pair in _decided(commands)]
    decided += _decided(
        (
            a_create(),
            Cancel(event_id="c1", report_id=REPORT_ID, reason="x"),
        )
    )
    decided += _decided((Cancel(event_id="c2", report_id="CPR-404", reason="unknown"),))
    unmapped = {type(event) for event, _ in decided} - MAPPED_REPORT_EVENTS

    assert {"ReportAcknowledged", "ServiceTroubleNeeded", "CommandRejected"} <= {
        kind.__name__ for kind in unmapped
    }
    for event, state in decided:
        if type(event) in unmapped:
            assert report_messages(event, state) == []


def test_a_status_change_notifies_the_snapshot_keyed_and_correlated_by_report() -> None:
    event, message = _first("information required", StatusChanged)

    doc = wire_document(message)

    assert (message.channel, message.key) == (Channel.NOTIFICATIONS, REPORT_ID)
    assert doc["eventType"] == "CustomerProblemReportStatusChangeEvent"
    assert (doc["eventId"], doc["correlationId"]) == (event.event_id, REPORT_ID)
    assert doc["eventTime"] == "2026-11-26T10:00:00Z"
    assert doc["domain"] == "CustomerProblem"
    assert doc["source"] == SOURCE.model_dump(by_alias=True)
    assert doc["event"]["customerProblemReport"]["status"] == "pending"


@pytest.mark.parametrize(
    ("scenario", "event_name", "event_type"),
    [
        ("changed then cancelled", "AttributesChanged", "AttributeValueChangeEvent"),
        ("coordinated with a known error", "KnownErrorAttached", "AttributeValueChangeEvent"),
        ("information required", "InformationRequired", "InformationRequiredEvent"),
        ("resolved by the partner", "ReportResolved", "ResolvedEvent"),
    ],
)
def test_each_notified_event_has_its_notification_type(
    scenario: str, event_name: str, event_type: str
) -> None:
    kind = next(kind for kind in NOTIFICATIONS if kind.__name__ == event_name)
    _, message = _first(scenario, kind)

    assert wire_document(message)["eventType"] == f"CustomerProblemReport{event_type}"


def test_a_partner_is_asked_to_fix_the_entity_it_owns() -> None:
    event, message = _first("coordinated with a known error", PartnerProblemRequested)

    doc = wire_document(message)

    assert (message.channel, message.key) == (Channel.PARTNER_PROBLEM_REQUESTS, PARTNER_REQUEST)
    assert (doc["eventId"], doc["correlationId"]) == (event.event_id, PARTNER_REQUEST)
    assert doc["event"]["partnerProblemReport"] == {
        "requestId": PARTNER_REQUEST,
        "affectedEntity": {"id": "res-1", "referredType": "Resource"},
        "partner": {"id": "partner-1", "name": "Partner One"},
        "customerProblemReportIds": [REPORT_ID],
        "description": "no dial tone since this morning",
        "priority": 2,
        "severity": "major",
        "requestedResolutionDate": "2026-11-26T18:00:00Z",
    }


def test_the_partner_is_asked_for_its_ola_due_time_not_the_customers_date() -> None:
    create = a_create(entities=(a_resource(),), requested_resolution_date=NOW + timedelta(days=3))
    decided = _decided((create,))
    event, state = next(pair for pair in decided if isinstance(pair[0], PartnerProblemRequested))
    assert state is not None
    assert state.sla is not None
    (leg,) = state.sla.partner_legs

    request = _only(report_messages(event, state))["event"]["partnerProblemReport"]

    assert request["requestedResolutionDate"] == leg.due_at.isoformat().replace("+00:00", "Z")
    without_sla = replace(state, sla=None)
    request = _only(report_messages(event, without_sla))["event"]["partnerProblemReport"]
    assert request["requestedResolutionDate"] == "2026-11-29T10:00:00Z"


def test_a_new_priority_is_told_to_the_partner() -> None:
    _, message = _first("changed then cancelled", PartnerProblemUpdateRequested)

    doc = wire_document(message)

    assert (message.channel, message.key) == (Channel.PARTNER_PROBLEM_REQUESTS, PARTNER_REQUEST)
    assert (doc["eventType"], doc["correlationId"]) == (
        "UpdatePartnerProblemReportRequest",
        PARTNER_REQUEST,
    )
    assert doc["event"]["partnerProblemReport"] == {
        "requestId": PARTNER_REQUEST,
        "partner": {"id": "partner-1", "name": "Partner One"},
        "customerProblemReportIds": [REPORT_ID],
        "priority": 1,
        "severity": "major",
    }


def test_a_customer_note_is_passed_to_the_partner_with_the_current_rating() -> None:
    note = a_note("the line drops every evening")
    decided = _decided(
        (
            a_create(entities=(a_resource(),)),
            ChangeAttributes(event_id="chg-2", report_id=REPORT_ID, notes=(note,)),
        )
    )
    event, state = next(p for p in decided if isinstance(p[0], PartnerProblemUpdateRequested))

    change = _only(report_messages(event, state))["event"]["partnerProblemReport"]

    assert (change["priority"], change["severity"]) == (2, "major")
    assert change["note"] == [
        {"author": note.author, "date": "2026-11-26T10:00:00Z", "text": note.text}
    ]


def test_closing_the_report_confirms_the_partners_resolution() -> None:
    _, message = _first("closed after the partner resolved it", PartnerProblemCloseRequested)

    doc = wire_document(message)

    assert (message.channel, message.key) == (Channel.PARTNER_PROBLEM_REQUESTS, PARTNER_REQUEST)
    assert doc["eventType"] == "ClosePartnerProblemReportRequest"
    assert doc["event"]["partnerProblemReport"] == {
        "requestId": PARTNER_REQUEST,
        "externalId": "ACME-1",
        "partner": {"id": "partner-1", "name": "Partner One"},
        "customerProblemReportIds": [REPORT_ID],
        "statusChangeReason": "customer confirmed",
    }


def test_reopening_the_report_reopens_the_partners_report_due_by_a_new_ola_leg() -> None:
    _, message = _first("reopened after the partner resolved it", PartnerProblemReopenRequested)

    doc = wire_document(message)

    assert (message.channel, message.key) == (Channel.PARTNER_PROBLEM_REQUESTS, PARTNER_REQUEST)
    assert doc["eventType"] == "ReopenPartnerProblemReportRequest"
    assert doc["event"]["partnerProblemReport"] == {
        "requestId": PARTNER_REQUEST,
        "externalId": "ACME-1",
        "partner": {"id": "partner-1", "name": "Partner One"},
        "customerProblemReportIds": [REPORT_ID],
        "statusChangeReason": "still no dial tone",
        "requestedResolutionDate": "2026-11-26T18:00:00Z",
    }
    requests = [
        m.envelope.event_type
        for _, messages in _messages("reopened after the partner resolved it")
        for m in messages
        if m.channel is Channel.PARTNER_PROBLEM_REQUESTS
    ]
    assert requests == ["CreatePartnerProblemReportRequest", "ReopenPartnerProblemReportRequest"]


def test_a_confirmation_for_a_request_naming_no_partner_is_refused() -> None:
    stray = PartnerProblemCloseRequested(event_id="e-1", request_id="SPR-X-1", entity=a_resource())
    with pytest.raises(MissingPartnerError):
        report_messages(stray, a_report(Status.CLOSED))


def test_cancelling_the_report_withdraws_the_partner_request_with_the_reason() -> None:
    _, message = _first("changed then cancelled", PartnerProblemCancelRequested)

    doc = wire_document(message)

    assert (message.channel, message.key) == (Channel.PARTNER_PROBLEM_REQUESTS, PARTNER_REQUEST)
    assert doc["eventType"] == "CancelPartnerProblemReportRequest"
    assert doc["event"]["partnerProblemReport"] == {
        "requestId": PARTNER_REQUEST,
        "partner": {"id": "partner-1", "name": "Partner One"},
        "customerProblemReportIds": [REPORT_ID],
        "statusChangeReason": "duplicate of CPR-0",
    }


def test_an_operator_resolve_withdraws_the_partner_request_with_its_reason() -> None:
    _, message = _first("resolved by an operator", PartnerProblemCancelRequested)

    withdrawal = wire_document(message)["event"]["partnerProblemReport"]

    assert withdrawal["statusChangeReason"] == "line tests clean"


@pytest.mark.parametrize(
    ("scenario", "code"),
    [("resolved by an operator", "noFaultFound"), ("resolved by the partner", "fixed")],
)
def test_the_resolved_notification_says_how_the_report_was_resolved(
    scenario: str, code: str
) -> None:
    _, message = _first(scenario, ReportResolved)

    report = wire_document(message)["event"]["customerProblemReport"]

    assert message.envelope.event_type == "CustomerProblemReportResolvedEvent"
    assert (report["status"], report["resolutionCode"]) == ("resolved", code)


def test_an_open_report_has_no_resolution_code() -> None:
    assert "resolutionCode" not in wire_document_of(snapshot(a_report(Status.IN_PROGRESS)))


def test_the_snapshot_names_the_assignee_and_role() -> None:
    assigned = a_report(Status.IN_PROGRESS, assignee="anna", assignee_role="second-line")

    document = wire_document_of(snapshot(assigned))

    assert (document["assignee"], document["assigneeRole"]) == ("anna", "second-line")


def test_a_pending_report_says_by_when_the_customer_should_answer() -> None:
    question = InformationRequest(
        reason="which socket?", asked_at=NOW, respond_by=NOW + timedelta(hours=48)
    )
    asked = a_report(Status.PENDING, information_request=question)

    assert wire_document_of(snapshot(asked))["respondBy"] == "2026-11-28T10:00:00Z"
    assert "respondBy" not in wire_document_of(snapshot(a_report(Status.PENDING)))


def test_a_withdrawal_names_the_partner_and_external_id_the_report_recorded() -> None:
    work = with_progress(partner_work(status=DelegatedStatus.CANCELLED), external_id="ACME-9")
    state = a_report(Status.IN_PROGRESS, delegated=(work,))
    event = PartnerProblemCancelRequested(
        event_id="e-1", report_id=REPORT_ID, request_id=PARTNER_REQUEST, entity=work.entity
    )

    withdrawal = _only(report_messages(event, state))["event"]["partnerProblemReport"]

    assert withdrawal["partner"] == {"id": "partner-1", "name": "Partner One"}
    assert withdrawal["externalId"] == "ACME-9"
    assert "statusChangeReason" not in withdrawal


def wire_document_of(report: Any) -> dict[str, Any]:
    document: dict[str, Any] = report.model_dump(mode="json", by_alias=True, exclude_none=True)
    return document


def test_a_withdrawal_naming_no_partner_is_refused() -> None:
    event = PartnerProblemCancelRequested(
        event_id="e-1", report_id=REPORT_ID, request_id="SPR-CPR-1-9", entity=a_resource()
    )

    with pytest.raises(MissingPartnerError):
        report_messages(event, a_report(Status.CANCELLED))


def test_the_snapshot_shows_history_known_error_and_current_delegated_work() -> None:
    old = service_work(request_id="STR-svc-1-1", status=DelegatedStatus.RESOLVED, cycle=1)
    state = a_report(
        Status.IN_PROGRESS,
        cycle=2,
        status_change_reason="customer rejected the fix",
        status_history=(
            StatusChange(status=Status.ACKNOWLEDGED, date=NOW - timedelta(hours=1)),
            StatusChange(status=Status.IN_PROGRESS, date=NOW, reason="work delegated"),
        ),
        known_error=KnownErrorMatch(id="KE-1", workaround="restart the line card"),
        delegated=(
            old,
            service_work(request_id="STR-svc-1-2", cycle=2),
            service_work(request_id=None, service=a_service("svc-2"), cycle=2),
            with_progress(partner_work(cycle=2), external_id="ACME-1"),
        ),
    )

    wire = snapshot(state).model_dump(by_alias=True, exclude_none=True, mode="json")

    assert wire["statusChangeReason"] == "customer rejected the fix"
    assert [change["status"] for change in wire["statusChangeHistory"]] == [
        "acknowledged",
        "inProgress",
    ]
    assert wire["statusChangeHistory"][1]["statusChangeReason"] == "work delegated"
    assert wire["knownError"] == {"id": "KE-1", "workaround": "restart the line card"}
    assert wire["serviceTroubleReport"] == [{"requestId": "STR-svc-1-2", "status": "acknowledged"}]
    assert wire["partnerProblemReport"] == [
        {"requestId": PARTNER_REQUEST, "externalId": "ACME-1", "status": "requested"}
    ]
    assert (wire["jeopardy"], wire["escalationLevel"]) == ("none", 0)


def test_a_blank_reason_is_left_out_of_the_snapshot() -> None:
    state = a_report(
        Status.IN_PROGRESS,
        status_change_reason=" ",
        status_history=(StatusChange(status=Status.IN_PROGRESS, date=NOW, reason=""),),
    )

    wire = snapshot(state).model_dump(by_alias=True, exclude_none=True)

    assert "statusChangeReason" not in wire
    assert "statusChangeReason" not in wire["statusChangeHistory"][0]


def test_the_expected_resolution_is_the_latest_estimate_of_open_work() -> None:
    state = a_report(
        Status.IN_PROGRESS,
        delegated=(
            with_progress(service_work(), expected_resolution_date=NOW + timedelta(hours=2)),
            with_progress(partner_work(), expected_resolution_date=NOW + timedelta(hours=5)),
            with_progress(
                service_work(status=DelegatedStatus.RESOLVED),
                expected_resolution_date=NOW + timedelta(hours=9),
            ),
        ),
    )

    assert sla_view(state).expected_resolution_date == NOW + timedelta(hours=5)


@pytest.mark.parametrize(
    "delegated",
    [(), (service_work(), with_progress(partner_work(), expected_resolution_date=NOW))],
    ids=["no work", "an open work without estimate"],
)
def test_the_expected_resolution_is_unknown_without_estimates_for_all_open_work(
    delegated: tuple[Any, ...],
) -> None:
    state = a_report(Status.IN_PROGRESS, delegated=delegated)

    assert sla_view(state).expected_resolution_date is None


def test_the_same_decision_always_produces_the_same_bytes() -> None:
    def published() -> list[bytes]:
        scenario = _messages("coordinated with a known error")
        return [encode(message.envelope) for _, messages in scenario for message in messages]

    assert published() == published()


def _trouble_events(*commands: LinkReport | UnlinkReport) -> list[tuple[ServiceTroubleEvent, Any]]:
    state = None
    decided: list[tuple[ServiceTroubleEvent, Any]] = []
    for command in commands:
        decision = handle_service_trouble(state, command, NOW)
        state = decision.state
        decided.extend((event, state) for event in decision.events)
    return decided


def _link(report_id: str, event_id: str) -> LinkReport:
    return LinkReport(
        event_id=event_id,
        report_id=report_id,
        service=a_service(name="Broadband 1G"),
        priority=1,
        severity=a_create().severity,
        description="no dial tone since this morning",
        requested_resolution_date=NOW + timedelta(days=1),
    )


def test_a_new_service_trouble_generation_is_requested_from_service_problem_management() -> None:
    decided = _trouble_events(_link(REPORT_ID, "lnk-1"))
    event, state = next(pair for pair in decided if isinstance(pair[0], ServiceTroubleRequested))

    message = _only_message(service_trouble_messages(event, state))
    doc = wire_document(message)

    assert (message.channel, message.key) == (Channel.SERVICE_TROUBLE_REQUESTS, "STR-svc-1-1")
    assert (doc["eventId"], doc["correlationId"]) == (event.event_id, "STR-svc-1-1")
    assert doc["event"]["serviceTroubleReport"] == {
        "requestId": "STR-svc-1-1",
        "affectedService": {"id": "svc-1", "referredType": "Service", "name": "Broadband 1G"},
        "customerProblemReportIds": [REPORT_ID],
        "description": "no dial tone since this morning",
        "priority": 1,
        "severity": "major",
        "requestedResolutionDate": "2026-11-27T10:00:00Z",
    }


def test_a_service_trouble_no_report_needs_is_withdrawn() -> None:
    unlink = UnlinkReport(event_id="unl-1", report_id=REPORT_ID, service_id="svc-1")
    decided = _trouble_events(_link(REPORT_ID, "lnk-1"), unlink)
    event, state = next(
        pair for pair in decided if isinstance(pair[0], ServiceTroubleCancelRequested)
    )

    message = _only_message(
        service_trouble_messages(
            event, replace(state, progress=replace(state.progress, external_id="SPM-5"))
        )
    )
    cancellation = wire_document(message)["event"]["serviceTroubleReport"]

    assert message.key == "STR-svc-1-1"
    assert cancellation["requestId"] == "STR-svc-1-1"
    assert cancellation["externalId"] == "SPM-5"
    assert cancellation["statusChangeReason"]


def test_a_withdrawal_of_an_older_generation_gives_no_external_id() -> None:
    event = ServiceTroubleCancelRequested(
        event_id="e-1", service_id="svc-1", request_id="STR-svc-1-1", service=a_service()
    )

    doc = wire_document(_only_message(service_trouble_messages(event, None)))

    assert "externalId" not in doc["event"]["serviceTroubleReport"]


def test_a_changed_impact_is_told_to_service_problem_management() -> None:
    impact = Impact(report_ids=("CPR-1", "CPR-2"), priority=1, severity=Severity.CRITICAL)
    event = ServiceTroubleImpactChanged(
        event_id="e-9",
        service_id="svc-1",
        occurred_at=NOW,
        request_id="STR-svc-1-1",
        service=a_service(name="Broadband 1G"),
        impact=impact,
        external_id="SPM-5",
    )

    message = _only_message(service_trouble_messages(event, None))
    doc = wire_document(message)

    assert (message.channel, message.key) == (Channel.SERVICE_TROUBLE_REQUESTS, "STR-svc-1-1")
    assert (doc["eventType"], doc["eventId"], doc["correlationId"]) == (
        "UpdateServiceTroubleReportRequest",
        "e-9",
        "STR-svc-1-1",
    )
    assert doc["event"]["serviceTroubleReport"] == {
        "requestId": "STR-svc-1-1",
        "externalId": "SPM-5",
        "affectedService": {"id": "svc-1", "referredType": "Service", "name": "Broadband 1G"},
        "customerProblemReportIds": ["CPR-1", "CPR-2"],
        "impactCount": 2,
        "priority": 1,
        "severity": "critical",
    }


def test_an_impact_without_known_ratings_leaves_them_out() -> None:
    event = ServiceTroubleImpactChanged(
        event_id="e-10",
        request_id="STR-svc-1-1",
        service=a_service(),
        impact=Impact(report_ids=("CPR-1",)),
    )

    update = wire_document(_only_message(service_trouble_messages(event, None)))

    assert "priority" not in update["event"]["serviceTroubleReport"]
    assert "severity" not in update["event"]["serviceTroubleReport"]


def test_an_impact_count_other_than_the_reports_is_refused() -> None:
    with pytest.raises(ValidationError, match="impactCount"):
        ServiceTroubleImpact(
            request_id="STR-svc-1-1",
            affected_service={"id": "svc-1", "referredType": "Service"},
            customer_problem_report_ids=["CPR-1"],
            impact_count=2,
        )


def test_links_between_aggregates_are_not_published_here() -> None:
    decided = _trouble_events(_link(REPORT_ID, "lnk-1"), _link("CPR-2", "lnk-2"))
    published = {
        ServiceTroubleRequested,
        ServiceTroubleCancelRequested,
        ServiceTroubleImpactChanged,
    }

    others = [(event, state) for event, state in decided if type(event) not in published]

    assert others
    assert all(service_trouble_messages(event, state) == [] for event, state in others)


def _only_message(messages: list[OutboundMessage]) -> OutboundMessage:
    (message,) = messages
    return message


def test_the_snapshot_shows_the_sla_measure_with_iso_durations_and_every_cycle() -> None:
    clock = SlaClock(
        cycle=2,
        cycle_start=NOW - timedelta(hours=6),
        last_customer_update=NOW,
        consumed=timedelta(hours=5, minutes=30),
        runs=((NOW - timedelta(hours=6), NOW - timedelta(minutes=30)),),
        running_since=NOW,
        breached=True,
    )
    track = SlaTrack(
        clock=clock,
        jeopardy=JeopardyLevel.BREACHED,
        due_at=NOW - timedelta(hours=1, minutes=30),
        measure=SlaMeasure(
            rule="priority-1",
            at=NOW,
            elapsed=timedelta(hours=5, minutes=30),
            remaining=timedelta(0),
            paused_for=timedelta(minutes=30),
            breached_at=NOW - timedelta(hours=2),
        ),
        completed=(
            CycleOutcome(
                cycle=1, start=NOW - timedelta(days=2), end=NOW - timedelta(days=1), met=True
            ),
        ),
    )

    wire = snapshot(a_report(Status.IN_PROGRESS, sla=track)).model_dump(
        by_alias=True, exclude_none=True, mode="json"
    )

    assert wire["jeopardy"] == "breached"
    assert wire["sla"] == {
        "rule": "priority-1",
        "dueTime": "2026-11-26T08:30:00Z",
        "elapsed": "PT5H30M",
        "remaining": "PT0S",
        "pausedFor": "PT30M",
        "breachedAt": "2026-11-26T08:00:00Z",
        "cycles": [
            {
                "cycle": 1,
                "start": "2026-11-24T10:00:00Z",
                "end": "2026-11-25T10:00:00Z",
                "met": True,
            },
            {"cycle": 2, "start": "2026-11-26T04:00:00Z"},
        ],
    }


def test_a_report_whose_sla_was_not_measured_yet_shows_no_sla() -> None:
    clock = SlaClock(cycle=1, cycle_start=NOW, last_customer_update=NOW, running_since=NOW)

    assert snapshot(a_report(sla=SlaTrack(clock=clock))).sla is None
    assert snapshot(a_report()).sla is None


def test_every_notification_of_a_decided_report_carries_its_sla() -> None:
    notifications = [
        wire_document(message)["event"]["customerProblemReport"]
        for _, messages in _messages("resolved by an operator")
        for message in messages
        if message.channel is Channel.NOTIFICATIONS
    ]

    assert notifications
    for report in notifications:
        assert report["sla"]["rule"] == "priority-2"
        assert (report["sla"]["elapsed"], report["sla"]["pausedFor"]) == ("PT0S", "PT0S")
        assert report["sla"]["cycles"][0]["start"] == "2026-11-26T10:00:00Z"
    assert notifications[-1]["sla"]["cycles"] == [
        {"cycle": 1, "start": "2026-11-26T10:00:00Z", "end": "2026-11-26T10:00:00Z", "met": True}
    ]
