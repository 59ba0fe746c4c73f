"""A broker that stops answering makes the worker not ready after the grace period, and
ready again once it is back; the outage is two log lines, not one per retry."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from endpoints import ready
from worker_process import isolated_settings, start_ready, worker_in

from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, Settings, TopicSettings
from problem_tracker.kafka_local import LocalKafka

pytestmark = pytest.mark.integration


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalKafka]:
    broker = LocalKafka.throwaway(Settings().local_kafka, tmp_path / "kafka")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def _wait(what: str, check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_readiness_follows_the_broker_and_an_outage_is_two_lines(
    own_broker: LocalKafka, tmp_path: Path
) -> None:
    bootstrap = own_broker.bootstrap
    ensure_topics(
        KafkaSettings(bootstrap_servers=bootstrap),
        topic_plan(TopicSettings(prefix="out.", partitions=3)),
    )
    settings = isolated_settings(bootstrap, "pt-outage", "out.")
    env = {"PROBLEM_TRACKER_WORKER__BROKER_GRACE_SECONDS": "6"}
    worker = start_ready(worker_in(tmp_path / "worker", settings, env))
    try:
        own_broker.stop()
        _wait("not ready", lambda: not ready(worker)[0], timeout=60)
        assert any("has not answered" in problem for problem in ready(worker)[1])

        own_broker.start()
        _wait("ready again", lambda: ready(worker)[0], timeout=120)
    finally:
        worker.stop()
    lines = worker.log_path.read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    watch = [r["msg"] for r in records if r.get("logger", "").endswith("broker_watch")]
    assert watch == ["Kafka is not answering", "Kafka is answering again"]
