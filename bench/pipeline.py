"""End to end on a real broker: one worker, customer problem reports in, acknowledgements out.

Inventory first says the NOC owns every service, then the run sends reports in two
phases: a paced phase (a steady, light rate) gives the latency of one report through the
worker, and a burst (every report as fast as the producer goes) gives the throughput the
worker sustains. A report counts as acknowledged when its StatusChange notification with
status ``acknowledged`` is consumed from customer-problem.notifications; its latency is
from the moment its create event was produced to that moment, both on this machine's
clock. Each create also makes the worker request a service trouble report, link it and
put the report inProgress, so this is the whole intake path, not a single hop.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.kafka_env import BenchWorker, cpu_seconds
from bench.report import RESULTS_DIR, Result, Stopwatch, finish, percentile, rss_bytes
from bench.rig import Rig, add_rig_arguments, rig
from bench.traffic import Sender
from problem_tracker.config import Settings
from problem_tracker.simulate.messages import Topic

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
class Acknowledgements:
    """When each report's acknowledgement arrived, and any dead letters seen."""

    at: dict[str, float] = field(default_factory=dict)
    dead_letters: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(
        self, role: Topic, key: str | None, headers: dict[str, str], value: bytes, at: float
    ) -> None:
        if role is Topic.DLQ:
            self.dead_letters += 1
            return
        if key is None or key in self.at or headers.get("eventType") != STATUS_CHANGE:
            return
        report = json.loads(value)["event"]["customerProblemReport"]
        if report.get("status") == "acknowledged":
            with self.lock:
                self.at[key] = at

    def count(self) -> int:
        with self.lock:
            return len(self.at)


@dataclass
class Phase:
    """One batch of reports: when each was sent, and what was seen while waiting."""

    name: str
    acknowledged_before: int
    sent: dict[str, float] = field(default_factory=dict)
    produce_seconds: float = 0.0
    complete: bool = False
    rss_samples: list[tuple[int, float]] = field(default_factory=list)


def run(args: argparse.Namespace, settings: Settings) -> int:
    parameters = {k: v for k, v in vars(args).items() if k not in ("handler", "results_dir")}
    result = Result("pipeline", parameters)
    acks = Acknowledgements()
    watch = (Topic.NOTIFICATIONS, Topic.DLQ)
    with rig(args, settings, "pipeline", watch, acks.seen) as running:
        result.add("worker start until ready", round(running.worker_start_seconds, 1), "s")
        measure(result, args, running, acks)
    result.add("dead letters seen", acks.dead_letters)
    add_context_notes(result)
    return finish(result, args.results_dir)


def measure(result: Result, args: argparse.Namespace, running: Rig, acks: Acknowledgements) -> None:
    sender, services, worker = running.sender, running.services, running.worker
    result.add("worker RSS when ready", round(rss_bytes(worker.pid) / 2**20, 1), "MiB")
    if args.paced:
        paced = send_paced(sender, acks, services, args.paced, args.rate)
        wait_for(paced, acks, args.timeout, worker)
        report_phase(result, paced, acks)
        worker.settle()
    before = Usage.of(worker, running.kafka.pid)
    burst = send_burst(sender, acks, services, args.reports, offset=args.paced)
    wait_for(burst, acks, args.timeout, worker)
    report_phase(result, burst, acks)
    settled = worker.settle(args.timeout)
    report_costs(result, burst, before, Usage.of(worker, running.kafka.pid))
    result.add("wait for the worker to be idle after the burst", round(settled, 1), "s")
    if args.restart:
        restart(result, worker)


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
            rss_bytes(worker.pid),
            cpu_seconds(worker.pid),
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
        result.add("broker CPU for the burst", round(after.broker_cpu - before.broker_cpu, 1), "s")
    report_traffic(result, before.counters, after.counters, n)
    result.add("worker RSS at the end (VmRSS)", round(after.rss / 2**20, 1), "MiB")
    result.add("worker RSS growth per burst report", round((after.rss - before.rss) / n), "B")
    result.series["burst: worker RSS MiB by reports acknowledged"] = [
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
    sender: Sender, acks: Acknowledgements, services: list[str], count: int, rate: float
) -> Phase:
    phase = Phase("paced", acks.count())
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
    sender: Sender, acks: Acknowledgements, services: list[str], count: int, offset: int
) -> Phase:
    phase = Phase("burst", acks.count())
    with Stopwatch() as producing:
        for i in range(offset, offset + count):
            report_id = f"CPR-{i:07d}"
            phase.sent[report_id] = sender.create(report_id, services[i % len(services)])
        sender.flush()
    phase.produce_seconds = producing.seconds
    return phase


def wait_for(phase: Phase, acks: Acknowledgements, timeout: float, worker: BenchWorker) -> None:
    """Until every report of the phase is acknowledged, the time is up or the worker died;
    the worker's RSS is sampled every few seconds on the way."""
    deadline = time.monotonic() + timeout
    next_sample = 0.0
    while time.monotonic() < deadline and worker.alive:
        acknowledged = acks.count() - phase.acknowledged_before
        if time.monotonic() >= next_sample:
            phase.rss_samples.append((acknowledged, round(rss_bytes(worker.pid) / 2**20, 1)))
            next_sample = time.monotonic() + SAMPLE_EVERY
        if acknowledged >= len(phase.sent):
            phase.complete = True
            return
        time.sleep(0.1)
    if not worker.alive:
        raise RuntimeError(f"worker died during the {phase.name} phase:\n{worker.tail()}")


def report_phase(result: Result, phase: Phase, acks: Acknowledgements) -> None:
    name = phase.name
    latencies = [acks.at[r] - sent for r, sent in phase.sent.items() if r in acks.at]
    done = sorted(acks.at[r] for r in phase.sent if r in acks.at)
    first_sent = min(phase.sent.values())
    result.add(f"{name}: reports sent", len(phase.sent))
    result.add(f"{name}: reports acknowledged", len(done))
    result.add(f"{name}: produce rate", round(len(phase.sent) / phase.produce_seconds), "/s")
    if not phase.complete:
        result.notes.append(f"{name}: only {len(done)} of {len(phase.sent)} acknowledged in time")
    if not done:
        return
    result.add(
        f"{name}: acknowledged rate, overall",
        round(len(done) / (done[-1] - first_sent), 1),
        "reports/s",
    )
    if len(done) >= 20:
        low, high = done[len(done) // 10], done[len(done) * 9 // 10]
        steady = (len(done) * 9 // 10 - len(done) // 10) / max(high - low, 1e-9)
        result.add(
            f"{name}: acknowledged rate, sustained (10th-90th pct)", round(steady, 1), "reports/s"
        )
    for label, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        result.add(f"{name}: latency {label}", round(percentile(latencies, fraction) * 1000), "ms")
    result.add(f"{name}: latency max", round(max(latencies) * 1000), "ms")


def add_context_notes(result: Result) -> None:
    result.notes.append(
        "broker, worker and this load generator share the machine; the burst latency is "
        "mostly time spent queued behind earlier reports, the paced latency is the path "
        "of one report"
    )
