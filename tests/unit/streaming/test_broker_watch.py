"""Readiness follows the cluster: not ready once it has not answered for the grace period;
one log line when it stops answering, one when it is back, none per retry."""

from __future__ import annotations

import logging
import threading

import pytest

from problem_tracker.streaming.broker_watch import BrokerWatch
from problem_tracker.streaming.views import Readiness


class Cluster:
    def __init__(self) -> None:
        self.up = True
        self.now = 100.0

    def probe(self) -> None:
        if not self.up:
            raise RuntimeError("Failed to get metadata: Local: Broker transport failure")


def test_a_silent_cluster_makes_the_worker_not_ready_after_the_grace_period(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cluster = Cluster()
    watch = BrokerWatch(cluster.probe, "k1:9092", grace_seconds=30, clock=lambda: cluster.now)
    loaded = threading.Event()
    loaded.set()
    readiness = Readiness(loaded, broker=watch.problem)
    readiness.rebalanced = True
    caplog.set_level(logging.INFO, logger="problem_tracker.streaming.broker_watch")

    assert watch.check()
    assert readiness.problems() == []
    cluster.up = False
    for _ in range(6):  # 6 retries within the grace period
        cluster.now += 5
        assert not watch.check()
    assert readiness.problems() == []
    cluster.now += 5.5
    watch.check()
    assert readiness.problems() == ["Kafka at k1:9092 has not answered for 36 s"]

    cluster.up = True
    cluster.now += 5
    assert watch.check()
    assert readiness.problems() == []
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines == [
        ("ERROR", "Kafka is not answering"),
        ("WARNING", "Kafka is answering again"),
    ]
    assert caplog.records[1].away_seconds == 35.5  # first failure to first answer  # type: ignore[attr-defined]


def test_an_outage_shorter_than_a_hanging_probe_is_still_logged_once_by_readiness(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The probe may block past the grace period (no failure yet): readiness notices the
    silence and logs the outage, and the next answer ends it."""
    cluster = Cluster()
    watch = BrokerWatch(cluster.probe, "k1:9092", grace_seconds=6, clock=lambda: cluster.now)
    caplog.set_level(logging.INFO, logger="problem_tracker.streaming.broker_watch")
    assert watch.check()

    cluster.now += 7
    assert watch.problem() == "Kafka at k1:9092 has not answered for 7 s"
    assert watch.problem() is not None
    cluster.now += 2
    assert watch.check()

    assert watch.problem() is None
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines == [
        ("ERROR", "Kafka is not answering"),
        ("WARNING", "Kafka is answering again"),
    ]
    assert caplog.records[1].away_seconds == 9  # type: ignore[attr-defined]
