"""Decoding inbound records: every rejection code, with the path of the first bad field."""

from __future__ import annotations

import pytest
from contract_samples import LIMIT, changed, customer_key, raw, sample, without

from problem_tracker.contracts.codec import (
    decode_customer_event,
    decode_delegated_event,
    decode_message,
    decode_reference,
    json_pointer,
)
from problem_tracker.contracts.inbound import CustomerProblemReportCreateEvent
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import (
    Decoded,
    DelegatedKind,
    Deletion,
    ReferenceKind,
    Rejection,
    RejectionCode,
)
from problem_tracker.contracts.reference import ComponentOwnershipEvent, KnownErrorEvent
from problem_tracker.contracts.registry import Channel

CREATE = "CustomerProblemReportCreateEvent"
KEY = customer_key(CREATE)
REPORT = "/event/customerProblemReport"


def create_bytes() -> bytes:
    return raw(sample(CREATE))


CUSTOMER_REJECTIONS = [
    pytest.param(KEY, None, RejectionCode.MALFORMED_JSON, None, id="no-value"),
    pytest.param(KEY, b"", RejectionCode.MALFORMED_JSON, None, id="empty-value"),
    pytest.param(KEY, b'{"eventId": ', RejectionCode.MALFORMED_JSON, None, id="truncated-json"),
    pytest.param(KEY, b"\xff\xfe{}", RejectionCode.MALFORMED_JSON, None, id="not-utf8"),
    pytest.param(KEY, b'{"a":"\\ud800"}', RejectionCode.MALFORMED_JSON, None, id="lone-surrogate"),
    pytest.param(KEY, b"[]", RejectionCode.SCHEMA_VIOLATION, "", id="json-array"),
    pytest.param(KEY, b'"text"', RejectionCode.SCHEMA_VIOLATION, "", id="json-string"),
    pytest.param(
        KEY,
        raw(without(CREATE, "/eventType")),
        RejectionCode.SCHEMA_VIOLATION,
        "/eventType",
        id="no-event-type",
    ),
    pytest.param(
        KEY,
        raw(without(CREATE, "/eventId")),
        RejectionCode.SCHEMA_VIOLATION,
        "/eventId",
        id="no-event-id",
    ),
    pytest.param(
        KEY,
        raw(without(CREATE, "/event")),
        RejectionCode.SCHEMA_VIOLATION,
        "/event",
        id="no-event",
    ),
    pytest.param(
        KEY,
        raw(changed(CREATE, f"{REPORT}/priority", 5)),
        RejectionCode.SCHEMA_VIOLATION,
        f"{REPORT}/priority",
        id="priority-out-of-range",
    ),
    pytest.param(
        KEY,
        raw(without(CREATE, f"{REPORT}/relatedParty/0/id")),
        RejectionCode.SCHEMA_VIOLATION,
        f"{REPORT}/relatedParty/0/id",
        id="party-without-id",
    ),
    pytest.param(
        KEY,
        raw(changed(CREATE, "/eventType", "CustomerProblemReportDeleteEvent")),
        RejectionCode.UNKNOWN_EVENT_TYPE,
        "/eventType",
        id="unknown-event-type",
    ),
    pytest.param(
        KEY,
        raw(changed(CREATE, "/eventType", "ServiceTroubleReportCreateEvent")),
        RejectionCode.UNKNOWN_EVENT_TYPE,
        "/eventType",
        id="event-type-of-another-topic",
    ),
    pytest.param(
        KEY,
        raw(changed(CREATE, "/eventType", 7)),
        RejectionCode.UNKNOWN_EVENT_TYPE,
        "/eventType",
        id="event-type-not-a-string",
    ),
    pytest.param(
        b"CPR-9999",
        create_bytes(),
        RejectionCode.KEY_MISMATCH,
        f"{REPORT}/id",
        id="key-of-another-report",
    ),
    pytest.param(None, create_bytes(), RejectionCode.KEY_MISMATCH, f"{REPORT}/id", id="no-key"),
    pytest.param(
        b"\xffCPR", create_bytes(), RejectionCode.KEY_MISMATCH, f"{REPORT}/id", id="key-not-utf8"
    ),
]


@pytest.mark.parametrize(("key", "value", "code", "path"), CUSTOMER_REJECTIONS)
def test_a_bad_customer_record_is_rejected_with_its_code_and_path(
    key: bytes | None, value: bytes | None, code: RejectionCode, path: str | None
) -> None:
    outcome = decode_customer_event(key, value, LIMIT)

    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.path) == (code, path)
    assert outcome.message


def test_an_oversized_record_is_rejected_before_it_is_parsed() -> None:
    outcome = decode_customer_event(KEY, b"{" * 2000, DecodeLimits(max_message_bytes=1024))

    assert outcome == Rejection(
        RejectionCode.OVERSIZED, "value of 2000 bytes exceeds 1024 bytes", None
    )


def test_a_record_of_exactly_the_size_limit_is_accepted() -> None:
    value = create_bytes()

    assert isinstance(
        decode_customer_event(KEY, value, DecodeLimits(max_message_bytes=len(value))), Decoded
    )


def test_a_valid_customer_record_decodes_to_its_typed_event() -> None:
    outcome = decode_customer_event(KEY, create_bytes(), LIMIT)

    assert isinstance(outcome, Decoded)
    assert isinstance(outcome.message, CustomerProblemReportCreateEvent)
    assert outcome.message.event.customer_problem_report.related_party[0].segment == "gold"


