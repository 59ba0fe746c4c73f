"""A broker, topics and one worker process for the benchmarks that run on Kafka.

The broker is the one named by ``--bootstrap`` or a throwaway local Kafka started for the
run. The worker is the product's ``WorkerChild``: a child process configured through the
environment as an operator would, with its own app id and topic prefix, so a benchmark
never shares state with anything else on the broker. Everything is removed at the end: the
worker and a throwaway broker stop, the run's topics are deleted from a broker the
benchmark did not start.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Self

from confluent_kafka.admin import AdminClient
from prometheus_client.parser import text_string_to_metric_families

from bench.report import rss_bytes
from problem_tracker.admin.topics import deployment_plan, ensure_topics
from problem_tracker.config import KafkaSettings, Settings, TopicSettings, WorkerSettings
from problem_tracker.kafka_local import LocalKafka, free_port
from problem_tracker.kafka_local.broker import port_is_free
from problem_tracker.worker_child import WorkerChild, WorkerStartError


@dataclass(frozen=True)
class Broker:
    bootstrap: str
    pid: int | None
    """The broker's pid when the benchmark started it (its CPU time is then reported)."""


@contextmanager
def broker(bootstrap: str | None, settings: Settings, work_dir: Path) -> Iterator[Broker]:
    if bootstrap:
        yield Broker(bootstrap, None)
        return
    local = LocalKafka.throwaway(settings.local_kafka, work_dir / "kafka")
    try:
        address = local.start()
        yield Broker(address, local.pid())
    finally:
        local.stop()


@contextmanager
def work_directory(keep: bool) -> Iterator[Path]:
    if keep:
        path = Path(tempfile.mkdtemp(prefix="pt-bench-"))
        print(f"work directory kept: {path}")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="pt-bench-") as directory:
        yield Path(directory)


@dataclass(frozen=True)
class RunTopics:
    """This run's topic names: the contract topics under a prefix of its own."""

    prefix: str
    partitions: int

    @property
    def settings(self) -> TopicSettings:
        return TopicSettings(prefix=self.prefix, partitions=self.partitions)

    def name(self, field_name: str) -> str:
        settings = self.settings
        return settings.name(getattr(settings, field_name))


def new_run(label: str, partitions: int) -> tuple[str, RunTopics]:
    """A unique app id and topic prefix for one benchmark run."""
    tag = uuid.uuid4().hex[:8]
    return f"pt-bench-{label}-{tag}", RunTopics(f"bench{tag}.", partitions)


def create_topics(bootstrap: str, app_id: str, topics: RunTopics) -> None:
    """The contract topics under this run's prefix, and the worker's internal topics and
    changelogs. Faust creates a changelog itself when the worker starts, and on a loaded
    machine the first group join can come before the broker serves it: the worker then
    runs without that changelog and fails every write to the table. Creating them first
    avoids it; ``BenchWorker.start`` refuses a worker that still reports a missing topic."""
    settings = Settings(topics=topics.settings, worker=WorkerSettings(app_id=app_id))
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    ensure_topics(kafka, deployment_plan(settings))


