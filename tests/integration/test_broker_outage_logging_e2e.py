"""A broker outage under a running worker is logged once when it starts and once when it
ends, not once per reconnect attempt (issue 10, item 4: a 33 s outage wrote 91,705
identical lines; without the collapse this 20 s one writes thousands). The worker then
goes on processing."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer
from pipeline import now, report
from records import DEFAULT_NAMES, OutputCollector
from worker_process import isolated_settings, start_ready, worker_in

from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, Settings, TopicSettings
from problem_tracker.kafka_local import LocalKafka
from problem_tracker.observability.logging import KAFKA_LOGGERS
from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import Topic

pytestmark = pytest.mark.integration

OUTAGE_SECONDS = 20
MAX_KAFKA_LINES = 20


@pytest.fixture
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """A broker of this test alone: it is stopped and started again."""
    broker = LocalKafka.throwaway(Settings().local_kafka, tmp_path_factory.mktemp("outage"))
    broker.start()
    yield broker
    broker.stop()


def test_a_broker_outage_is_one_line_when_it_starts_and_one_when_it_ends(
    own_broker: LocalKafka, tmp_path: Path
) -> None:
    bootstrap = own_broker.bootstrap
    tag = uuid.uuid4().hex[:8]
    prefix = f"bo{tag}."
    ensure_topics(
        KafkaSettings(bootstrap_servers=bootstrap),
        topic_plan(TopicSettings(prefix=prefix, partitions=3)),
    )
    worker = start_ready(
        worker_in(tmp_path / "worker", isolated_settings(bootstrap, f"pt-bo-{tag}", prefix), {})
    )
    names = {topic: prefix + name for topic, name in DEFAULT_NAMES.items()}
    collector = OutputCollector(bootstrap, names)
    collector.start()
    producer = Producer({"bootstrap.servers": bootstrap})
    try:
        acknowledge(producer, collector, names, f"CPR-{tag}-before")
        logged_before = wait_until_no_outage(worker.log_path, timeout=30)

        own_broker.stop()
        time.sleep(OUTAGE_SECONDS)
        own_broker.start()

        acknowledge(producer, collector, names, f"CPR-{tag}-after", timeout=120)
        entries = wait_for_outage_end(worker.log_path, logged_before, timeout=60)
    finally:
        collector.stop()
        worker.stop()

    outage = [e for e in entries if "kafka_outage" in e]
    assert [e["kafka_outage"] for e in outage] == ["started", "ended"], outage
    assert outage[1]["suppressed"] > 100, "the clients retried a lot, and none of it shows"
    kafka = [e for e in entries if e["logger"].startswith(KAFKA_LOGGERS) and is_loud(e)]
    assert len(kafka) + len(outage) < MAX_KAFKA_LINES, [e["msg"][:120] for e in kafka]


def acknowledge(
    producer: Producer,
    collector: OutputCollector,
    names: dict[Topic, str],
    report_id: str,
    timeout: float = 60,
) -> None:
    message = messages.report_created(f"evt-{report_id}", now(), report(report_id))
    producer.produce(
        names[Topic.CUSTOMER_EVENTS],
        key=report_id.encode(),
        value=messages.value_bytes(message),
        headers=messages.headers(message),
    )
    assert producer.flush(timeout) == 0
    deadline = time.monotonic() + timeout
    while not any(
        o.key == report_id and o.topic is Topic.NOTIFICATIONS for o in collector.snapshot()
    ):
        assert time.monotonic() < deadline, f"{report_id} not acknowledged in {timeout} s"
        time.sleep(0.5)


def wait_until_no_outage(log: Path, timeout: float) -> int:
    """How many lines the worker wrote, once no outage is going on (a fresh broker's group
    coordinator can be unavailable for a moment while the worker starts)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = log.read_text(errors="replace").splitlines()
        states = [
            json.loads(line).get("kafka_outage") for line in lines if '"kafka_outage"' in line
        ]
        if not states or states[-1] == "ended":
            return len(lines)
        assert time.monotonic() < deadline, "the worker never stopped reporting an outage"
        time.sleep(0.5)


def wait_for_outage_end(log: Path, skip: int, timeout: float) -> list[dict[str, Any]]:
    """Every line the worker wrote after ``skip``, once the outage's end line is among them;
    every one of them is JSON (librdkafka's own lines go through logging too)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = log.read_text(errors="replace").splitlines()[skip:]
        entries = [json.loads(line) for line in lines if line.startswith("{")]
        if any(e.get("kafka_outage") == "ended" for e in entries):
            raw = [line for line in lines if not line.startswith("{") and "rdkafka" in line]
            assert not raw, raw[:3]
            return entries
        assert time.monotonic() < deadline, "no end of the outage logged"
        time.sleep(1)


def is_loud(entry: dict[str, Any]) -> bool:
    return entry["level"] in {"warning", "error", "critical"}
