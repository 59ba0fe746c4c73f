"""The operator's commands against a running worker on the real broker: ``tail`` reads the
output topics, ``dlq replay`` sends dead letters back where the worker picks them up."""

from __future__ import annotations

import base64
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from confluent_kafka import Producer
from pipeline import Pipeline, now
from records import Sent

from problem_tracker.cli import main
from problem_tracker.config import KafkaSettings
from problem_tracker.contracts.dlq import dlq_record
from problem_tracker.contracts.outcomes import Rejection, RejectionCode
from problem_tracker.ops.reading import Record, TopicReader
from problem_tracker.ops.replay import REPLAY_HEADER
from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import Topic
from problem_tracker.streaming.partitioning import partition_for

pytestmark = pytest.mark.integration

Cli = Callable[..., tuple[int, str]]
STATUS_CHANGE = "CustomerProblemReportStatusChangeEvent"
ATTRIBUTES_CHANGED = "CustomerProblemReportAttributeValueChangeEvent"
LONG_AGO = datetime(2001, 1, 1, tzinfo=UTC)
FOLLOW_SECONDS = 60.0
TAIL = (sys.executable, "-m", "problem_tracker", "tail")


def cli_env(pipeline: Pipeline) -> dict[str, str]:
    return {
        "PROBLEM_TRACKER_KAFKA__BOOTSTRAP_SERVERS": pipeline.bootstrap,
        "PROBLEM_TRACKER_TOPICS__PREFIX": pipeline.prefix,
    }


