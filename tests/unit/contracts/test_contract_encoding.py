"""Encoding: every message type round-trips; the wire is compact camelCase with UTC ``Z`` times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from contract_samples import LIMIT, MESSAGES, raw, sample
from pydantic import ValidationError

from problem_tracker.contracts.codec import decode_message, encode, headers_for
from problem_tracker.contracts.common import EntityRef
from problem_tracker.contracts.delegated import (
    CreateServiceTroubleReportRequest,
    ServiceTroubleRequest,
    ServiceTroubleRequestPayload,
)
from problem_tracker.contracts.envelope import DOMAIN
from problem_tracker.contracts.escalations import (
    CustomerProblemEscalationEndEvent,
    EscalationEnd,
    EscalationEndPayload,
    EscalationEndReason,
)
from problem_tracker.contracts.outcomes import Decoded
from problem_tracker.contracts.registry import MessageSpec, message_specs

ENVELOPED = [m for m in message_specs() if m.event_type is not None]
PARIS = timezone(timedelta(hours=1))


def escalation_end(moment: datetime) -> CustomerProblemEscalationEndEvent:
    return CustomerProblemEscalationEndEvent(
        event_id="esc-CPR-1-end",
        event_time=moment,
        event_type="CustomerProblemEscalationEndEvent",
        correlation_id="CPR-1",
        domain=DOMAIN,
        event=EscalationEndPayload(
            customer_problem_escalation_end=EscalationEnd(
                customer_problem_report_id="CPR-1", reason=EscalationEndReason.CLOSED
            )
        ),
    )


def test_every_message_type_has_a_sample() -> None:
    names = {m.name for m in message_specs()}

    assert names == {path.stem for path in MESSAGES.glob("*.json")}


@pytest.mark.parametrize("message", ENVELOPED, ids=lambda m: m.name)
def test_every_message_type_round_trips_through_the_wire(message: MessageSpec) -> None:
    outcome = decode_message(message.channel, raw(sample(message.name)), LIMIT)

    assert isinstance(outcome, Decoded)
    assert isinstance(outcome.message, message.model)
    assert json.loads(encode(outcome.message)) == sample(message.name)


def test_python_names_are_snake_case_and_the_wire_is_camel_case() -> None:
    body = json.loads(encode(escalation_end(datetime(2026, 11, 26, 10, tzinfo=UTC))))

    assert list(body) == ["eventId", "eventTime", "eventType", "correlationId", "domain", "event"]
    assert body["event"] == {
        "customerProblemEscalationEnd": {"customerProblemReportId": "CPR-1", "reason": "closed"}
    }


def test_times_are_encoded_in_utc_with_z() -> None:
    body = json.loads(encode(escalation_end(datetime(2026, 11, 26, 11, 0, 0, 250000, PARIS))))

    assert body["eventTime"] == "2026-11-26T10:00:00.250000Z"


def test_encoding_is_compact_and_omits_absent_optional_fields() -> None:
    encoded = encode(escalation_end(datetime(2026, 11, 26, 10, tzinfo=UTC)))

    assert b" " not in encoded
    assert b"null" not in encoded
    assert b"source" not in encoded


def test_a_naive_time_cannot_be_put_on_the_wire() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        escalation_end(datetime(2026, 11, 26, 10))


def test_a_produced_message_rejects_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="extra"):
        EscalationEnd(customer_problem_report_id="CPR-1", reason="closed", level=2)  # type: ignore[call-arg]


def test_a_service_trouble_request_is_correlated_by_its_request_id() -> None:
    request = ServiceTroubleRequest(
        request_id="STR-SVC-7-1",
        affected_service=EntityRef(id="SVC-7", referred_type="Service"),
        customer_problem_report_ids=["CPR-1"],
        description="No sync",
        priority=2,
        severity="major",
    )

    with pytest.raises(ValidationError, match="correlationId must equal the requestId"):
        CreateServiceTroubleReportRequest(
            event_id="str-1",
            event_time=datetime(2026, 11, 26, 10, tzinfo=UTC),
            event_type="CreateServiceTroubleReportRequest",
            correlation_id="CPR-1",
            domain=DOMAIN,
            event=ServiceTroubleRequestPayload(service_trouble_report=request),
        )


def test_headers_carry_the_event_type_and_json_content_type() -> None:
    assert headers_for("CustomerProblemReportResolvedEvent") == [
        ("eventType", b"CustomerProblemReportResolvedEvent"),
        ("content-type", b"application/json"),
    ]
