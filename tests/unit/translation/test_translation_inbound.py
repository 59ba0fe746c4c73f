"""Inbound wire messages become the domain commands and reference data they mean."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from translation_samples import envelope

from problem_tracker.contracts.inbound import CustomerEvent
from problem_tracker.contracts.registry import Channel, channel_spec, members
from problem_tracker.domain import commands
from problem_tracker.domain.report import (
    DelegatedStatus,
    EntityRef,
    EntityRole,
    KnownError,
    KnownErrorStatus,
    Note,
    Owner,
    OwnerRole,
    Party,
    ResolutionCode,
    Severity,
)
from problem_tracker.domain.service_trouble import ApplyServiceTroubleUpdate
from problem_tracker.translation.to_domain import (
    customer_command,
    delegated_command,
    known_error_entry,
    ownership_entry,
    partner_update,
    service_of_update,
    service_trouble_update,
)

COMMAND_OF = {
    "CustomerProblemReportCreateEvent": commands.CreateReport,
    "CustomerProblemReportAttributeValueChangeEvent": commands.ChangeAttributes,
    "CustomerProblemIsolationCompletedEvent": commands.CompleteIsolation,
    "CustomerProblemInformationProvidedEvent": commands.ProvideInformation,
    "CustomerProblemHoldRequestEvent": commands.Hold,
    "CustomerProblemResumeRequestEvent": commands.Resume,
    "CustomerProblemCancelRequestEvent": commands.Cancel,
    "CustomerProblemReopenRequestEvent": commands.Reopen,
    "CustomerProblemReportCloseEvent": commands.Close,
    "CustomerProblemResolveRequestEvent": commands.Resolve,
    "CustomerProblemEscalationAcknowledgeEvent": commands.AcknowledgeEscalation,
    "CustomerProblemRedelegateRequestEvent": commands.Redelegate,
    "CustomerProblemInformationRequestEvent": commands.RequestInformation,
    "CustomerProblemReportAssignEvent": commands.Assign,
}
SERVICE = EntityRef(
    id="SVC-broadband-7",
    referred_type="Service",
    role=EntityRole.AFFECTED_SERVICE,
    name="Broadband 1G",
)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 26, hour, minute, tzinfo=UTC)


def test_every_customer_event_type_has_its_command() -> None:
    names = {model.__name__ for model in members(CustomerEvent)}
    assert names == set(COMMAND_OF)


@pytest.mark.parametrize(("name", "command_type"), COMMAND_OF.items())
def test_a_customer_event_addresses_its_report_with_its_event_id(
    name: str, command_type: type[commands.CommandBase]
) -> None:
    message = envelope(name, id="CPR-7")

    command = customer_command(message)

    assert type(command) is command_type
    assert command.event_id == message.event_id
    assert command.report_id == "CPR-7"


def test_a_create_event_carries_everything_the_customer_told() -> None:
    command = customer_command(envelope("CustomerProblemReportCreateEvent"))

    assert command == commands.CreateReport(
        event_id="evt-0001",
        report_id="CPR-1001",
        description="No internet access since this morning",
        severity=Severity.MAJOR,
        priority=2,
        ticket_type="incident",
        symptom_code="NO-SYNC",
        creation_date=at(9, 55),
        requested_resolution_date=datetime(2026, 11, 27, 9, 55, tzinfo=UTC),
        parties=(Party(role="customer", id="CUST-42", name="Ada Lovelace", segment="gold"),),
        entities=(SERVICE,),
        notes=(
            Note(author="agent-17", date=at(9, 58), text="Customer reports no sync since 08:00."),
        ),
    )


def test_an_attribute_change_leaves_absent_fields_unchanged() -> None:
    command = customer_command(envelope("CustomerProblemReportAttributeValueChangeEvent"))

    assert isinstance(command, commands.ChangeAttributes)
    assert (command.severity, command.priority, command.assignee) == (
        Severity.CRITICAL,
        1,
        "team-access-eu",
    )
    assert (command.description, command.parties, command.entities) == (None, None, None)
    assert [note.text for note in command.notes] == ["Business customer, shop closed."]


def test_an_attribute_change_without_notes_appends_none() -> None:
    message = envelope("CustomerProblemReportAttributeValueChangeEvent", note=None)

    command = customer_command(message)

    assert isinstance(command, commands.ChangeAttributes)
    assert command.notes == ()


def test_an_attribute_change_can_replace_parties_and_entities() -> None:
    message = envelope(
        "CustomerProblemReportAttributeValueChangeEvent",
        relatedParty=[{"role": "customer", "id": "CUST-9"}],
        relatedEntity=[{"role": "affectedProduct", "id": "PRD-1", "referredType": "Product"}],
    )

    command = customer_command(message)

    assert isinstance(command, commands.ChangeAttributes)
    assert command.parties == (Party(role="customer", id="CUST-9"),)
    assert command.entities == (
        EntityRef(id="PRD-1", referred_type="Product", role=EntityRole.AFFECTED_PRODUCT),
    )


def test_isolation_brings_the_entities_it_found_and_the_root_cause() -> None:
    command = customer_command(envelope("CustomerProblemIsolationCompletedEvent"))

    assert isinstance(command, commands.CompleteIsolation)
    assert command.entities == (
        SERVICE,
        EntityRef(id="OLT-12-port-3", referred_type="Resource", role=EntityRole.AFFECTED_RESOURCE),
    )
    assert command.root_cause == "OLT line card fault"


def test_information_provided_brings_the_customers_notes() -> None:
    command = customer_command(envelope("CustomerProblemInformationProvidedEvent"))

    assert isinstance(command, commands.ProvideInformation)
    assert command.notes == (
        Note(
            author="CUST-42",
            date=at(11),
            text="Router was restarted, the DSL light is still red.",
        ),
    )


@pytest.mark.parametrize(
    "name",
    [
        "CustomerProblemHoldRequestEvent",
        "CustomerProblemResumeRequestEvent",
        "CustomerProblemCancelRequestEvent",
        "CustomerProblemReopenRequestEvent",
        "CustomerProblemReportCloseEvent",
        "CustomerProblemResolveRequestEvent",
    ],
)
def test_a_status_request_keeps_its_reason(name: str) -> None:
    command = customer_command(envelope(name, statusChangeReason="because the customer said so"))

    assert getattr(command, "reason", None) == "because the customer said so"


@pytest.mark.parametrize(
    ("fields", "code", "keep"),
    [
        (
            {"resolutionCode": "noFaultFound", "keepDelegatedWork": False},
            ResolutionCode.NO_FAULT_FOUND,
            False,
        ),
        (
            {"resolutionCode": "workaround", "keepDelegatedWork": True},
            ResolutionCode.WORKAROUND,
            True,
        ),
        (
            {"resolutionCode": "duplicate", "keepDelegatedWork": False},
            ResolutionCode.DUPLICATE,
            False,
        ),
    ],
)
def test_an_operator_resolve_brings_its_code_and_whether_to_keep_the_work(
    fields: dict[str, object], code: ResolutionCode, keep: bool
) -> None:
    message = envelope("CustomerProblemResolveRequestEvent", **fields)

    command = customer_command(message)

    assert isinstance(command, commands.Resolve)
    assert (command.resolution_code, command.keep_delegated_work) == (code, keep)


@pytest.mark.parametrize(
    "name",
    [
        "CustomerProblemHoldRequestEvent",
        "CustomerProblemResumeRequestEvent",
        "CustomerProblemReportCloseEvent",
    ],
)
def test_a_hold_resume_or_close_may_give_no_reason(name: str) -> None:
    command = customer_command(envelope(name, statusChangeReason=None))

    assert getattr(command, "reason", "missing") is None


@pytest.mark.parametrize(
    "name", ["ServiceTroubleReportCreateEvent", "ServiceTroubleReportStatusChangeEvent"]
)
def test_a_service_problem_management_answer_updates_the_request_it_correlates(
    name: str,
) -> None:
    message = envelope(name)

    command = service_trouble_update(message)

    assert isinstance(command, ApplyServiceTroubleUpdate)
    assert (command.event_id, command.request_id) == (message.event_id, "STR-SVC-broadband-7-1")
    assert command.update.external_id == "SPM-TT-5521"


def test_an_accepted_service_trouble_is_acknowledged_with_its_estimate() -> None:
    command = service_trouble_update(envelope("ServiceTroubleReportCreateEvent"))

    assert command.update.status is DelegatedStatus.ACKNOWLEDGED
    assert command.update.expected_resolution_date == at(16)
    assert command.update.note is None


def test_a_service_trouble_status_change_brings_reason_and_notes() -> None:
    message = envelope(
        "ServiceTroubleReportStatusChangeEvent",
        note=[
            {"author": "tech-3", "date": "2026-11-26T14:30:00Z", "text": "Card swapped."},
            {"author": "tech-3", "date": "2026-11-26T14:35:00Z", "text": "Port 3 in sync."},
        ],
    )

    command = service_trouble_update(message)

    assert command.update.status is DelegatedStatus.RESOLVED
    assert command.update.reason == "Line card replaced"
    assert command.update.note == "Card swapped.\nPort 3 in sync."


@pytest.mark.parametrize(
    ("correlation_id", "service_id"),
    [
        ("STR-SVC-broadband-7-1", "SVC-broadband-7"),
        ("STR-svc-1-12", "svc-1"),
        ("SPR-CPR-1-1", None),
        ("STR-12", None),
        ("spm-ticket-9", None),
    ],
)
def test_an_answer_routes_to_the_service_owning_the_request(
    correlation_id: str, service_id: str | None
) -> None:
    message = envelope("ServiceTroubleReportStatusChangeEvent", correlation_id=correlation_id)

    assert service_of_update(message) == service_id


@pytest.mark.parametrize(
    "name", ["PartnerProblemReportCreateEvent", "PartnerProblemReportStatusChangeEvent"]
)
def test_a_partner_answer_updates_the_report_that_asked(name: str) -> None:
    message = envelope(name)

    command = partner_update(message)

    assert isinstance(command, commands.UpdateDelegatedWork)
    assert (command.event_id, command.report_id) == (message.event_id, "CPR-1001")
    assert (command.request_id, command.update.external_id) == ("SPR-CPR-1001-1", "ACME-INC-331")


def test_a_partner_rejection_keeps_its_reason() -> None:
    command = partner_update(envelope("PartnerProblemReportStatusChangeEvent"))

    assert command is not None
    assert command.update.status is DelegatedStatus.REJECTED
    assert command.update.reason == "Not our equipment"


@pytest.mark.parametrize(
    "correlation_id", ["STR-SVC-broadband-7-1", "SPR-1001", "SPR--1", "acme-331", "SPR-x-1a"]
)
def test_a_partner_answer_to_no_request_of_ours_is_not_a_command(correlation_id: str) -> None:
    message = envelope("PartnerProblemReportStatusChangeEvent", correlation_id=correlation_id)

    assert partner_update(message) is None


def test_component_ownership_names_who_fixes_the_entity() -> None:
    entity_id, owner = ownership_entry(envelope("ComponentOwnershipEvent"))

    assert entity_id == "OLT-12-port-3"
    assert owner == Owner(id="ACME", role=OwnerRole.PARTNER, name="Acme Access Networks")


def test_a_known_error_of_a_service_matches_reports_of_that_service() -> None:
    error = known_error_entry(envelope("KnownErrorEvent"))

    assert error == KnownError(
        id="KE-2026-17",
        symptom_code="NO-SYNC",
        workaround="Power-cycle the ONT for 30 seconds",
        affected_service=EntityRef(
            id="SVC-broadband-7", referred_type="Service", role=EntityRole.AFFECTED_SERVICE
        ),
        status=KnownErrorStatus.ACTIVE,
    )


def test_a_retired_known_error_without_service_or_workaround() -> None:
    message = envelope("KnownErrorEvent", status="retired", affectedService=None, workaround=None)

    error = known_error_entry(message)

    assert (error.status, error.affected_service, error.workaround) == (
        KnownErrorStatus.RETIRED,
        None,
        None,
    )


def test_the_customer_channel_carries_only_events_with_a_command() -> None:
    models = members(channel_spec(Channel.CUSTOMER_EVENTS).value_type)
    assert {model.__name__ for model in models} == set(COMMAND_OF)


def test_a_partner_answer_says_which_partner_answered() -> None:
    command = partner_update(envelope("PartnerProblemReportStatusChangeEvent"))

    assert command is not None
    assert command.partner_id == "acme"


def test_a_partner_answer_without_source_names_no_partner() -> None:
    message = envelope("PartnerProblemReportStatusChangeEvent")

    command = partner_update(message.model_copy(update={"source": None}))

    assert command is not None
    assert command.partner_id is None


def test_service_problem_management_news_names_no_partner() -> None:
    message = envelope("ServiceTroubleReportStatusChangeEvent")

    routed = delegated_command(message)

    assert isinstance(routed, tuple)
    assert isinstance(routed[1], ApplyServiceTroubleUpdate)


@pytest.mark.parametrize(("level", "expected"), [({"level": 1}, 1), ({"level": None}, None)])
def test_an_escalation_acknowledgement_brings_who_and_the_level(
    level: dict[str, object], expected: int | None
) -> None:
    message = envelope(
        "CustomerProblemEscalationAcknowledgeEvent", acknowledgedBy="duty-manager-anna", **level
    )

    command = customer_command(message)

    assert isinstance(command, commands.AcknowledgeEscalation)
    assert (command.acknowledged_by, command.level) == ("duty-manager-anna", expected)


def test_a_redelegation_names_the_failed_request_and_where_it_goes_now() -> None:
    command = customer_command(envelope("CustomerProblemRedelegateRequestEvent"))

    assert isinstance(command, commands.Redelegate)
    assert command.request_id == "SPR-CPR-1001-1"
    assert command.partner == Owner(
        id="partner-backbone-2", role=OwnerRole.PARTNER, name="Backbone Two"
    )
    assert command.entity == EntityRef(
        id="RES-fibre-22",
        referred_type="Resource",
        role=EntityRole.AFFECTED_RESOURCE,
        name="Fibre span 22",
    )


def test_a_redelegation_without_a_destination_goes_where_the_work_went() -> None:
    message = envelope("CustomerProblemRedelegateRequestEvent", partner=None, affectedEntity=None)

    command = customer_command(message)

    assert isinstance(command, commands.Redelegate)
    assert (command.request_id, command.partner, command.entity) == ("SPR-CPR-1001-1", None, None)


@pytest.mark.parametrize(
    ("respond_by", "expected"),
    [("2026-11-28T10:00:00Z", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)), (None, None)],
)
def test_an_information_request_brings_the_question_and_the_deadline(
    respond_by: str | None, expected: datetime | None
) -> None:
    message = envelope("CustomerProblemInformationRequestEvent", respondBy=respond_by)

    command = customer_command(message)

    assert isinstance(command, commands.RequestInformation)
    assert (command.reason, command.respond_by) == (
        "Which socket is the router plugged into?",
        expected,
    )


@pytest.mark.parametrize(
    ("assignee", "expected"),
    [
        ({"id": "anna.schmidt", "role": "second-line"}, ("anna.schmidt", "second-line")),
        ({"id": "bob"}, ("bob", None)),
    ],
)
def test_an_assignment_names_who_and_the_role(
    assignee: dict[str, str], expected: tuple[str, str | None]
) -> None:
    command = customer_command(envelope("CustomerProblemReportAssignEvent", assignee=assignee))

    assert isinstance(command, commands.Assign)
    assert (command.assignee, command.role) == expected
