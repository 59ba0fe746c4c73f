"""One demo run: a broker, the topics, one worker, simulated traffic, and what came out.

Each run gets its own app id and topic prefix (``demo-<timestamp>``), so a rerun starts
from empty topics and empty tables on the same broker.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from rich.console import Console

from problem_tracker.admin.client_config import confluent_config
from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import Settings
from problem_tracker.demo.outputs import read_outputs
from problem_tracker.demo.summary import DemoSummary, summarise
from problem_tracker.kafka_local import LocalKafka, free_port
from problem_tracker.kafka_local.broker import port_is_free
from problem_tracker.simulate import Simulation, SimulationOptions, SimulationReport
from problem_tracker.simulate.console import ProgressView
from problem_tracker.worker_child import WorkerChild, WorkerStartError, holds_live_worker

FAST_POLICY = Path("deploy/policies/sla-policy.fast.yaml")
CLUSTER_TIMEOUT = 10.0
SILENT = 0
"""A cluster that does not answer is said once, in the error, not in a retry per 50 ms."""


def prune_state(root: Path, keep: str) -> None:
    """Forget the tables of earlier runs, except those a kept worker still uses.

    Faust names table files without the app id, so each run needs a directory of its own.
    """
    for run_dir in root.glob("demo-*"):
        if run_dir.name != keep and not holds_live_worker(run_dir):
            shutil.rmtree(run_dir, ignore_errors=True)


class DemoError(RuntimeError):
    """A step failed; the message is the one line to show, ``details`` what explains it."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


@dataclass(frozen=True)
class DemoOptions:
    """A bounded run: ``count`` reports at ``rate`` upstream events/s for at most ``duration``."""

    count: int = 60
    rate: float = 20.0
    duration: float = 75.0
    bad_rate: float = 0.05
    resolve_after: float = 8.0
    """Delegated work takes 4-12 s: around the fast policy's targets, so some reports breach."""
    idle_timeout: float = 10.0
    """Traffic ends this long after the last message once every report was created: a
    report whose delegated work was rejected waits for people, not for the simulator."""
    seed: int | None = None
    keep_worker: bool = False
    workdir: Path = Path("var/demo")
    sla_policy: Path = FAST_POLICY
    ready_timeout: float = 90.0
    bootstrap_servers: str | None = None
    """An existing cluster; None starts (or reuses) the local Kafka."""


@dataclass(frozen=True)
class DemoResult:
    run_id: str
    settings: Settings
    local_kafka: bool
    kafka_seconds: float
    ready_seconds: float
    simulation: SimulationReport
    summary: DemoSummary
    kept_worker_pid: int | None
    worker_stop: str | None
    elapsed: float


