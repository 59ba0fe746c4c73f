"""Dead letters keep the rejected record verbatim, with the reason, and match their schema."""

from __future__ import annotations

import base64
import hashlib
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


def test_there_are_exactly_the_nine_codes_of_the_contract() -> None:
    assert {code.value for code in RejectionCode} == {
        "event-id-conflict",
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


LIMIT = 900_000


def bounded(key: bytes | None, value: bytes | None, limit: int = LIMIT) -> Any:
    encoded = dlq_record(
        "known-errors", 0, 7, key, value, REJECTION, RECEIVED, max_record_bytes=limit
    )
    assert len(encoded) + len(key or b"") <= limit
    body = json.loads(encoded)
    schema = json.loads((SCHEMAS / "DeadLetterRecord.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)
    return body


def assert_truncated(body: Any, original: bytes) -> bytes:
    """The kept prefix, after checking the fields that describe the original."""
    assert body["valueTruncated"] is True
    assert body["valueSize"] == len(original)
    assert body["valueSha256"] == hashlib.sha256(original).hexdigest()
    if body.get("valueEncoding") == "base64":
        kept = base64.b64decode(body["value"])
    else:
        kept = body["value"].encode("utf-8")
    assert original.startswith(kept)
    return kept


def test_control_characters_that_json_escapes_sixfold_are_cut_to_fit() -> None:
    original = b"\x01" * 180_000  # 1.08 MB once escaped as \u0001

    body = bounded(b"CPR-1", original)

    kept = assert_truncated(body, original)
    assert "valueEncoding" not in body
    assert LIMIT // 6 - 1000 < len(kept) < LIMIT // 6


def test_bytes_that_are_not_utf8_are_cut_to_fit_in_base64() -> None:
    original = bytes(range(128, 256)) * 6250  # 800,000 bytes, 1.07 MB in base64

    body = bounded(b"CPR-1", original)

    kept = assert_truncated(body, original)
    assert body["valueEncoding"] == "base64"
    assert LIMIT * 3 // 4 - 1000 < len(kept) < LIMIT * 3 // 4


def test_a_million_bytes_of_text_are_cut_to_fit() -> None:
    original = b'{"eventId":"' + b"x" * 999_986 + b'"}'
    assert len(original) == 1_000_000

    body = bounded(b"KE-1", original)

    kept = assert_truncated(body, original)
    assert LIMIT - 1000 < len(kept) < LIMIT


def test_a_cut_never_splits_a_character() -> None:
    original = "é€😀".encode() * 200

    body = bounded(b"k", original, limit=1024)

    kept = assert_truncated(body, original)
    assert kept.decode("utf-8")


def test_a_record_that_fits_says_nothing_of_truncation() -> None:
    body = bounded(b"CPR-1", b"\x01" * 1000)

    assert body["value"] == "\x01" * 1000
    assert not {"valueTruncated", "valueSize", "valueSha256"} & body.keys()


def test_a_huge_key_is_cut_too_and_counted_against_the_limit() -> None:
    key = b"k" * 300_000
    value = b"v" * 300_000

    body = bounded(key, value, limit=500_000)

    assert body["keyTruncated"] is True
    assert body["keySize"] == 300_000
    assert body["keySha256"] == hashlib.sha256(key).hexdigest()
    assert body["value"] == ""
    assert body["valueTruncated"] is True
