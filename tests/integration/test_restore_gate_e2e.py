"""Input produced while a worker restores its tables or the group rebalances is never
skipped (issue 10, defect 3).

Two workers on their own topics take a steady stream of creates plus bursts (so their
queues are full when the group changes) while one of them is killed, loses its disk and
comes back (its tables restored from the changelogs), and a third one joins and leaves.
The workers carry ``restore_probe`` (see its docstring): a slow group coordinator that
widens the window between "input partitions resumed" and "input partitions sought" from
milliseconds to about a second, and a witness of input records handed to the agents in
that window. Before the gate in ``streaming/consumer.py`` the witness fired in every
recovery with traffic, and some of those records were never processed while the group's
committed offsets moved past them; here every create is acknowledged, nothing is
dead-lettered, the committed offsets reach the end of every input partition, and the
witness stays silent.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from pipeline import now, report
from records import DEFAULT_NAMES, OutputCollector
from worker_process import home_of, isolated_settings, start_ready, worker_in

from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, Settings, TopicSettings
from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import Topic
from problem_tracker.worker_child import WorkerChild

pytestmark = pytest.mark.integration

PROBE_DIR = Path(__file__).parent / "restore_probe"
PROBE_ENV = {
    "PT_RESTORE_PROBE": "1",
    "PT_PROBE_OFFSET_FETCH_DELAY": "0.05",
    "PYTHONPATH": os.pathsep.join([str(PROBE_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]),
}
RATE_PER_SECOND = 40
BURST = 400


class Upstream:
    """Create events at a steady pace in a thread, bursts on demand, every id remembered."""

    def __init__(self, bootstrap: str, topic: str, tag: str) -> None:
        self._producer = Producer({"bootstrap.servers": bootstrap})
        self._topic = topic
        self._tag = tag
        self._ids = itertools.count()
        self.sent: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _send(self) -> None:
        report_id = f"CPR-{self._tag}-{next(self._ids)}"
        message = messages.report_created(f"evt-{report_id}", now(), report(report_id))
        with self._lock:
            self._producer.produce(
                self._topic,
                key=report_id.encode(),
                value=messages.value_bytes(message),
                headers=messages.headers(message),
            )
            self._producer.poll(0)
            self.sent.append(report_id)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._send()
            time.sleep(1 / RATE_PER_SECOND)

    def burst(self, count: int) -> None:
        for _ in range(count):
            self._send()
        with self._lock:
            self._producer.flush(30)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join(10)
        with self._lock:
            assert self._producer.flush(30) == 0, "creates left undelivered"
        return list(self.sent)


@pytest.fixture
def cluster(
    kafka_bootstrap: str, tmp_path: Path
) -> Iterator[tuple[Settings, dict[str, WorkerChild]]]:
    tag = uuid.uuid4().hex[:8]
    prefix = f"rg{tag}."
    ensure_topics(
        KafkaSettings(bootstrap_servers=kafka_bootstrap),
        topic_plan(TopicSettings(prefix=prefix, partitions=3)),
    )
    settings = isolated_settings(kafka_bootstrap, f"pt-rg-{tag}", prefix)
    workers = {name: worker_in(tmp_path / name, settings, PROBE_ENV) for name in ("a", "b", "c")}
    yield settings, workers
    for worker in workers.values():
        worker.stop()


def test_no_input_is_skipped_while_a_worker_restores_or_the_group_rebalances(
    kafka_bootstrap: str, cluster: tuple[Settings, dict[str, WorkerChild]]
) -> None:
    settings, workers = cluster
    prefix = settings.topics.prefix
    names = {topic: prefix + name for topic, name in DEFAULT_NAMES.items()}
    collector = OutputCollector(kafka_bootstrap, names)
    collector.start()
    upstream = Upstream(kafka_bootstrap, names[Topic.CUSTOMER_EVENTS], prefix)
    try:
        start_ready(workers["a"])
        start_ready(workers["b"])
        upstream.start()
        time.sleep(3)

        # a worker crashes with full queues, loses its disk, and restores its tables
        upstream.burst(BURST)
        workers["a"].kill()
        shutil.rmtree(workers["a"].settings.worker.data_dir)
        workers["a"] = start_ready(
            worker_in(home_of(workers["a"]), settings, workers["a"].overrides)
        )
        time.sleep(3)

        # a third worker joins, then leaves, each time with full queues
        upstream.burst(BURST)
        start_ready(workers["c"])
        time.sleep(3)
        upstream.burst(BURST)
        workers["c"].stop()
        time.sleep(3)
        sent = upstream.stop()

        missing = _wait_acknowledged(collector, sent, timeout=90)
        assert not missing, f"{len(missing)} of {len(sent)} never acknowledged: {missing[:5]}"
        assert not [o for o in collector.snapshot() if o.topic is Topic.DLQ]
        _wait_committed_to_end(kafka_bootstrap, settings, timeout=30)
        early = [line for w in workers.values() for line in _probe_lines(w)]
        assert not early, f"input handed over before its partition was sought: {early[:3]}"
    finally:
        collector.stop()


def _acknowledged(collector: OutputCollector) -> set[str]:
    return {
        o.key
        for o in collector.snapshot()
        if o.topic is Topic.NOTIFICATIONS
        and o.key is not None
        and o.report.get("status") == "acknowledged"
    }


def _wait_acknowledged(collector: OutputCollector, sent: list[str], timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        acknowledged = _acknowledged(collector)
        missing = [report_id for report_id in sent if report_id not in acknowledged]
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(1)


def _wait_committed_to_end(bootstrap: str, settings: Settings, timeout: float) -> None:
    """The group's committed offsets reach the end of the upstream topic and of the
    repartition topic: no partition stalls behind a record that was never acknowledged."""
    app_id = settings.effective_app_id
    topics = [
        settings.topics.prefix + DEFAULT_NAMES[Topic.CUSTOMER_EVENTS],
        f"{app_id}-customer-events-repartition",
    ]
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": app_id})
    try:
        partitions = [TopicPartition(t, p, OFFSET_BEGINNING) for t in topics for p in range(3)]
        deadline = time.monotonic() + timeout
        while True:
            behind = {}
            for tp in consumer.committed(partitions, timeout=10):
                end = consumer.get_watermark_offsets(tp, timeout=10)[1]
                if tp.offset < end:
                    behind[f"{tp.topic}[{tp.partition}]"] = (tp.offset, end)
            if not behind or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert not behind, f"committed offsets behind the end (committed, end): {behind}"
    finally:
        consumer.close()


def _probe_lines(worker: WorkerChild) -> list[str]:
    lines: list[str] = []
    for log in (worker.log_path, worker.log_path.with_suffix(".previous.log")):
        if log.exists():
            lines += [
                line
                for line in log.read_text(errors="replace").splitlines()
                if '"probe": "early-delivery"' in line
            ]
    return [json.dumps(json.loads(line)) for line in lines]