class Demo:
    """Runs the steps in order, saying what each did; the worker never outlives a failure."""

    def __init__(
        self,
        settings: Settings,
        options: DemoOptions,
        console: Console,
        environ: Mapping[str, str],
    ) -> None:
        self.settings = settings
        self.options = options
        self.console = console
        self._environ = environ
        self.run_id = f"demo-{datetime.now():%Y%m%d-%H%M%S}"

    def run(self) -> DemoResult:
        started = time.monotonic()
        if not self.options.sla_policy.is_file():
            raise DemoError(
                f"SLA policy {self.options.sla_policy} not found: "
                "run from the repository root or pass --sla-policy"
            )
        bootstrap, kafka_seconds = self._broker()
        settings = self._demo_settings(bootstrap)
        self._topics(settings)
        prune_state(settings.worker.data_dir.parent, keep=self.run_id)
        worker = WorkerChild(settings, self.options.workdir / "worker.log", self._environ)
        with worker:
            worker.start()
            ready = self._ready(worker)
            report = self._simulate(settings)
            if report.interrupted:
                raise KeyboardInterrupt
            outputs = read_outputs(settings.kafka, settings.topics)
            kept = worker.detach() if self.options.keep_worker else None
            stop = None if kept else self._stop(worker)
        return DemoResult(
            run_id=self.run_id,
            settings=settings,
            local_kafka=self.options.bootstrap_servers is None,
            kafka_seconds=kafka_seconds,
            ready_seconds=ready,
            simulation=report,
            summary=summarise(outputs),
            kept_worker_pid=kept,
            worker_stop=stop,
            elapsed=time.monotonic() - started,
        )

    def _broker(self) -> tuple[str, float]:
        started = time.monotonic()
        if self.options.bootstrap_servers is not None:
            bootstrap = self.options.bootstrap_servers
            self._check_answers(bootstrap)
            self._say(f"Kafka    using {bootstrap}, answered in {time.monotonic() - started:.1f} s")
            return bootstrap, time.monotonic() - started
        broker = LocalKafka(self.settings.local_kafka)
        running = broker.running_bootstrap()
        bootstrap = running or broker.start()
        elapsed = time.monotonic() - started
        how = "already up, reused" if running else f"started (Kafka {broker.settings.version})"
        self._say(f"Kafka    {bootstrap} {how} in {elapsed:.1f} s")
        return bootstrap, elapsed

    def _check_answers(self, bootstrap: str) -> None:
        kafka = self.settings.kafka.model_copy(update={"bootstrap_servers": bootstrap})
        admin = AdminClient({**confluent_config(kafka), "log_level": SILENT})
        try:
            admin.list_topics(timeout=CLUSTER_TIMEOUT)
        except KafkaException as exc:
            raise DemoError(f"Kafka at {bootstrap} does not answer: {exc.args[0].str()}") from exc

    def _demo_settings(self, bootstrap: str) -> Settings:
        """The settings of this run: its own names and state, the fast SLA policy."""
        policy = self.options.sla_policy
        worker = self.settings.worker
        port = worker.web_port if worker.web_port and port_is_free(worker.web_port) else 0
        workdir = self.options.workdir.resolve()
        return self.settings.model_copy(
            update={
                "kafka": self.settings.kafka.model_copy(update={"bootstrap_servers": bootstrap}),
                "topics": self.settings.topics.model_copy(update={"prefix": f"{self.run_id}."}),
                "worker": worker.model_copy(
                    update={
                        "app_id": self.run_id,
                        "data_dir": workdir / "state" / self.run_id,
                        "sla_policy_file": policy.resolve(),
                        "web_port": port or free_port(),
                    }
                ),
            }
        )

    def _topics(self, settings: Settings) -> None:
        report = ensure_topics(settings.kafka, topic_plan(settings.topics))
        self._say(
            f"Topics   {len(report.created)} created with prefix {settings.topics.prefix} "
            f"({settings.topics.partitions} partitions each)"
        )

    def _ready(self, worker: WorkerChild) -> float:
        self._say(f"Worker   starting, log {worker.log_path}")
        try:
            seconds = worker.wait_ready(self.options.ready_timeout)
        except WorkerStartError as exc:
            raise DemoError(str(exc), worker.log_excerpt()) from exc
        self._say(f"Worker   ready in {seconds:.1f} s at {worker.base_url} (/ready /metrics)")
        return seconds

    def _simulate(self, settings: Settings) -> SimulationReport:
        options = SimulationOptions(
            count=self.options.count,
            rate=self.options.rate,
            seed=self.options.seed,
            duration=self.options.duration,
            idle_timeout=self.options.idle_timeout,
            bad_rate=self.options.bad_rate,
            resolve_after=self.options.resolve_after,
            create_topics=False,
        )
        view = ProgressView(self.console, options.count, upstream=True, responders=True)
        simulation = Simulation(settings, options, on_progress=view.update)
        self._say(
            f"Traffic  {options.count} reports at {options.rate:g} events/s, "
            f"bad-rate {options.bad_rate:g}, seed {simulation.seed}"
        )
        with view:
            report = simulation.run()
            view.update(report)
        if report.delivery_failures:
            raise DemoError(f"records not delivered: {report.delivery_failures[0]}")
        return report

    def _stop(self, worker: WorkerChild) -> str:
        started = time.monotonic()
        graceful = worker.stop()
        how = "stopped gracefully (SIGTERM)" if graceful else "killed: it ignored SIGTERM"
        return f"{how} in {time.monotonic() - started:.1f} s"

    def _say(self, line: str) -> None:
        self.console.print(line, highlight=False)
