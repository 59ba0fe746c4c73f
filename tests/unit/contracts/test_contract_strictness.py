"""The contract is strict where it says so: types, ranges, enums, ids, reasons, time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from contract_samples import LIMIT, changed, customer_key, raw, sample, without

from problem_tracker.contracts.codec import decode_customer_event, decode_message
from problem_tracker.contracts.outcomes import Decoded, Rejection, RejectionCode
from problem_tracker.contracts.registry import Channel

CREATE = "CustomerProblemReportCreateEvent"
REPORT = "/event/customerProblemReport"


def rejection_path(name: str, document: dict[str, Any]) -> str | None:
    outcome = decode_customer_event(customer_key(name), raw(document), LIMIT)
    assert isinstance(outcome, Rejection), "expected a rejection"
    assert outcome.code is RejectionCode.SCHEMA_VIOLATION
    return outcome.path


def accepted(document: dict[str, Any]) -> Any:
    key = document["event"]["customerProblemReport"]["id"].encode()
    outcome = decode_customer_event(key, raw(document), LIMIT)
    assert isinstance(outcome, Decoded), outcome
    return outcome.message


@pytest.mark.parametrize("priority", ["2", True, False, 2.0, 2.5, 0, 5, -1, None])
def test_priority_is_a_json_integer_from_1_to_4(priority: object) -> None:
    document = changed(CREATE, f"{REPORT}/priority", priority)

    assert rejection_path(CREATE, document) == f"{REPORT}/priority"


@pytest.mark.parametrize("priority", [1, 2, 3, 4])
def test_every_priority_from_1_to_4_is_accepted(priority: int) -> None:
    message = accepted(changed(CREATE, f"{REPORT}/priority", priority))

    assert message.event.customer_problem_report.priority == priority


def test_a_priority_change_is_as_strict_as_a_create() -> None:
    name = "CustomerProblemReportAttributeValueChangeEvent"

    assert rejection_path(name, changed(name, f"{REPORT}/priority", "1")) == f"{REPORT}/priority"


@pytest.mark.parametrize("severity", ["blocker", "Critical", "", 1])
def test_severity_is_critical_major_or_minor(severity: object) -> None:
    document = changed(CREATE, f"{REPORT}/severity", severity)

    assert rejection_path(CREATE, document) == f"{REPORT}/severity"


@pytest.mark.parametrize(
    "pointer", ["/eventTime", f"{REPORT}/creationDate", f"{REPORT}/note/0/date"]
)
@pytest.mark.parametrize(
    "moment", ["2026-11-26T10:00:00", "2026-11-26", 1795000000, "yesterday", "26/11/2026 10:00"]
)
def test_date_times_are_iso_8601_with_a_time_zone(pointer: str, moment: object) -> None:
    assert rejection_path(CREATE, changed(CREATE, pointer, moment)) == pointer


def test_a_date_time_with_an_offset_is_kept_in_utc() -> None:
    message = accepted(changed(CREATE, "/eventTime", "2026-11-26T12:30:00+02:00"))

    assert message.event_time == datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
    assert message.event_time.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "report_id", ["", "a" * 65, "CPR 1", "CPR/1", "CPR#1", "Bericht-Ä", "CPR-1\n"]
)
def test_a_report_id_is_1_to_64_safe_characters(report_id: str) -> None:
    document = changed(CREATE, f"{REPORT}/id", report_id)
    outcome = decode_customer_event(report_id.encode(), raw(document), LIMIT)

    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.path) == (RejectionCode.SCHEMA_VIOLATION, f"{REPORT}/id")


@pytest.mark.parametrize("report_id", ["a", "A" * 64, "cpr.2026:eu_1-X"])
def test_report_ids_of_the_allowed_charset_are_accepted(report_id: str) -> None:
    message = accepted(changed(CREATE, f"{REPORT}/id", report_id))

    assert message.event.customer_problem_report.id == report_id


def test_a_description_holds_at_most_4000_characters() -> None:
    pointer = f"{REPORT}/description"
    accepted(changed(CREATE, pointer, "x" * 4000))

    assert rejection_path(CREATE, changed(CREATE, pointer, "x" * 4001)) == pointer
    assert rejection_path(CREATE, changed(CREATE, pointer, "")) == pointer


@pytest.mark.parametrize("pointer", ["/description", "/severity", "/priority", "/relatedParty"])
def test_a_create_carries_every_field_required_on_create(pointer: str) -> None:
    assert rejection_path(CREATE, without(CREATE, REPORT + pointer)) == REPORT + pointer


def test_a_create_must_name_the_customer_among_its_parties() -> None:
    document = changed(CREATE, f"{REPORT}/relatedParty/0/role", "reporter")

    assert rejection_path(CREATE, document) == f"{REPORT}/relatedParty"


def test_an_affected_entity_has_one_of_the_three_roles() -> None:
    document = changed(CREATE, f"{REPORT}/relatedEntity/0/role", "affectedCustomer")

    assert rejection_path(CREATE, document) == f"{REPORT}/relatedEntity/0/role"


@pytest.mark.parametrize(
    "name", ["CustomerProblemCancelRequestEvent", "CustomerProblemReopenRequestEvent"]
)
@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_cancel_and_reopen_must_say_why(name: str, reason: str | None) -> None:
    pointer = f"{REPORT}/statusChangeReason"
    document = without(name, pointer) if reason is None else changed(name, pointer, reason)

    assert rejection_path(name, document) == pointer


@pytest.mark.parametrize(
    "name",
    [
        "CustomerProblemHoldRequestEvent",
        "CustomerProblemResumeRequestEvent",
        "CustomerProblemReportCloseEvent",
    ],
)
def test_hold_resume_and_close_may_omit_the_reason(name: str) -> None:
    document = sample(name)
    document["event"]["customerProblemReport"].pop("statusChangeReason", None)

    assert accepted(document).event.customer_problem_report.status_change_reason is None


def test_information_provided_carries_at_least_one_note() -> None:
    name = "CustomerProblemInformationProvidedEvent"

    assert rejection_path(name, changed(name, f"{REPORT}/note", [])) == f"{REPORT}/note"


def test_isolation_completed_carries_what_isolation_found() -> None:
    name = "CustomerProblemIsolationCompletedEvent"
    pointer = f"{REPORT}/relatedEntity"

    assert rejection_path(name, without(name, pointer)) == pointer


@pytest.mark.parametrize(
    ("channel", "name", "pointer", "value"),
    [
        (
            Channel.SERVICE_TROUBLE_EVENTS,
            "ServiceTroubleReportStatusChangeEvent",
            "/event/serviceTroubleReport/status",
            "fixed",
        ),
        (
            Channel.PARTNER_PROBLEM_EVENTS,
            "PartnerProblemReportCreateEvent",
            "/event/partnerProblemReport/status",
            "inprogress",
        ),
        (Channel.KNOWN_ERRORS, "KnownErrorEvent", "/event/knownError/status", "draft"),
        (
            Channel.COMPONENT_OWNERSHIP,
            "ComponentOwnershipEvent",
            "/event/componentOwnership/owner/role",
            "vendor",
        ),
    ],
)
def test_delegated_and_reference_vocabularies_are_closed(
    channel: Channel, name: str, pointer: str, value: str
) -> None:
    outcome = decode_message(channel, raw(changed(name, pointer, value)), LIMIT)

    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.path) == (RejectionCode.SCHEMA_VIOLATION, pointer)


@pytest.mark.parametrize("elapsed", [b"1e400", b"-1"])
def test_percent_elapsed_is_a_finite_non_negative_number(elapsed: bytes) -> None:
    value = raw(sample("CustomerProblemJeopardyEvent")).replace(b"75.5", elapsed)

    outcome = decode_message(Channel.ESCALATIONS, value, LIMIT)

    assert isinstance(outcome, Rejection)
    assert outcome.path == "/event/customerProblemJeopardy/percentElapsed"


@pytest.mark.parametrize("literal", [b"Infinity", b"-Infinity", b"NaN"])
def test_non_standard_number_literals_are_not_json(literal: bytes) -> None:
    value = raw(sample("CustomerProblemJeopardyEvent")).replace(b"75.5", literal)

    outcome = decode_message(Channel.ESCALATIONS, value, LIMIT)

    assert outcome == Rejection(RejectionCode.MALFORMED_JSON, f"{literal.decode()} is not JSON")