@pytest.fixture
def cli(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """``problem-tracker …`` in this process against the pipeline's topics: exit code and
    standard output."""
    for name, value in cli_env(pipeline).items():
        monkeypatch.setenv(name, value)

    def run(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(argv))
        return code, capsys.readouterr().out

    return run


def read_all(pipeline: Pipeline, topic: Topic) -> list[Record]:
    kafka = KafkaSettings(bootstrap_servers=pipeline.bootstrap)
    with TopicReader(kafka, pipeline.names[topic]) as reader:
        return list(reader.read_to_end())


def points_at(dlq: Record, sent: Sent) -> bool:
    document = json.loads(dlq.value or b"")
    return bool(
        (document["originalTopic"], document["partition"], document["offset"])
        == (sent.topic, sent.partition, sent.offset)
    )


def produce_raw(pipeline: Pipeline, topic: Topic, records: list[tuple[bytes, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": pipeline.bootstrap})
    for key, value in records:
        producer.produce(pipeline.names[topic], key=key, value=value)
    assert producer.flush(30) == 0


def test_tail_prints_a_line_per_notification_of_a_report_and_json_with_the_whole_value(
    pipeline: Pipeline, cli: Cli
) -> None:
    report_id = "CPR-ops-tail"
    pipeline.create(report_id)
    pipeline.wait_status(report_id, "acknowledged")
    notified = len(pipeline.notifications(report_id))

    code, out = cli("tail", "notifications", "--key", report_id)
    json_code, json_out = cli("tail", "notifications", "--key", report_id, "--json")
    last_code, last = cli("tail", "notifications", "--key", report_id, "-n", "1")

    assert (code, json_code, last_code) == (0, 0, 0)
    lines = out.splitlines()
    assert len(lines) == notified
    assert all(f"  {report_id}  " in line for line in lines)
    assert any(line.endswith(f"{STATUS_CHANGE}  {report_id}  acknowledged") for line in lines)
    documents = [json.loads(line) for line in json_out.splitlines()]
    assert [d["key"] for d in documents] == [report_id] * notified
    assert {d["topic"] for d in documents} == {pipeline.names[Topic.NOTIFICATIONS]}
    assert all(d["value"]["event"]["customerProblemReport"]["id"] == report_id for d in documents)
    assert last.splitlines() == lines[-1:]


def test_tail_follow_prints_records_as_they_arrive_until_interrupted(pipeline: Pipeline) -> None:
    report_id = "CPR-ops-follow"
    pipeline.create(report_id)
    pipeline.wait_status(report_id, "acknowledged")
    follower = subprocess.Popen(
        [*TAIL, "notifications", "--follow", "--key", report_id, "--json"],
        env={**os.environ, **cli_env(pipeline)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in follower.stdout or ()])
    reader.start()

    def next_event_type() -> str:
        return str(json.loads(lines.get(timeout=FOLLOW_SECONDS))["eventType"])

    try:
        backlog = [next_event_type() for _ in pipeline.notifications(report_id)]
        pipeline.customer(
            ATTRIBUTES_CHANGED, report_id, note=[messages.note("agent", now(), "follow me")]
        )
        arrived = next_event_type()
    finally:
        follower.send_signal(signal.SIGINT)
        code = follower.wait(30)
        reader.join(10)

    assert STATUS_CHANGE in backlog
    assert arrived == ATTRIBUTES_CHANGED
    assert code == 130


def test_dlq_replay_sends_an_early_event_back_once_its_report_exists(
    pipeline: Pipeline, cli: Cli
) -> None:
    report_id = "CPR-ops-early"
    since = (now() - timedelta(seconds=1)).isoformat()
    note = [messages.note("agent", now(), "arrived before the create")]
    early = pipeline.send(
        messages.attributes_changed(pipeline.event_id(), now(), report_id, note=note)
    )
    pipeline.dead_letter_for(early)  # unknown-report: the create is not in yet
    (dead_letter,) = [r for r in read_all(pipeline, Topic.DLQ) if points_at(r, early)]
    events_before = len(read_all(pipeline, Topic.CUSTOMER_EVENTS))
    selection = ("--code", "unknown-report", "--since", since)

    dry_code, dry_out = cli("dlq", "replay", *selection, "--dry-run", "--json")
    text_code, text_out = cli("dlq", "replay", *selection, "--dry-run")

    dry = json.loads(dry_out)
    assert (dry_code, text_code) == (0, 0)
    assert (dry["dryRun"], dry["selected"], dry["wouldReplay"], dry["replayed"]) == (True, 1, 1, 0)
    (entry,) = dry["records"]
    assert (entry["originalTopic"], entry["partition"], entry["offset"]) == (
        early.topic,
        early.partition,
        early.offset,
    )
    assert (entry["dlqPartition"], entry["dlqOffset"]) == (
        dead_letter.partition,
        dead_letter.offset,
    )
    assert "would replay" in text_out
    assert "dry run: nothing produced" in text_out
    assert len(read_all(pipeline, Topic.CUSTOMER_EVENTS)) == events_before

    pipeline.create(report_id)
    pipeline.wait_status(report_id, "acknowledged")
    code, out = cli("dlq", "replay", *selection, "--json")

    report = json.loads(out)
    assert code == 0
    assert (report["selected"], report["replayed"], report["failed"]) == (1, 1, 0)
    assert report["byCode"] == {"unknown-report": 1}
    pipeline.wait_for(
        "the replayed note applied", lambda: pipeline.notifications(report_id, ATTRIBUTES_CHANGED)
    )
    (copy,) = [
        r for r in read_all(pipeline, Topic.CUSTOMER_EVENTS) if dict(r.headers).get(REPLAY_HEADER)
    ]
    headers = dict(copy.headers)
    assert headers[REPLAY_HEADER] == (
        f"{dead_letter.partition}/{dead_letter.offset}/{dead_letter.topic}".encode()
    )
    assert headers["eventType"] == ATTRIBUTES_CHANGED.encode()
    assert (copy.key, copy.value) == (report_id.encode(), early.value)
    assert copy.partition == partition_for(copy.key, 3)  # Java's partitioner


def test_dlq_replay_refuses_truncated_and_internal_records_and_restores_binary_bytes(
    pipeline: Pipeline, cli: Cli
) -> None:
    events = pipeline.names[Topic.CUSTOMER_EVENTS]
    internal = f"{pipeline.worker.settings.effective_app_id}-report-commands"
    binary = b"\xff\xfe not UTF-8 at all"

    def letter(topic: str, key: bytes, value: bytes, code: RejectionCode, limit: int) -> bytes:
        return dlq_record(topic, 0, 5, key, value, Rejection(code, "test"), LONG_AGO, limit)

    produce_raw(
        pipeline,
        Topic.DLQ,
        [
            (
                b"CPR-ops-cut",
                letter(events, b"CPR-ops-cut", b"x" * 40_000, RejectionCode.OVERSIZED, 16_384),
            ),
            (
                b"CPR-ops-own",
                letter(internal, b"CPR-ops-own", b"{}", RejectionCode.UNKNOWN_REPORT, 900_000),
            ),
            (
                b"CPR-ops-bin",
                letter(events, b"CPR-ops-bin", binary, RejectionCode.MALFORMED_JSON, 900_000),
            ),
            (b"other", b'{"hello": "not a dead letter"}'),
        ],
    )

    code, out = cli("dlq", "replay", "--until", "2001-12-31T00:00:00Z", "--json")

    report = json.loads(out)
    assert code == 3
    assert {r["key"]: r["outcome"] for r in report["records"]} == {
        "CPR-ops-cut": "truncated",
        "CPR-ops-own": "not an input topic",
        "CPR-ops-bin": "replayed",
    }
    assert (report["refusedTruncated"], report["refusedNotAnInputTopic"]) == (1, 1)
    assert report["unreadable"] >= 1

    def rejected_again() -> list[dict[str, Any]]:
        return [
            o.value
            for o in pipeline.outputs(Topic.DLQ, "CPR-ops-bin")
            if o.value.get("originalTopic") == events and o.value["receivedAt"] > "2002"
        ]

    (again,) = pipeline.wait_for("the binary copy dead-lettered again", rejected_again)
    assert again["valueEncoding"] == "base64"
    assert base64.b64decode(again["value"]) == binary
