"""No poison: the hostile corpus of issue 9 against one running worker on the real broker.

Every bad record lands in ``customer-problem.dlq`` with its code (cut to fit when it would
not, with its size and SHA-256), the worker stays up and ready, its reference loader keeps
loading, and valid reports sent between the bad records are still acknowledged.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import endpoints
import pytest
from confluent_kafka import Producer
from pipeline import Pipeline, now
from records import Sent, sent_from

from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import Topic

pytestmark = pytest.mark.integration

DLQ_MAX_RECORD_BYTES = 900_000


@pytest.fixture(autouse=True)
def worker_survives(pipeline: Pipeline) -> Iterator[None]:
    """After every hostile case: the worker lives, is ready, and a valid report sent now
    is still acknowledged (nothing stalled behind the bad record)."""
    yield
    report_id = f"CPR-alive-{pipeline.event_id()[-12:]}"
    pipeline.create(report_id)
    pipeline.wait_status(report_id, "pending")
    assert pipeline.worker.alive
    assert endpoints.ready(pipeline.worker) == (True, [])


def dead_letter(pipeline: Pipeline, sent: Sent, code: str) -> dict[str, Any]:
    record = pipeline.dead_letter_for(sent)
    assert record["error"]["code"] == code, record["error"]
    assert record["key"] == sent.key
    return record


def assert_cut_to_fit(record: dict[str, Any], original: bytes) -> None:
    encoded = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(encoded) <= DLQ_MAX_RECORD_BYTES
    assert record["valueTruncated"] is True
    assert record["valueSize"] == len(original)
    assert record["valueSha256"] == hashlib.sha256(original).hexdigest()
    if record.get("valueEncoding") == "base64":
        kept = base64.b64decode(record["value"])
    else:
        kept = record["value"].encode()
    assert kept
    assert original.startswith(kept)


def test_180000_control_bytes_are_dead_lettered_cut_to_fit(pipeline: Pipeline) -> None:
    value = b"\x01" * 180_000  # valid UTF-8, six bytes each once escaped in JSON

    sent = pipeline.send_raw(Topic.CUSTOMER_EVENTS, "CPR-bomb-ctl", value)

    record = dead_letter(pipeline, sent, "malformed-json")
    assert_cut_to_fit(record, value)


def test_800000_bytes_that_are_not_utf8_are_dead_lettered_cut_to_fit(pipeline: Pipeline) -> None:
    value = bytes(range(128, 256)) * 6250

    sent = pipeline.send_raw(Topic.CUSTOMER_EVENTS, "CPR-bomb-bin", value)

    record = dead_letter(pipeline, sent, "oversized")
    assert record["valueEncoding"] == "base64"
    assert_cut_to_fit(record, value)


def test_a_million_bytes_on_a_reference_topic_are_dead_lettered_cut_to_fit(
    pipeline: Pipeline,
) -> None:
    value = b'{"eventType":"KnownErrorEvent","x":"' + b"x" * 999_962 + b'"}'
    assert len(value) == 1_000_000
    producer = Producer({"bootstrap.servers": pipeline.bootstrap, "message.max.bytes": 1_040_000})
    delivered: list[Any] = []
    producer.produce(
        pipeline.names[Topic.KNOWN_ERRORS],
        key=b"KE-bomb-1",
        value=value,
        on_delivery=lambda err, msg: delivered.append(err or sent_from(msg)),
    )
    assert producer.flush(30) == 0
    (sent,) = delivered
    assert isinstance(sent, Sent), sent

    record = dead_letter(pipeline, sent, "oversized")
    assert_cut_to_fit(record, value)


def test_a_known_error_whose_time_leaves_year_1_in_utc_does_not_stop_the_loader(
    pipeline: Pipeline,
) -> None:
    entry = {"id": "KE-year-0", "symptomCode": "S-0", "status": "active"}
    bad = messages.known_error(pipeline.event_id(), now(), entry)
    bad.value["eventTime"] = "0001-01-01T00:00:00+14:00"  # type: ignore[index]

    sent = pipeline.send(bad)

    record = dead_letter(pipeline, sent, "schema-violation")
    assert record["error"]["path"] == "/eventTime"
    pipeline.known_error("KE-after-year-0", "S-1", "reboot")  # the loader still loads


def _change(pipeline: Pipeline, report_id: str, **fields: Any) -> messages.SimMessage:
    return messages.attributes_changed(pipeline.event_id(), now(), report_id, **fields)


NOT_STRICT = {
    "twice": b'"priority":1,"priority":4',
    "nan": b'"priority":1,"x":NaN',
    "infinity": b'"priority":1,"x":-Infinity',
}


@pytest.mark.parametrize("case", NOT_STRICT, ids=list(NOT_STRICT))
def test_json_that_parsers_read_differently_is_malformed(pipeline: Pipeline, case: str) -> None:
    report_id = f"CPR-strict-{case}"
    pipeline.create(report_id)
    pipeline.wait_status(report_id, "pending")
    message = _change(pipeline, report_id, priority=1)
    text = messages.value_bytes(message) or b""

    sent = pipeline.send(message, raw=text.replace(b'"priority":1', NOT_STRICT[case]))

    dead_letter(pipeline, sent, "malformed-json")
    assert (pipeline.view(report_id) or {})["priority"] == 2


def test_a_creation_date_in_9999_is_a_schema_violation_with_its_path(pipeline: Pipeline) -> None:
    message = pipeline.create_message("CPR-9999", creationDate="9999-01-01T00:00:00Z")

    record = dead_letter(pipeline, pipeline.send(message), "schema-violation")

    assert record["error"]["path"] == "/event/customerProblemReport/creationDate"
    assert pipeline.view("CPR-9999") is None


def test_a_note_of_238_kib_is_refused_per_message(pipeline: Pipeline) -> None:
    pipeline.create("CPR-fat-note")
    pipeline.wait_status("CPR-fat-note", "pending")
    fat = [messages.note("agent", now(), "y" * (238 * 1024))]

    sent = pipeline.send(_change(pipeline, "CPR-fat-note", note=fat))

    record = dead_letter(pipeline, sent, "schema-violation")
    assert record["error"]["path"] == "/event/customerProblemReport/note/0/text"


def test_notes_beyond_the_report_limit_are_refused_and_the_report_stays_as_it_was(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-many-notes")
    pipeline.wait_status("CPR-many-notes", "pending")
    batch = [messages.note("agent", now(), f"note {n}") for n in range(20)]
    for _ in range(5):  # 100 notes: the default limit
        pipeline.send(_change(pipeline, "CPR-many-notes", note=batch))
    pipeline.wait_for(
        "100 notes", lambda: len((pipeline.view("CPR-many-notes") or {}).get("note", [])) == 100
    )

    one_more = pipeline.send(_change(pipeline, "CPR-many-notes", note=batch[:1]))

    record = dead_letter(pipeline, one_more, "schema-violation")
    assert "101 notes" in record["error"]["message"]
    assert len((pipeline.view("CPR-many-notes") or {})["note"]) == 100


def test_a_256_character_service_id_gets_its_request_and_its_answer(pipeline: Pipeline) -> None:
    service_id = "svc-" + "7" * 252
    pipeline.create("CPR-long-svc", services=[service_id])

    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, service_id)
    assert len(request_id) <= 256
    pipeline.wait_status("CPR-long-svc", "inProgress")
    linked = pipeline.wait_for("link", lambda: _linked(pipeline, "CPR-long-svc"))
    assert linked == [request_id]
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")

    pipeline.wait_status("CPR-long-svc", "resolved")


def _linked(pipeline: Pipeline, report_id: str) -> list[str]:
    view = pipeline.view(report_id) or {}
    return [work["requestId"] for work in view.get("serviceTroubleReport", [])]


def test_a_partner_answering_for_another_partners_request_is_dead_lettered(
    pipeline: Pipeline,
) -> None:
    pipeline.own("res-spoof-1", "partner-acme", "partner", referred_type="Resource")
    pipeline.create("CPR-spoof", resources=["res-spoof-1"])
    request_id = pipeline.wait_request(Topic.PARTNER_PROBLEM_REQUESTS, "res-spoof-1")
    pipeline.wait_status("CPR-spoof", "inProgress")

    spoofed = pipeline.answer_message(
        Topic.PARTNER_PROBLEM_EVENTS, request_id, "resolved", partner="partner-rival"
    )
    dead_letter(pipeline, pipeline.send(spoofed), "unknown-correlation")
    pipeline.settle()
    assert pipeline.statuses("CPR-spoof") == ["acknowledged", "inProgress"]

    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, request_id, "resolved")
    pipeline.wait_status("CPR-spoof", "resolved")


def test_a_reused_event_id_with_other_content_is_a_conflict_not_a_duplicate(
    pipeline: Pipeline,
) -> None:
    create = pipeline.create_message("CPR-reused-id")
    pipeline.send(create)
    pipeline.wait_status("CPR-reused-id", "pending")
    duplicates_before = pipeline.metric("problem_tracker_duplicates_total", aggregate="reports")

    pipeline.send(create)  # the same event again: acknowledged, nothing produced
    reused = _change(pipeline, "CPR-reused-id", priority=1)
    reused.value["eventId"] = create.value["eventId"]  # type: ignore[index]
    record = dead_letter(pipeline, pipeline.send(reused), "event-id-conflict")

    assert create.value["eventId"] in record["error"]["message"]  # type: ignore[index]
    pipeline.wait_for(
        "the duplicate counted",
        lambda: (
            pipeline.metric("problem_tracker_duplicates_total", aggregate="reports")
            == duplicates_before + 1
        ),
    )
    assert (pipeline.view("CPR-reused-id") or {})["priority"] == 2
