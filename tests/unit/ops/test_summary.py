"""What ``tail`` shows of a record: time, eventType, key, status; never contact data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from problem_tracker.ops.reading import Record
from problem_tracker.ops.summary import Kind, summarise
from problem_tracker.ops.tail import line

MESSAGES = Path(__file__).parents[2] / "assets" / "messages"
AT = datetime(2026, 11, 26, 10, 0, 5, tzinfo=UTC)


def record(value: bytes | None, key: bytes | None = b"CPR-1001") -> Record:
    return Record("customer-problem.notifications", 2, 17, AT, key, value)


def asset(name: str) -> bytes:
    return (MESSAGES / f"{name}.json").read_bytes()


@pytest.mark.parametrize(
    ("kind", "name", "status"),
    [
        ("notifications", "CustomerProblemReportStatusChangeEvent", "inProgress"),
        ("escalations", "CustomerProblemJeopardyEvent", "warning (75.5 % elapsed)"),
        (
            "escalations",
            "CustomerProblemEscalationEvent",
            "level 1 hierarchical to duty-manager-eu",
        ),
        ("escalations", "CustomerProblemEscalationEndEvent", "ended: resolved"),
    ],
)
def test_an_output_event_shows_its_time_type_key_and_status(
    kind: Kind, name: str, status: str
) -> None:
    summary = summarise(kind, record(asset(name)))

    assert (summary.time, summary.event_type, summary.key, summary.status) == (
        "2026-11-26T10:00:00Z",
        name,
        "CPR-1001",
        status,
    )
    assert str(line(summary)) == f"2026-11-26T10:00:00Z  {name}  CPR-1001  {status}"


def test_the_line_of_a_notification_holds_no_contact_data() -> None:
    value = asset("CustomerProblemReportStatusChangeEvent")
    assert b"Ada Lovelace" in value

    summary = summarise("notifications", record(value))

    assert "Ada Lovelace" not in str(line(summary))
    assert summary.value["event"]["customerProblemReport"]["id"] == "CPR-1001"


def test_a_dead_letter_shows_its_code_where_it_came_from_and_the_original_type() -> None:
    summary = summarise("dlq", record(asset("DeadLetterRecord")))

    assert summary.time == "2026-11-26T10:00:01Z"
    assert summary.event_type == "CustomerProblemReportCreateEvent"
    assert summary.status == "schema-violation customer-problem.events/3@1289"


def test_a_truncated_dead_letter_says_so() -> None:
    document = json.loads(asset("DeadLetterRecord"))
    document |= {"value": '{"eventId', "valueTruncated": True}

    summary = summarise("dlq", record(json.dumps(document).encode()))

    assert summary.event_type == "-"
    assert summary.status.endswith("(truncated)")


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (b"{nope", "unreadable: not JSON"),
        (b"[1]", "unreadable: not a JSON object"),
        (None, "null value"),
    ],
)
def test_a_record_that_is_no_event_is_shown_at_its_kafka_time(
    value: bytes | None, status: str
) -> None:
    summary = summarise("notifications", record(value, key=None))

    assert (summary.time, summary.event_type, summary.key, summary.status) == (
        "2026-11-26T10:00:05.000Z",
        "-",
        "-",
        status,
    )


def test_json_output_names_the_record_and_keeps_the_whole_value() -> None:
    value = asset("CustomerProblemEscalationEvent")

    document = summarise("escalations", record(value)).as_json(record(value))

    assert document["topic"] == "customer-problem.notifications"
    assert (document["partition"], document["offset"]) == (2, 17)
    assert document["timestamp"] == "2026-11-26T10:00:05.000Z"
    assert document["value"] == json.loads(value)
    assert document["status"] == "level 1 hierarchical to duty-manager-eu"
