"""``problem-tracker worker --processes 2``: two workers of one group on one host, each
with its own tables and port, share the partitions, and stop together on one SIGTERM."""

from __future__ import annotations

import os
import urllib.request
import uuid
from pathlib import Path

import pytest
from pipeline import Pipeline
from prometheus_client.parser import text_string_to_metric_families
from worker_process import isolated_settings, start_ready

from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, TopicSettings
from problem_tracker.kafka_local import free_port
from problem_tracker.kafka_local.broker import port_is_free
from problem_tracker.worker_child import WorkerChild

pytestmark = pytest.mark.integration

REPORTS = 30


def _free_pair() -> int:
    while True:
        port = free_port()
        if port < 65535 and port_is_free(port + 1):
            return port


def _decisions(url: str) -> float:
    """Domain events this process decided, all types together."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "problem_tracker_domain_events_total"
    )


def test_two_worker_processes_share_the_partitions_and_stop_together(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    prefix = f"it{tag}."
    ensure_topics(
        KafkaSettings(bootstrap_servers=kafka_bootstrap),
        topic_plan(TopicSettings(prefix=prefix, partitions=3)),
    )
    settings = isolated_settings(kafka_bootstrap, f"pt-it-{tag}", prefix)
    port = _free_pair()
    worker_settings = settings.worker.model_copy(
        update={"data_dir": tmp_path / "state", "web_port": port}
    )
    worker = WorkerChild(
        settings.model_copy(update={"worker": worker_settings}),
        tmp_path / "worker.log",
        os.environ,
        worker_args=["--processes", "2"],
    )
    pipeline = Pipeline(kafka_bootstrap, prefix, worker)
    pipeline.collector.start()
    second = f"http://{worker_settings.web_host}:{port + 1}"
    try:
        start_ready(worker)
        pipeline.wait_for("the second process ready", lambda: _ready(second), timeout=90)
        pipeline.own("svc-procs", "noc", "internal")
        for i in range(REPORTS):
            pipeline.create(f"CPR-procs-{i}", services=["svc-procs"])
        for i in range(REPORTS):
            pipeline.wait_status(f"CPR-procs-{i}", "inProgress", timeout=90)

        assert _decisions(worker.base_url) > 0
        assert _decisions(second) > 0
    finally:
        stopped = worker.stop()
        pipeline.collector.stop()

    assert stopped, worker.tail()
    assert worker.process is not None
    assert worker.process.returncode == 0
    assert sorted(p.name for p in (tmp_path / "state").iterdir() if p.is_dir()) == [
        "process-0",
        "process-1",
    ]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ready", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False
