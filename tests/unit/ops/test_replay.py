"""Which dead letters a replay selects, refuses and re-produces, and with what bytes and
headers; no broker (the real one: tests/integration/test_ops_cli_e2e.py)."""

from __future__ import annotations

import argparse
import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from problem_tracker.config import TopicSettings
from problem_tracker.contracts.dlq import DeadLetterRecord, dlq_record
from problem_tracker.contracts.outcomes import Rejection, RejectionCode
from problem_tracker.ops.dlq import moment
from problem_tracker.ops.reading import Record
from problem_tracker.ops.replay import (
    REPLAY_HEADER,
    Selection,
    input_topics,
    original_bytes,
    read_letter,
    replay,
    replay_headers,
)

DAY_1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
EVENT = b'{"eventId":"e-1","eventType":"CustomerProblemHoldRequestEvent"}'
INPUTS = input_topics(TopicSettings(prefix="prod."))


def dead_letter(
    offset: int,
    code: RejectionCode = RejectionCode.UNKNOWN_REPORT,
    *,
    at: datetime = DAY_1,
    topic: str = "prod.customer-problem.events",
    key: bytes | None = b"CPR-1",
    value: bytes | None = EVENT,
    max_bytes: int = 900_000,
) -> Record:
    letter = dlq_record(topic, 2, 40 + offset, key, value, Rejection(code, "why"), at, max_bytes)
    return Record("prod.customer-problem.dlq", 1, offset, at, key, letter)


class FakeReplayer:
    """Records what would be produced; delivers all but the numbers in ``lost``."""

    def __init__(self, lost: frozenset[int] = frozenset()) -> None:
        self.sent: list[tuple[int, str | None, bytes | None]] = []
        self.delivered: set[int] = set()
        self.failures: dict[int, str] = {}
        self._lost = lost

    def send(self, number: int, letter: DeadLetterRecord, dlq: Record) -> None:
        self.sent.append((number, letter.original_topic, original_bytes(letter.value, None)))
        if number in self._lost:
            self.failures[number] = f"{dlq.position}: broker says no"
        else:
            self.delivered.add(number)

    def flush(self, timeout: float) -> int:
        return 0


def test_the_inputs_are_the_five_contract_input_topics_under_the_prefix() -> None:
    assert input_topics(TopicSettings(prefix="prod.")) == {
        "prod.customer-problem.events",
        "prod.service-trouble.events",
        "prod.partner-problem.events",
        "prod.known-errors",
        "prod.component-ownership",
    }


def test_a_dry_run_selects_by_code_and_time_and_sends_nothing() -> None:
    records = [
        dead_letter(0),
        dead_letter(1, RejectionCode.MALFORMED_JSON, value=b"{nope"),
        dead_letter(2, at=DAY_1 + timedelta(days=1)),
        dead_letter(3, at=DAY_1 - timedelta(days=1)),
    ]
    selection = Selection(
        codes=frozenset({"unknown-report"}), since=DAY_1, until=DAY_1 + timedelta(hours=1)
    )

    report = replay(records, selection, INPUTS, None)

    assert report.read == 4
    assert [(e.dlq.offset, e.outcome) for e in report.entries] == [(0, "would replay")]
    assert report.as_json()["wouldReplay"] == 1
    assert report.as_json()["replayed"] == 0
    assert report.dry_run


def test_truncated_and_internal_records_are_refused_and_the_rest_replayed() -> None:
    records = [
        dead_letter(0),
        dead_letter(1, value=b'{"note": "' + b"x" * 40_000 + b'"}', max_bytes=16 * 1024),
        dead_letter(2, topic="prod.problem-tracker-report-commands"),
        dead_letter(3, topic="prod.known-errors", key=b"KE-1"),
    ]
    replayer = FakeReplayer()

    report = replay(records, Selection(), INPUTS, replayer)

    assert [e.outcome for e in report.entries] == [
        "replayed",
        "truncated",
        "not an input topic",
        "replayed",
    ]
    assert [(n, topic) for n, topic, _ in replayer.sent] == [
        (0, "prod.customer-problem.events"),
        (3, "prod.known-errors"),
    ]
    assert replayer.sent[0][2] == EVENT
    assert report.refused == 2
    counts = report.as_json()
    assert (counts["refusedTruncated"], counts["refusedNotAnInputTopic"]) == (1, 1)
    assert counts["byCode"] == {"unknown-report": 4}


def test_a_copy_not_delivered_is_a_failure_naming_the_dead_letter() -> None:
    replayer = FakeReplayer(lost=frozenset({1}))

    report = replay([dead_letter(0), dead_letter(1)], Selection(), INPUTS, replayer)

    assert [e.outcome for e in report.entries] == ["replayed", "failed"]
    assert report.failures == ["prod.customer-problem.dlq/1@1: broker says no"]


def test_records_that_are_no_dead_letters_are_counted_unreadable_and_skipped() -> None:
    garbage = Record("prod.customer-problem.dlq", 0, 7, DAY_1, None, b"not json")
    empty = Record("prod.customer-problem.dlq", 0, 8, DAY_1, None, None)

    report = replay([garbage, empty, dead_letter(0)], Selection(), INPUTS, None)

    assert report.unreadable == ["prod.customer-problem.dlq/0@7", "prod.customer-problem.dlq/0@8"]
    assert len(report.entries) == 1


def test_a_binary_value_comes_back_byte_for_byte_from_base64() -> None:
    raw = b"\xff\xfe\x00binary"
    letter = read_letter(dead_letter(0, RejectionCode.MALFORMED_JSON, value=raw))

    assert letter is not None
    assert letter.value_encoding == "base64"
    assert letter.value == base64.b64encode(raw).decode()
    assert original_bytes(letter.value, letter.value_encoding) == raw
    assert original_bytes(None, None) is None


def test_a_dead_letter_of_a_later_version_with_more_fields_is_still_read() -> None:
    record = dead_letter(0)
    document = json.loads(record.value or b"")
    document["replayHint"] = "something new"
    newer = Record(record.topic, 0, 0, DAY_1, record.key, json.dumps(document).encode())

    assert read_letter(newer) is not None


def test_a_copy_carries_the_contract_headers_and_names_its_dead_letter() -> None:
    dlq = dead_letter(5)

    assert replay_headers(EVENT, dlq) == [
        ("eventType", b"CustomerProblemHoldRequestEvent"),
        ("content-type", b"application/json"),
        (REPLAY_HEADER, b"1/5/prod.customer-problem.dlq"),
    ]
    assert replay_headers(b"{nope", dlq) == [(REPLAY_HEADER, b"1/5/prod.customer-problem.dlq")]
    assert replay_headers(None, dlq) == [(REPLAY_HEADER, b"1/5/prod.customer-problem.dlq")]


def test_times_are_iso_8601_utc_by_default_or_a_duration_ago() -> None:
    assert moment("2026-03-01T10:00:00Z") == DAY_1
    assert moment("2026-03-01T11:00:00+01:00") == DAY_1
    assert moment("2026-03-01T10:00:00") == DAY_1
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    assert abs(moment("2h") - two_hours_ago) < timedelta(seconds=5)
    with pytest.raises(argparse.ArgumentTypeError, match="neither an ISO-8601 time"):
        moment("yesterday")
