"""End to end on a real broker: one worker, customer problem reports in, complete reports out.

Inventory first says the NOC owns every service, then the run sends reports in two
phases: a paced phase (a steady, light rate) gives the latency of one report through the
worker, and a burst (every report as fast as the producer goes) gives the throughput the
worker sustains. A report counts as **complete** when every hop of its intake is done, as
read from the outputs: its StatusChange notification to ``inProgress`` was consumed from
customer-problem.notifications, and the reports table's changelog holds its state linked
to its service trouble report (the last hop: create → repartition → report → service
trouble → link). The ``acknowledged`` notification, which the create alone produces, is
counted too, but only as the first answer a customer sees. Latency runs from producing
the create to the moment the report is complete (or acknowledged), on this machine's
clock.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import Message

from bench.kafka_env import BenchWorker, cpu_seconds
from bench.report import RESULTS_DIR, Result, Stopwatch, finish, percentile
from bench.rig import Rig, add_rig_arguments, rig
from bench.traffic import Sender, TopicTail
from problem_tracker.config import Settings
from problem_tracker.contracts.stored import decode_stored
from problem_tracker.domain.report import DelegationKind, Status
from problem_tracker.simulate.messages import Topic
from problem_tracker.streaming.topics import TABLES
from problem_tracker.translation.state import decode_report

STATUS_CHANGE = "CustomerProblemReportStatusChangeEvent"
SAMPLE_EVERY = 5.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("pipeline", help="one worker end to end on a real broker")
    parser.add_argument("--reports", type=int, default=5000, help="reports in the burst")
    parser.add_argument("--paced", type=int, default=200, help="reports in the paced phase")
    parser.add_argument("--rate", type=float, default=20.0, help="paced reports per second")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per phase")
    parser.add_argument(
        "--no-restart",
        dest="restart",
        action="store_false",
        help="skip restarting the worker at the end (restart time, due-index rebuild)",
    )
    add_rig_arguments(parser)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.set_defaults(handler=run)


@dataclass
class Progress:
    """When each report was acknowledged, notified inProgress, saved linked and complete."""

    acknowledged: dict[str, float] = field(default_factory=dict)
    notified: dict[str, float] = field(default_factory=dict)
    saved: dict[str, float] = field(default_factory=dict)
    at: dict[str, float] = field(default_factory=dict)
    """When each report was complete: the later of ``notified`` and ``saved``."""
    dead_letters: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(
        self, role: Topic, key: str | None, headers: dict[str, str], value: bytes, at: float
    ) -> None:
        if role is Topic.DLQ:
            self.dead_letters += 1
            return
        if key is None or headers.get("eventType") != STATUS_CHANGE:
            return
        status = json.loads(value)["event"]["customerProblemReport"].get("status")
        with self.lock:
            if status == "acknowledged":
                self.acknowledged.setdefault(key, at)
            elif status == "inProgress" and key not in self.notified:
                self.notified[key] = at
                self._complete(key, at)

    def saved_state(self, record: Message, at: float) -> None:
        """A reports changelog record: complete once its state is linked and inProgress."""
        key, value = record.key(), record.value()
        if key is None or value is None:
            return
        report_id = key.decode()
        if report_id in self.saved or not is_linked_in_progress(value):
            return
        with self.lock:
            self.saved[report_id] = at
            self._complete(report_id, at)

    def _complete(self, report_id: str, at: float) -> None:
        if report_id in self.notified and report_id in self.saved:
            self.at[report_id] = at

    def count(self) -> int:
        with self.lock:
            return len(self.at)


def is_linked_in_progress(value: bytes) -> bool:
    report = decode_report(decode_stored(value).state)
    linked = any(
        work.kind is DelegationKind.SERVICE_TROUBLE and work.request_id is not None
        for work in report.delegated
    )
    return linked and report.status is Status.IN_PROGRESS


@dataclass
class Phase:
    """One batch of reports: when each was sent, and what was seen while waiting."""

    name: str
    complete_before: int
    sent: dict[str, float] = field(default_factory=dict)
    produce_seconds: float = 0.0
    complete: bool = False
    rss_samples: list[tuple[int, float]] = field(default_factory=list)


WATCH = (Topic.NOTIFICATIONS, Topic.DLQ)


def run(args: argparse.Namespace, settings: Settings) -> int:
    parameters = {k: v for k, v in vars(args).items() if k not in ("handler", "results_dir")}
    result = Result("pipeline", parameters)
    progress = Progress()
    with (
        rig(args, settings, "pipeline", WATCH, progress.seen) as running,
        following_saves(running, progress),
    ):
        result.add("worker start until ready", round(running.worker_start_seconds, 1), "s")
        measure(result, args, running, progress)
    result.add("dead letters seen", progress.dead_letters)
    add_context_notes(result)
    return finish(result, args.results_dir)


@contextmanager
def following_saves(running: Rig, progress: Progress) -> Iterator[None]:
    """The reports table's changelog read into ``progress`` while the block runs."""
    changelog = f"{running.worker.settings.effective_app_id}-{TABLES[0]}-changelog"
    tail = TopicTail(
        running.kafka.bootstrap, [changelog], running.topics.partitions, progress.saved_state
    ).start()
    try:
        yield
    finally:
        tail.stop()


