"""Dead letters keep the rejected record verbatim, with the reason, and match their schema."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from contract_samples import SCHEMAS
from jsonschema import Draft202012Validator

from problem_tracker.contracts.dlq import dlq_headers, dlq_record
from problem_tracker.contracts.outcomes import Rejection, RejectionCode

RECEIVED = datetime(2026, 11, 26, 11, 0, 1, tzinfo=timezone(timedelta(hours=1)))
REJECTION = Rejection(RejectionCode.SCHEMA_VIOLATION, "Field required", "/eventTime")


def record(key: bytes | None, value: bytes | None, rejection: Rejection = REJECTION) -> Any:
    encoded = dlq_record("customer-problem.events", 3, 1289, key, value, rejection, RECEIVED)
    body = json.loads(encoded)
    schema = json.loads((SCHEMAS / "DeadLetterRecord.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)
    return body


def test_a_utf8_record_is_kept_as_text() -> None:
    body = record(b"CPR-1001", b'{"eventId":"evt-1"}')

    assert body == {
        "originalTopic": "customer-problem.events",
        "partition": 3,
        "offset": 1289,
        "key": "CPR-1001",
        "value": '{"eventId":"evt-1"}',
        "error": {"code": "schema-violation", "message": "Field required", "path": "/eventTime"},
        "receivedAt": "2026-11-26T10:00:01Z",
    }


def test_a_value_that_is_not_utf8_is_kept_as_base64() -> None:
    value = b"\xff\xfe\x00garbage"

    body = record(b"CPR-1001", value)

    assert body["valueEncoding"] == "base64"
    assert base64.b64decode(body["value"]) == value
    assert "keyEncoding" not in body


def test_a_key_that_is_not_utf8_is_kept_as_base64() -> None:
    body = record(b"\x80\x81", b"{}")

    assert (body["keyEncoding"], base64.b64decode(body["key"])) == ("base64", b"\x80\x81")


def test_a_record_without_key_or_value_says_null() -> None:
    body = record(None, None, Rejection(RejectionCode.MALFORMED_JSON, "the record has no value"))

    assert (body["key"], body["value"]) == (None, None)
    assert body["error"] == {"code": "malformed-json", "message": "the record has no value"}


@pytest.mark.parametrize("code", list(RejectionCode))
def test_every_rejection_code_can_be_dead_lettered(code: RejectionCode) -> None:
    body = record(b"CPR-1001", b"{}", Rejection(code, "why"))

    assert body["error"]["code"] == code.value


def test_there_are_exactly_the_eight_codes_of_the_contract() -> None:
    assert {code.value for code in RejectionCode} == {
        "malformed-json",
        "schema-violation",
        "unknown-event-type",
        "key-mismatch",
        "illegal-transition",
        "unknown-report",
        "unknown-correlation",
        "oversized",
    }


def test_a_dead_letter_is_json_without_an_event_type_header() -> None:
    assert dlq_headers() == [("content-type", b"application/json")]