def delete_run_topics(bootstrap: str, app_id: str, topics: RunTopics) -> list[str]:
    """Delete every topic of this run (contract topics and the worker's internal ones)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = [
        name
        for name in admin.list_topics(timeout=10).topics
        if name.startswith((topics.prefix, app_id))
    ]
    if names:
        for future in admin.delete_topics(names, operation_timeout=30).values():
            future.result(timeout=30)
    return names


class BenchWorker(WorkerChild):
    """One worker of a run (``processes`` > 1: a supervisor of that many worker processes,
    web ports from its own up), its log and tables under ``data_dir``: start it, read its
    metrics and CPU, wait for it to be idle, read its latest due-index rebuild."""

    def __init__(
        self,
        bootstrap: str,
        app_id: str,
        topics: RunTopics,
        data_dir: Path,
        extra_env: Mapping[str, str] | None = None,
        processes: int = 1,
    ) -> None:
        port = free_port_run(processes)
        settings = Settings(
            kafka=KafkaSettings(bootstrap_servers=bootstrap),
            topics=topics.settings,
            worker=WorkerSettings(
                app_id=app_id, data_dir=data_dir / "state", web_port=port, log_level="INFO"
            ),
        )
        args = ["--processes", str(processes)] if processes > 1 else []
        super().__init__(
            settings, data_dir / "worker.log", os.environ, overrides=extra_env, worker_args=args
        )
        self.urls = [f"http://{settings.worker.web_host}:{port + i}" for i in range(processes)]

    def start(self, timeout: float = 120.0) -> Self:
        """Start and wait until every process is ready; refuse a worker that reports a
        missing topic."""
        super().start()
        try:
            started = time.monotonic()
            self.wait_ready(timeout)
            for url in self.urls[1:]:
                _wait_ready(url, timeout - (time.monotonic() - started), self)
        except WorkerStartError as exc:
            self.stop()
            raise WorkerStartError(f"{exc}:\n{self.tail()}") from exc
        missing = [line for line in self.tail(400).splitlines() if "Ignoring missing topic" in line]
        if missing:
            self.stop()
            raise WorkerStartError(f"the worker started without a topic it needs: {missing[0]}")
        return self

    def metrics(self) -> dict[str, float]:
        """The worker's Prometheus counters and gauges, one value per labelled series,
        summed over its processes."""
        summed: dict[str, float] = {}
        for url in self.urls:
            with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
                text = response.read().decode()
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    name = _series(sample.name, sample.labels)
                    summed[name] = summed.get(name, 0.0) + sample.value
        return summed

    def cpu(self) -> float:
        """CPU seconds used by the worker and every process under it."""
        return sum(cpu_seconds(pid) for pid in process_tree(self.pid))

    def rss(self) -> int:
        """Resident bytes of the worker and every process under it."""
        return sum(rss_bytes(pid) for pid in process_tree(self.pid))

    def settle(self, timeout: float = 60.0) -> float:
        """Wait until the worker is idle again (under 5 % of a core for two seconds)."""
        return settle(self.cpu, timeout)

    def last_rebuild(self) -> tuple[int, float] | None:
        """(entries, seconds) of the worker's latest due-index rebuild, from its JSON log:
        Faust logs "Restore complete!" right before the rebalance-complete signal that
        runs the rebuild, and the rebuild logs "due-index rebuilt" when it is done."""
        restored: datetime | None = None
        found: tuple[int, float] | None = None
        for line in self.log_path.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            stamp = datetime.fromisoformat(record["ts"])
            if "Restore complete" in record.get("msg", ""):
                restored = stamp
            elif record.get("msg") == "due-index rebuilt" and restored is not None:
                found = (int(record["entries"]), (stamp - restored).total_seconds())
        return found


def _series(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if inner else name


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(cpu: Callable[[], float], timeout: float = 60.0) -> float:
    """Wait until ``cpu`` (CPU seconds so far) grows by under 5 % of a core for two
    seconds; the seconds waited."""
    started = time.monotonic()
    previous = cpu()
    quiet = 0
    while quiet < 4 and time.monotonic() - started < timeout:
        time.sleep(0.5)
        current = cpu()
        quiet = quiet + 1 if current - previous < 0.025 else 0
        previous = current
    return time.monotonic() - started


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants that are alive now."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text().split()
        except OSError:
            continue
        for child in children:
            found.extend(process_tree(int(child)))
    return found


def free_port_run(count: int) -> int:
    """A port from which ``count`` consecutive ports are free."""
    while True:
        port = free_port()
        if port + count - 1 <= 65535 and all(port_is_free(port + i) for i in range(1, count)):
            return port


def _wait_ready(url: str, timeout: float, worker: WorkerChild) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not worker.alive:
            raise WorkerStartError("the worker exited before every process was ready")
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise WorkerStartError(f"{url} was not ready within {timeout:.0f} s")