def test_unknown_fields_are_tolerated_for_forward_compatibility() -> None:
    document = changed(CREATE, f"{REPORT}/@type", "CustomerProblemReport")
    document["futureEnvelopeField"] = {"any": ["thing"]}
    document["event"]["customerProblemReport"]["relatedParty"][0]["@referredType"] = "Individual"

    assert isinstance(decode_customer_event(KEY, raw(document), LIMIT), Decoded)


def test_snake_case_field_names_are_not_the_wire_format() -> None:
    document = without(CREATE, "/eventId")
    document["event_id"] = "evt-0001"

    outcome = decode_customer_event(KEY, raw(document), LIMIT)

    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.path) == (RejectionCode.SCHEMA_VIOLATION, "/eventId")


def test_the_message_counts_further_errors_without_echoing_the_input() -> None:
    document = changed(CREATE, f"{REPORT}/priority", "secret-priority")
    document["event"]["customerProblemReport"]["severity"] = "secret-severity"

    outcome = decode_customer_event(KEY, raw(document), LIMIT)

    assert isinstance(outcome, Rejection)
    assert "(and 1 more)" in outcome.message
    assert "secret" not in outcome.message


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (DelegatedKind.SERVICE_TROUBLE, "ServiceTroubleReportStatusChangeEvent"),
        (DelegatedKind.PARTNER_PROBLEM, "PartnerProblemReportCreateEvent"),
    ],
)
@pytest.mark.parametrize("key", [None, b"anything", b"\xff\x00"])
def test_delegated_answers_are_accepted_whatever_their_key(
    kind: DelegatedKind, name: str, key: bytes | None
) -> None:
    outcome = decode_delegated_event(kind, key, raw(sample(name)), LIMIT)

    assert isinstance(outcome, Decoded)
    assert outcome.message.correlation_id == sample(name)["correlationId"]


def test_a_partner_answer_on_the_service_trouble_topic_is_an_unknown_event_type() -> None:
    value = raw(sample("PartnerProblemReportStatusChangeEvent"))

    outcome = decode_delegated_event(DelegatedKind.SERVICE_TROUBLE, None, value, LIMIT)

    assert isinstance(outcome, Rejection)
    assert outcome.code is RejectionCode.UNKNOWN_EVENT_TYPE


@pytest.mark.parametrize(
    ("kind", "name", "model"),
    [
        (ReferenceKind.KNOWN_ERRORS, "KnownErrorEvent", KnownErrorEvent),
        (ReferenceKind.COMPONENT_OWNERSHIP, "ComponentOwnershipEvent", ComponentOwnershipEvent),
    ],
)
def test_a_reference_record_keyed_by_its_entity_decodes(
    kind: ReferenceKind, name: str, model: type[object]
) -> None:
    document = sample(name)

    outcome = decode_reference(kind, document["correlationId"].encode(), raw(document), LIMIT)

    assert isinstance(outcome, Decoded)
    assert isinstance(outcome.message, model)


@pytest.mark.parametrize(
    ("kind", "name", "path"),
    [
        (ReferenceKind.KNOWN_ERRORS, "KnownErrorEvent", "/event/knownError/id"),
        (
            ReferenceKind.COMPONENT_OWNERSHIP,
            "ComponentOwnershipEvent",
            "/event/componentOwnership/entityId",
        ),
    ],
)
def test_a_reference_record_under_another_key_is_a_key_mismatch(
    kind: ReferenceKind, name: str, path: str
) -> None:
    outcome = decode_reference(kind, b"someone-else", raw(sample(name)), LIMIT)

    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.path) == (RejectionCode.KEY_MISMATCH, path)


@pytest.mark.parametrize("kind", list(ReferenceKind))
def test_a_tombstone_deletes_the_keyed_reference(kind: ReferenceKind) -> None:
    assert decode_reference(kind, b"KE-2026-17", None, LIMIT) == Deletion(kind, "KE-2026-17")


@pytest.mark.parametrize("key", [None, b"\xff"])
def test_a_tombstone_without_a_usable_key_is_a_key_mismatch(key: bytes | None) -> None:
    outcome = decode_reference(ReferenceKind.KNOWN_ERRORS, key, None, LIMIT)

    assert isinstance(outcome, Rejection)
    assert outcome.code is RejectionCode.KEY_MISMATCH


def test_an_unknown_event_type_on_a_single_message_topic_is_named_as_such() -> None:
    document = changed("KnownErrorEvent", "/eventType", "KnownErrorRetiredEvent")

    outcome = decode_reference(ReferenceKind.KNOWN_ERRORS, b"KE-2026-17", raw(document), LIMIT)

    assert outcome == Rejection(
        RejectionCode.UNKNOWN_EVENT_TYPE,
        "eventType 'KnownErrorRetiredEvent' is not a message of known-errors",
        "/eventType",
    )


def test_outbound_topics_decode_for_their_consumers() -> None:
    value = raw(sample("CustomerProblemReportResolvedEvent"))

    outcome = decode_message(Channel.NOTIFICATIONS, value, LIMIT)

    assert isinstance(outcome, Decoded)
    assert outcome.message.event.customer_problem_report.status == "resolved"


def test_a_json_pointer_escapes_slash_and_tilde() -> None:
    assert json_pointer(("event", "a/b", "c~d", 0)) == "/event/a~1b/c~0d/0"
    assert json_pointer(()) == ""
