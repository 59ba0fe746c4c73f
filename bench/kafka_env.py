"""A broker, topics and one worker process for the benchmarks that run on Kafka.

The broker is the one named by ``--bootstrap`` or a throwaway local Kafka started for the
run. The worker runs ``python -m problem_tracker worker`` as a child process, configured
through the environment as an operator would, with its own app id and topic prefix, so a
benchmark never shares state with anything else on the broker. Everything is removed at
the end: the worker and a throwaway broker stop, the run's topics are deleted from a
broker the benchmark did not start.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from confluent_kafka.admin import AdminClient
from prometheus_client.parser import text_string_to_metric_families

from problem_tracker.admin.topics import TopicSpec, ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, Settings, TopicSettings
from problem_tracker.kafka_local import LocalKafka, free_port


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


WORKER_TABLES = ("reports", "service-troubles", "deadlines")
"""Faust creates a table's changelog topic itself when the worker starts, and on a loaded
machine the first group join can come before the broker serves it: the worker then runs
without that changelog and fails every write to the table. Creating them first avoids
it; ``BenchWorker.start`` refuses a worker that still reports a missing topic."""


def create_topics(bootstrap: str, app_id: str, topics: RunTopics) -> None:
    """The contract topics under this run's prefix, and the worker's changelog topics."""
    changelogs = [
        TopicSpec(
            name=f"{app_id}-{table}-changelog",
            partitions=topics.partitions,
            replication_factor=1,
            config={"cleanup.policy": "compact"},
        )
        for table in WORKER_TABLES
    ]
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    ensure_topics(kafka, [*topic_plan(topics.settings), *changelogs])


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


@dataclass
class BenchWorker:
    """One worker process: start, wait until ready, read its RSS and CPU time, stop."""

    bootstrap: str
    app_id: str
    topics: RunTopics
    data_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    web_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / "worker.log"

    @property
    def pid(self) -> int:
        assert self.process is not None, "worker not started"
        return self.process.pid

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROBLEM_TRACKER_")}
        env.update(
            {
                "PROBLEM_TRACKER_KAFKA__BOOTSTRAP_SERVERS": self.bootstrap,
                "PROBLEM_TRACKER_TOPICS__PREFIX": self.topics.prefix,
                "PROBLEM_TRACKER_TOPICS__PARTITIONS": str(self.topics.partitions),
                "PROBLEM_TRACKER_WORKER__APP_ID": self.app_id,
                "PROBLEM_TRACKER_WORKER__DATA_DIR": str(self.data_dir / "state"),
                "PROBLEM_TRACKER_WORKER__WEB_PORT": str(self.web_port),
                "PROBLEM_TRACKER_WORKER__LOG_LEVEL": "INFO",
                **self.extra_env,
            }
        )
        return env

    def start(self, timeout: float = 120.0) -> BenchWorker:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "problem_tracker", "worker"],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(timeout)
        missing = [line for line in self.tail(400).splitlines() if "Ignoring missing topic" in line]
        if missing:
            self.stop()
            raise RuntimeError(f"the worker started without a topic it needs: {missing[0]}")
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.web_port}/ready"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"worker not ready after {timeout}s:\n{self.tail()}")

    def metrics(self) -> dict[str, float]:
        """The worker's Prometheus counters and gauges, one value per labelled series."""
        url = f"http://127.0.0.1:{self.web_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
        return {
            _series(sample.name, sample.labels): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def settle(self, timeout: float = 60.0) -> float:
        """Wait until the worker is idle again (under 5 % of a core for two seconds)."""
        started = time.monotonic()
        previous = cpu_seconds(self.pid)
        quiet = 0
        while quiet < 4 and time.monotonic() - started < timeout:
            time.sleep(0.5)
            current = cpu_seconds(self.pid)
            quiet = quiet + 1 if current - previous < 0.025 else 0
            previous = current
        return time.monotonic() - started

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

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM as an orchestrator would; SIGKILL the process group if it lingers."""
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _series(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if inner else name


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