def measure(result: Result, args: argparse.Namespace, running: Rig, progress: Progress) -> None:
    sender, services, worker = running.sender, running.services, running.worker
    result.add("worker RSS when ready", round(worker.rss() / 2**20, 1), "MiB")
    if args.paced:
        paced = send_paced(sender, progress, services, args.paced, args.rate)
        wait_for(paced, progress, args.timeout, worker)
        report_phase(result, paced, progress)
        worker.settle()
    measure_burst(result, running, progress, args.reports, args.paced, args.timeout)
    if args.restart:
        restart(result, worker)


def measure_burst(
    result: Result, running: Rig, progress: Progress, count: int, offset: int, timeout: float
) -> None:
    """Every report at once: throughput from the outputs, CPU until the worker is idle."""
    worker = running.worker
    before = Usage.of(worker, running.kafka.pid)
    burst = send_burst(running.sender, progress, running.services, count, offset)
    wait_for(burst, progress, timeout, worker)
    report_phase(result, burst, progress)
    settled = worker.settle(timeout)
    report_costs(result, burst, before, Usage.of(worker, running.kafka.pid))
    result.add("wait for the worker to be idle after the burst", round(settled, 1), "s")


def restart(result: Result, worker: BenchWorker) -> None:
    """Stop the worker and start it on the same state: how long until it is ready again,
    and how long its due-index rebuild from the deadlines table took."""
    with Stopwatch() as restarting:
        worker.stop()
        worker.start()
    result.add("restart on the same state until ready", round(restarting.seconds, 1), "s")
    rebuild = worker.last_rebuild()
    if rebuild is None:
        result.notes.append("the worker log shows no due-index rebuild after the restart")
        return
    entries, seconds = rebuild
    result.add("due-index rebuild after restart, entries", entries)
    result.add("due-index rebuild after restart (worker log)", round(seconds, 3), "s")


@dataclass(frozen=True)
class Usage:
    """What the worker (and a broker the benchmark started) had used at one moment."""

    rss: int
    cpu: float
    broker_cpu: float | None
    counters: dict[str, float]

    @classmethod
    def of(cls, worker: BenchWorker, broker_pid: int | None) -> Usage:
        return cls(
            worker.rss(),
            worker.cpu(),
            cpu_seconds(broker_pid) if broker_pid else None,
            worker.metrics(),
        )


def report_costs(result: Result, burst: Phase, before: Usage, after: Usage) -> None:
    """CPU, memory and messages of the burst, once the worker is idle again."""
    n = len(burst.sent)
    cpu = after.cpu - before.cpu
    result.add("worker CPU for the burst, until idle again", round(cpu, 1), "s")
    result.add("worker CPU per report", round(cpu / n * 1000, 2), "ms")
    if before.broker_cpu is not None and after.broker_cpu is not None:
        broker_cpu = after.broker_cpu - before.broker_cpu
        result.add("broker CPU for the burst", round(broker_cpu, 1), "s")
        result.add("broker CPU per report", round(broker_cpu / n * 1000, 2), "ms")
    report_traffic(result, before.counters, after.counters, n)
    result.add("worker RSS at the end (VmRSS)", round(after.rss / 2**20, 1), "MiB")
    result.add("worker RSS growth per burst report", round((after.rss - before.rss) / n), "B")
    result.series["burst: worker RSS MiB by reports complete"] = [
        *burst.rss_samples,
        (n, round(after.rss / 2**20, 1)),
    ]


