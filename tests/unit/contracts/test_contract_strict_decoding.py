"""Strict decoding: only RFC 8259 JSON, only date-times that exist in UTC and are plausible."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from contract_samples import LIMIT, changed, customer_key, raw, sample

from problem_tracker.contracts.codec import (
    decode_customer_event,
    decode_delegated_event,
    decode_reference,
)
from problem_tracker.contracts.common import (
    MAX_ENTITIES_PER_MESSAGE,
    MAX_NOTES_PER_MESSAGE,
    MAX_PARTIES_PER_MESSAGE,
)
from problem_tracker.contracts.limits import DecodeLimits, decode_limits
from problem_tracker.contracts.outcomes import (
    Decoded,
    DelegatedKind,
    ReferenceKind,
    Rejection,
    RejectionCode,
)

CREATE = "CustomerProblemReportCreateEvent"
KEY = customer_key(CREATE)
REPORT = "/event/customerProblemReport"
WINDOW = DecodeLimits(
    max_message_bytes=256 * 1024,
    earliest=datetime(2000, 1, 1, tzinfo=UTC),
    latest=datetime(2031, 11, 26, tzinfo=UTC),
)


def test_a_key_given_twice_is_malformed_json() -> None:
    value = raw(sample(CREATE)).replace(b'"eventId":"evt-0001"', b'"eventId":"a","eventId":"b"')

    outcome = decode_customer_event(KEY, value, LIMIT)

    assert outcome == Rejection(RejectionCode.MALFORMED_JSON, "duplicate object key 'eventId'")


def test_a_key_given_twice_deep_inside_or_in_an_unknown_object_is_malformed_json() -> None:
    document = changed(CREATE, "/event/customerProblemReport/x-ext", {"a": 1})
    value = raw(document).replace(b'"priority":2', b'"priority":2,"priority":1')
    value = value.replace(b'{"a":1}', b'{"a":1,"a":1}')

    outcome = decode_customer_event(KEY, value, LIMIT)

    assert isinstance(outcome, Rejection)
    assert outcome.code is RejectionCode.MALFORMED_JSON


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_literals_are_malformed_even_in_unknown_fields(literal: str) -> None:
    value = raw(sample(CREATE)).replace(b'"priority":2', f'"priority":2,"x":{literal}'.encode())

    outcome = decode_customer_event(KEY, value, LIMIT)

    assert outcome == Rejection(RejectionCode.MALFORMED_JSON, f"{literal} is not JSON")


@pytest.mark.parametrize(
    "value",
    [b"[" * 50_000 + b"]" * 50_000, b'{"a":' + b"9" * 5000 + b"}", b'{"a":"\x01"}'],
    ids=["deeply-nested", "huge-integer", "raw-control-character"],
)
def test_json_that_python_cannot_read_safely_is_malformed(value: bytes) -> None:
    outcome = decode_customer_event(KEY, value, LIMIT)

    assert isinstance(outcome, Rejection)
    assert outcome.code is RejectionCode.MALFORMED_JSON


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
    ids=["before-year-1", "after-year-9999"],
)
def test_a_time_whose_utc_leaves_years_1_to_9999_is_a_schema_violation(moment: str) -> None:
    document = changed(CREATE, f"{REPORT}/creationDate", moment)

    outcome = decode_customer_event(KEY, raw(document), LIMIT)

    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.path) == (
        RejectionCode.SCHEMA_VIOLATION,
        f"{REPORT}/creationDate",
    )
    assert "years 1-9999" in outcome.message
    assert moment not in outcome.message


def test_the_same_time_on_a_reference_topic_is_a_schema_violation_too() -> None:
    document = changed("KnownErrorEvent", "/eventTime", "0001-01-01T00:00:00+14:00")

    outcome = decode_reference(ReferenceKind.KNOWN_ERRORS, b"KE-2026-17", raw(document), LIMIT)

    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.path) == (RejectionCode.SCHEMA_VIOLATION, "/eventTime")


@pytest.mark.parametrize(
    ("pointer", "moment"),
    [
        (f"{REPORT}/creationDate", "9999-01-01T00:00:00Z"),
        (f"{REPORT}/requestedResolutionDate", "1999-12-31T23:59:59Z"),
        (f"{REPORT}/note/0/date", "2031-11-26T00:00:01Z"),
        ("/eventTime", "1970-01-01T00:00:00Z"),
    ],
)
def test_a_date_outside_the_plausible_window_is_a_schema_violation(
    pointer: str, moment: str
) -> None:
    outcome = decode_customer_event(KEY, raw(changed(CREATE, pointer, moment)), WINDOW)

    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.path) == (RejectionCode.SCHEMA_VIOLATION, pointer)
    assert "2000-01-01T00:00:00Z to 2031-11-26T00:00:00Z" in outcome.message


def test_an_expected_resolution_in_9999_from_a_partner_is_refused() -> None:
    document = changed(
        "PartnerProblemReportStatusChangeEvent",
        "/event/partnerProblemReport/expectedResolutionDate",
        "9999-12-31T00:00:00Z",
    )

    outcome = decode_delegated_event(DelegatedKind.PARTNER_PROBLEM, None, raw(document), WINDOW)

    assert isinstance(outcome, Rejection)
    assert outcome.path == "/event/partnerProblemReport/expectedResolutionDate"


def test_the_bounds_of_the_window_are_accepted() -> None:
    for moment in ("2000-01-01T00:00:00Z", "2031-11-26T01:00:00+01:00"):
        document = changed(CREATE, f"{REPORT}/requestedResolutionDate", moment)

        assert isinstance(decode_customer_event(KEY, raw(document), WINDOW), Decoded)


def test_the_window_of_a_worker_runs_from_the_earliest_date_to_years_after_its_start() -> None:
    limits = decode_limits(
        max_message_bytes=1024,
        earliest=datetime(2000, 1, 1, tzinfo=UTC),
        years_ahead=5,
        now=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
    )

    assert limits.earliest == datetime(2000, 1, 1, tzinfo=UTC)
    assert datetime(2031, 11, 26, tzinfo=UTC) <= limits.latest < datetime(2031, 11, 27, tzinfo=UTC)


@pytest.mark.parametrize(
    ("earliest", "latest"),
    [
        (datetime(2030, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)),
        (datetime(2000, 1, 1), datetime(2020, 1, 1, tzinfo=UTC)),
    ],
    ids=["empty", "naive"],
)
def test_a_window_must_be_aware_and_not_empty(earliest: datetime, latest: datetime) -> None:
    with pytest.raises(ValueError, match="window"):
        DecodeLimits(earliest=earliest, latest=latest)


NOTE = {"author": "agent-17", "date": "2026-11-26T09:58:00Z", "text": "still down"}
ENTITY = {"role": "affectedService", "id": "SVC-1", "referredType": "Service"}
PARTY = {"role": "customer", "id": "CUST-42"}


@pytest.mark.parametrize(
    ("name", "field", "item", "limit"),
    [
        (CREATE, "note", NOTE, MAX_NOTES_PER_MESSAGE),
        (CREATE, "relatedEntity", ENTITY, MAX_ENTITIES_PER_MESSAGE),
        (CREATE, "relatedParty", PARTY, MAX_PARTIES_PER_MESSAGE),
        ("CustomerProblemReportAttributeValueChangeEvent", "note", NOTE, MAX_NOTES_PER_MESSAGE),
        ("CustomerProblemInformationProvidedEvent", "note", NOTE, MAX_NOTES_PER_MESSAGE),
        ("CustomerProblemIsolationCompletedEvent", "relatedEntity", ENTITY, 50),
    ],
)
def test_lists_of_one_message_are_bounded(
    name: str, field: str, item: dict[str, str], limit: int
) -> None:
    key = customer_key(name)
    at_limit = changed(name, f"{REPORT}/{field}", [item] * limit)
    beyond = changed(name, f"{REPORT}/{field}", [item] * (limit + 1))

    assert isinstance(decode_customer_event(key, raw(at_limit), LIMIT), Decoded)
    outcome = decode_customer_event(key, raw(beyond), LIMIT)
    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.path) == (RejectionCode.SCHEMA_VIOLATION, f"{REPORT}/{field}")


def test_the_notes_of_a_delegated_answer_are_bounded() -> None:
    name = "ServiceTroubleReportStatusChangeEvent"
    pointer = "/event/serviceTroubleReport/note"
    document = changed(name, pointer, [NOTE] * (MAX_NOTES_PER_MESSAGE + 1))

    outcome = decode_delegated_event(DelegatedKind.SERVICE_TROUBLE, None, raw(document), LIMIT)

    assert isinstance(outcome, Rejection)
    assert outcome.path == pointer
