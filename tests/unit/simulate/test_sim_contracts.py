"""Every message the simulator sends as good traffic is one the processor accepts, and
every deliberately bad one is rejected for the reason it was built to show."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from problem_tracker.contracts.codec import (
    decode_customer_event,
    decode_delegated_event,
    decode_reference,
    encode,
)
from problem_tracker.contracts.delegated import (
    CancelPartnerProblemReportRequest,
    CreatePartnerProblemReportRequest,
    CreateServiceTroubleReportRequest,
)
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import (
    Decoded,
    DelegatedKind,
    Deletion,
    ReferenceKind,
    Rejection,
)
from problem_tracker.simulate import messages as m
from problem_tracker.simulate.customers import CustomerSide, Due
from problem_tracker.simulate.faults import BadKind, bad_input
from problem_tracker.simulate.plans import Action
from problem_tracker.simulate.responders import ResponderPolicy, Responders
from problem_tracker.simulate.scenario import ScenarioGenerator

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
MAX_BYTES = 256 * 1024
LIMITS = DecodeLimits(max_message_bytes=MAX_BYTES)
DECODED_BY_THE_PROCESS = {
    BadKind.ILLEGAL_TRANSITION,
    BadKind.UNKNOWN_REPORT,
    BadKind.UNKNOWN_CORRELATION,
    BadKind.DUPLICATE_EVENT,
}


def _key(message: m.SimMessage) -> bytes | None:
    return None if message.key is None else message.key.encode()


def _decode(message: m.SimMessage) -> object:
    key, value = _key(message), m.value_bytes(message)
    match message.topic:
        case m.Topic.CUSTOMER_EVENTS:
            return decode_customer_event(key, value, LIMITS)
        case m.Topic.SERVICE_TROUBLE_EVENTS:
            return decode_delegated_event(DelegatedKind.SERVICE_TROUBLE, key, value, LIMITS)
        case m.Topic.PARTNER_PROBLEM_EVENTS:
            return decode_delegated_event(DelegatedKind.PARTNER_PROBLEM, key, value, LIMITS)
        case m.Topic.KNOWN_ERRORS:
            return decode_reference(ReferenceKind.KNOWN_ERRORS, key, value, LIMITS)
        case _:
            return decode_reference(ReferenceKind.COMPONENT_OWNERSHIP, key, value, LIMITS)


def _assert_accepted(message: m.SimMessage) -> None:
    outcome = _decode(message)
    assert isinstance(outcome, Decoded | Deletion), (message.label, outcome)


def test_reference_data_decodes_and_the_withdrawal_is_a_deletion() -> None:
    messages = ScenarioGenerator(1).reference_data(NOW)
    for message in messages:
        _assert_accepted(message)
    assert isinstance(_decode(messages[-1]), Deletion)


def test_every_created_report_decodes() -> None:
    generator = ScenarioGenerator(3)
    for plan in generator.plans(300):
        _assert_accepted(generator.create(plan, NOW))


def test_every_customer_action_decodes() -> None:
    generator = ScenarioGenerator(3)
    side = CustomerSide(generator.ids, seed=3)
    for plan in generator.plans(40):
        side.created(plan, at=0.0)
        details = {Action.AMEND: 1, Action.PROVIDE_INFORMATION: "It is the home line."}
        for step in plan.follow_ups:
            details[step.action] = step.detail
        for action in Action:
            detail = details.get(action, "A reason.")
            _, message = side.render(Due(0.0, plan.report_id, action, detail), NOW)
            assert message is not None
            _assert_accepted(message)


def _processor_request(model: type, event_type: str, resource_name: str, resource: dict) -> bytes:
    envelope = model.model_validate_json(
        json.dumps(
            {
                "eventId": "out-1",
                "eventTime": "2026-11-26T10:00:00Z",
                "eventType": event_type,
                "correlationId": resource["requestId"],
                "domain": "CustomerProblem",
                "event": {resource_name: resource},
            }
        )
    )
    return encode(envelope)


SERVICE = {"id": "svc-broadband-1", "referredType": "Service"}
PARTNER = {"id": "partner-fibreco", "name": "FibreCo"}
ORDER = {"customerProblemReportIds": ["CPR-1"], "description": "No sync", "priority": 2}


def test_answers_to_the_processor_s_requests_decode() -> None:
    create_str = _processor_request(
        CreateServiceTroubleReportRequest,
        "CreateServiceTroubleReportRequest",
        "serviceTroubleReport",
        {"requestId": "REQ-1", "affectedService": SERVICE, "severity": "major", **ORDER},
    )
    create_ppr = _processor_request(
        CreatePartnerProblemReportRequest,
        "CreatePartnerProblemReportRequest",
        "partnerProblemReport",
        {
            "requestId": "REQ-2",
            "affectedEntity": SERVICE,
            "partner": PARTNER,
            "severity": "minor",
            **ORDER,
        },
    )
    cancel_ppr = _processor_request(
        CancelPartnerProblemReportRequest,
        "CancelPartnerProblemReportRequest",
        "partnerProblemReport",
        {"requestId": "REQ-2", "partner": PARTNER, "statusChangeReason": "Cancelled."},
    )
    for reject_rate in (0.0, 1.0):
        responders = Responders(ResponderPolicy(reject_rate=reject_rate))
        assert responders.on_request(m.SERVICE_TROUBLE, create_str, at=0.0, now=NOW)
        assert responders.on_request(m.PARTNER_PROBLEM, create_ppr, at=0.0, now=NOW)
        assert responders.on_request(m.PARTNER_PROBLEM, cancel_ppr, at=0.01, now=NOW)
        answers = responders.due(1000.0, NOW)
        assert {a.event_type for a in answers} >= {
            "ServiceTroubleReportCreateEvent",
            "ServiceTroubleReportStatusChangeEvent",
            "PartnerProblemReportStatusChangeEvent",
        }
        for answer in answers:
            _assert_accepted(answer)


@pytest.mark.parametrize("kind", list(BadKind))
def test_bad_input_is_rejected_for_the_reason_it_shows(kind: BadKind) -> None:
    generator = ScenarioGenerator(5)
    plan = replace(next(generator.plans(1)), known_error=None)
    create = generator.create(plan, NOW)
    message = bad_input(
        kind,
        event_id="bad-1",
        now=NOW,
        report_id=plan.report_id,
        sent_create=create,
        max_bytes=MAX_BYTES,
    )
    outcome = _decode(message)
    if kind in DECODED_BY_THE_PROCESS:
        assert isinstance(outcome, Decoded), outcome
    else:
        assert isinstance(outcome, Rejection)
        assert outcome.code.value == kind.expected_code
    assert message.label == kind.value