def report_traffic(
    result: Result, before: dict[str, float], after: dict[str, float], n: int
) -> None:
    """Messages the worker consumed and produced per burst report, from its own counters."""
    for direction in ("in", "out"):
        prefix = f"problem_tracker_messages_{direction}_total{{"
        moved = sum(v - before.get(k, 0.0) for k, v in after.items() if k.startswith(prefix))
        result.add(f"worker messages {direction} per report", round(moved / n, 2))


def send_paced(
    sender: Sender, progress: Progress, services: list[str], count: int, rate: float
) -> Phase:
    phase = Phase("paced", progress.count())
    started = time.monotonic()
    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        report_id = f"CPR-{i:07d}"
        phase.sent[report_id] = sender.create(report_id, services[i % len(services)])
    sender.flush()
    phase.produce_seconds = time.monotonic() - started
    return phase


def send_burst(
    sender: Sender, progress: Progress, services: list[str], count: int, offset: int
) -> Phase:
    phase = Phase("burst", progress.count())
    with Stopwatch() as producing:
        for i in range(offset, offset + count):
            report_id = f"CPR-{i:07d}"
            phase.sent[report_id] = sender.create(report_id, services[i % len(services)])
        sender.flush()
    phase.produce_seconds = producing.seconds
    return phase


def wait_for(phase: Phase, progress: Progress, timeout: float, worker: BenchWorker) -> None:
    """Until every report of the phase is complete, the time is up or the worker died;
    the worker's RSS is sampled every few seconds on the way."""
    deadline = time.monotonic() + timeout
    next_sample = 0.0
    while time.monotonic() < deadline and worker.alive:
        complete = progress.count() - phase.complete_before
        if time.monotonic() >= next_sample:
            phase.rss_samples.append((complete, round(worker.rss() / 2**20, 1)))
            next_sample = time.monotonic() + SAMPLE_EVERY
        if complete >= len(phase.sent):
            phase.complete = True
            return
        time.sleep(0.1)
    if not worker.alive:
        raise RuntimeError(f"worker died during the {phase.name} phase:\n{worker.tail()}")


def report_phase(result: Result, phase: Phase, progress: Progress) -> None:
    name = phase.name
    first_sent = min(phase.sent.values())
    result.add(f"{name}: reports sent", len(phase.sent))
    result.add(f"{name}: produce rate", round(len(phase.sent) / phase.produce_seconds), "/s")
    for kind, moments in (("complete", progress.at), ("acknowledged", progress.acknowledged)):
        with progress.lock:
            reached = {r: moments[r] for r in phase.sent if r in moments}
        result.add(f"{name}: reports {kind}", len(reached))
        if len(reached) < len(phase.sent):
            result.notes.append(f"{name}: only {len(reached)} of {len(phase.sent)} {kind} in time")
        if not reached:
            continue
        done = sorted(reached.values())
        result.add(
            f"{name}: {kind} rate, overall",
            round(len(done) / max(done[-1] - first_sent, 1e-9), 1),
            "reports/s",
        )
        if len(done) >= 20:
            result.add(
                f"{name}: {kind} rate, sustained (10th-90th pct)", sustained(done), "reports/s"
            )
        latencies = [moment - phase.sent[r] for r, moment in reached.items()]
        for label, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            latency = round(percentile(latencies, fraction) * 1000)
            result.add(f"{name}: {kind} latency {label}", latency, "ms")
        result.add(f"{name}: {kind} latency max", round(max(latencies) * 1000), "ms")


def sustained(moments: list[float]) -> float:
    """Completions per second between the 10th and the 90th percentile of ``moments``
    (sorted): the steady rate, without the start-up and the tail."""
    low, high = len(moments) // 10, len(moments) * 9 // 10
    return round((high - low) / max(moments[high] - moments[low], 1e-9), 1)


def add_context_notes(result: Result) -> None:
    result.notes.append(
        "broker, worker and this load generator share the machine; the burst latency is "
        "mostly time spent queued behind earlier reports, the paced latency is the path "
        "of one report; a report is complete once notified inProgress and saved linked "
        "(reports changelog)"
    )
