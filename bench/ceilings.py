"""The worker against what Kafka, Faust and RocksDB alone allow, in one run on one broker.

Three ceilings carry the same create-event bytes as the pipeline's: a raw confluent-kafka
loop (consume → json → produce), a bare Faust agent (loads, dumps, send) and the same
agent writing each value into a RocksDB table with the project's store options (see
``bench.ceiling_child``). The fourth variant is the pipeline's burst: complete reports
(every hop done, read from the outputs, see ``bench.pipeline``). Optional variants: the
pipeline with ``worker --processes N`` (``--processes``) and with the worker's code from
earlier checkouts (``--baseline-src``, for a before/after). Each round runs every variant
one after the other, each on fresh topics and a fresh process, in an order that rotates
from round to round, so that the machine's drift falls on all of them; the ratios are
taken within each round and their median is printed.

A ceiling is timed from its outputs: throughput is the sustained rate of distinct output
records (10th to 90th percentile of their arrival), CPU is the process's CPU time from
just before the burst to the arrival of its last output. Each variant gets a warm-up of
``WARM_UP`` records (or reports) first, so start-up and reading the inventory are not
counted. The pipeline's CPU runs until the worker is idle again, as in ``bench
pipeline``. Broker CPU is reported when the run started the broker.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import Message

from bench import pipeline
from bench.ceiling_child import TABLE, VARIANTS
from bench.kafka_env import (
    Broker,
    broker,
    cpu_seconds,
    delete_run_topics,
    new_run,
    settle,
    work_directory,
)
from bench.report import RESULTS_DIR, Result, finish
from bench.rig import rig
from bench.traffic import Sender, TopicTail, create_message
from problem_tracker.admin.topics import TopicSpec, ensure_topics
from problem_tracker.config import KafkaSettings, Settings
from problem_tracker.simulate import messages

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 50
PIPELINE = "pipeline"
BASELINE = "baseline"
SEVERAL = "pipeline, N processes"
FAUST_TABLE = "faust-table"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ceilings", help="raw Kafka, bare Faust, Faust + RocksDB and the pipeline, interleaved"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reports", type=int, default=2000, help="pipeline burst reports")
    parser.add_argument("--messages", type=int, default=20000, help="records per ceiling")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per variant")
    parser.add_argument("--services", type=int, default=500, help="services the NOC owns")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--bootstrap", help="an existing broker (default: start a throwaway)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        action="append",
        default=[],
        help="also run the pipeline with the worker's code from this src/ directory (an "
        "earlier commit's checkout, say), for a before/after in the same run; repeatable",
    )
    parser.add_argument(
        "--no-ceilings",
        dest="ceilings",
        action="store_false",
        help="only the pipeline variants (with --baseline-src: a before/after alone)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="also run the pipeline with `worker --processes N` (N > 1), for N against one",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class Sample:
    """One variant in one round: records (or reports) per second and CPU per record."""

    rate: float
    cpu_ms: float
    broker_cpu_ms: float | None
    inbound_per_unit: float = 1.0


@dataclass
class Rounds:
    samples: dict[str, list[Sample]] = field(default_factory=dict)

    def add(self, variant: str, sample: Sample) -> None:
        self.samples.setdefault(variant, []).append(sample)

    def median(self, variant: str, attribute: str) -> float | None:
        values = [getattr(s, attribute) for s in self.samples.get(variant, [])]
        present = [v for v in values if v is not None]
        return round(statistics.median(present), 3) if present else None

    def ratio(self, a: str, a_attribute: str, b: str, b_attribute: str) -> float | None:
        """Median over rounds of a's figure over b's, taken round by round."""
        pairs = zip(self.samples.get(a, []), self.samples.get(b, []), strict=False)
        ratios = [
            getattr(x, a_attribute) / getattr(y, b_attribute)
            for x, y in pairs
            if getattr(y, b_attribute)
        ]
        return round(statistics.median(ratios), 2) if ratios else None


def order(
    round_index: int, baselines: int = 0, several: bool = False, ceilings: bool = True
) -> list[str]:
    """The variants of one round, rotated by one place per round."""
    variants = [
        *(VARIANTS if ceilings else ()),
        PIPELINE,
        *(baseline_name(i) for i in range(baselines)),
        *((SEVERAL,) if several else ()),
    ]
    shift = round_index % len(variants)
    return variants[shift:] + variants[:shift]


def baseline_name(index: int) -> str:
    return f"{BASELINE}{index + 1}"


def run(args: argparse.Namespace, settings: Settings) -> int:
    parameters = {k: v for k, v in vars(args).items() if k not in ("handler", "results_dir")}
    result = Result("ceilings", parameters)
    rounds = Rounds()
    with ExitStack() as stack:
        work = stack.enter_context(work_directory(args.keep))
        kafka = stack.enter_context(broker(args.bootstrap, settings, work))
        for index in range(args.rounds):
            variants = order(index, len(args.baseline_src), args.processes > 1, args.ceilings)
            for variant in variants:
                print(f"round {index + 1}/{args.rounds}: {variant}", flush=True)
                if variant == PIPELINE:
                    rounds.add(variant, measure_pipeline(args, settings, kafka))
                elif variant == SEVERAL:
                    sample = measure_pipeline(args, settings, kafka, processes=args.processes)
                    rounds.add(variant, sample)
                elif variant.startswith(BASELINE):
                    src = args.baseline_src[int(variant.removeprefix(BASELINE)) - 1]
                    env = {"PYTHONPATH": str(src.resolve())}
                    rounds.add(variant, measure_pipeline(args, settings, kafka, env))
                else:
                    rounds.add(variant, measure_ceiling(args, kafka, work, variant))
                print(f"  {rounds.samples[variant][-1]}", flush=True)
    report(result, rounds)
    return finish(result, args.results_dir)


def report(result: Result, rounds: Rounds) -> None:
    for variant in (v for v in VARIANTS if v in rounds.samples):
        result.add(f"{variant}: records/s", rounds.median(variant, "rate") or 0.0, "/s")
        result.add(f"{variant}: CPU per record", rounds.median(variant, "cpu_ms") or 0.0, "ms")
        broker_ms = rounds.median(variant, "broker_cpu_ms")
        if broker_ms is not None:
            result.add(f"{variant}: broker CPU per record", broker_ms, "ms")
    result.add("pipeline: complete reports/s", rounds.median(PIPELINE, "rate") or 0.0, "/s")
    result.add(
        "pipeline: worker CPU per complete report", rounds.median(PIPELINE, "cpu_ms") or 0.0, "ms"
    )
    broker_ms = rounds.median(PIPELINE, "broker_cpu_ms")
    if broker_ms is not None:
        result.add("pipeline: broker CPU per complete report", broker_ms, "ms")
    result.add(
        "pipeline: worker messages in per report",
        rounds.median(PIPELINE, "inbound_per_unit") or 0.0,
    )
    ratios = {
        "ratio: worker CPU per report / faust-table CPU per record": (
            PIPELINE,
            "cpu_ms",
            FAUST_TABLE,
            "cpu_ms",
        ),
        "ratio: complete reports/s / faust-table records/s": (
            PIPELINE,
            "rate",
            FAUST_TABLE,
            "rate",
        ),
        "ratio: faust-table / faust CPU per record": (FAUST_TABLE, "cpu_ms", "faust", "cpu_ms"),
        "ratio: faust / raw CPU per record": ("faust", "cpu_ms", "raw", "cpu_ms"),
        "ratio: faust-table records/s / raw records/s": (FAUST_TABLE, "rate", "raw", "rate"),
    }
    for name, (a, a_attribute, b, b_attribute) in ratios.items():
        value = rounds.ratio(a, a_attribute, b, b_attribute)
        result.add(name, value if value is not None else "n/a")
    for i, src in enumerate(result.parameters["baseline_src"]):
        baseline = baseline_name(i)
        result.add(f"{baseline}: worker code", str(src))
        for figure, attribute in (("CPU per complete report", "cpu_ms"), ("reports/s", "rate")):
            result.add(
                f"{baseline}: {figure}",
                rounds.median(baseline, attribute) or 0.0,
                "ms" if attribute == "cpu_ms" else "/s",
            )
            value = rounds.ratio(PIPELINE, attribute, baseline, attribute)
            result.add(f"ratio: pipeline / {baseline} {figure}", value or "n/a")
    if SEVERAL in rounds.samples:
        several = f"pipeline, {result.parameters['processes']} processes"
        result.add(f"{several}: complete reports/s", rounds.median(SEVERAL, "rate") or 0.0, "/s")
        cpu_ms = rounds.median(SEVERAL, "cpu_ms") or 0.0
        result.add(f"{several}: worker CPU per complete report", cpu_ms, "ms")
        speed_up = rounds.ratio(SEVERAL, "rate", PIPELINE, "rate")
        result.add(f"ratio: {several} / 1 process, complete reports/s", speed_up or "n/a")
        result.check(
            "two worker processes on one host: >= 1.6x the complete reports/s of one",
            f"{speed_up}x with {result.parameters['processes']} processes",
            None if speed_up is None or result.parameters["processes"] != 2 else speed_up >= 1.6,
        )
    in_tables = rounds.ratio(PIPELINE, "cpu_ms", FAUST_TABLE, "cpu_ms")
    result.check(
        "a complete report costs <= 4 Faust-table records of worker CPU",
        f"{in_tables} Faust-table records",
        None if in_tables is None else in_tables <= 4,
    )
    result.notes.append(
        f"medians over {len(rounds.samples.get(PIPELINE, []))} interleaved rounds; ratios taken "
        "within each round; ceilings' CPU until their last output, the worker's until idle"
    )


def measure_pipeline(
    args: argparse.Namespace,
    settings: Settings,
    kafka: Broker,
    worker_env: dict[str, str] | None = None,
    processes: int = 1,
) -> Sample:
    progress = pipeline.Progress()
    burst = Result("pipeline", {})
    watch = pipeline.WATCH
    with (
        rig(
            args, settings, "pipeline", watch, progress.seen, worker_env, kafka, processes
        ) as running,
        pipeline.following_saves(running, progress),
    ):
        warm_up = Result("pipeline warm-up", {})
        pipeline.measure_burst(warm_up, running, progress, WARM_UP, 0, args.timeout)
        pipeline.measure_burst(burst, running, progress, args.reports, WARM_UP, args.timeout)
    figures = {figure.name: figure.value for figure in burst.figures}
    complete = figures["burst: reports complete"]
    if complete != args.reports:
        raise RuntimeError(f"pipeline: only {complete} of {args.reports} reports complete")
    broker_ms = figures.get("broker CPU per report")
    return Sample(
        rate=float(figures["burst: complete rate, sustained (10th-90th pct)"]),
        cpu_ms=float(figures["worker CPU per report"]),
        broker_cpu_ms=None if broker_ms is None else float(broker_ms),
        inbound_per_unit=float(figures["worker messages in per report"]),
    )


class Arrivals:
    """When each distinct output key arrived (a redelivered record counts once)."""

    def __init__(self) -> None:
        self.at: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def seen(self, record: Message, received: float) -> None:
        key = record.key()
        if key is not None:
            with self._lock:
                self.at.setdefault(key, received)

    def count(self) -> int:
        with self._lock:
            return len(self.at)

    def moments(self, keys: list[bytes]) -> list[float]:
        with self._lock:
            return sorted(self.at[key] for key in keys if key in self.at)


def measure_ceiling(args: argparse.Namespace, kafka: Broker, work: Path, variant: str) -> Sample:
    app_id, topics = new_run(f"ceiling-{variant}", args.partitions)
    source, sink = f"{topics.prefix}source", f"{topics.prefix}sink"
    plan = [
        TopicSpec(name=source, partitions=args.partitions, replication_factor=1),
        TopicSpec(name=sink, partitions=args.partitions, replication_factor=1),
        TopicSpec(
            name=f"{app_id}-{TABLE}-changelog",
            partitions=args.partitions,
            replication_factor=1,
            config={"cleanup.policy": "compact"},
        ),
    ]
    ensure_topics(KafkaSettings(bootstrap_servers=kafka.bootstrap), plan)
    arrivals = Arrivals()
    with ExitStack() as stack:
        if args.bootstrap:
            stack.callback(delete_run_topics, kafka.bootstrap, app_id, topics)
        sender = Sender(kafka.bootstrap, topics)
        stack.callback(sender.close)
        stack.enter_context(_tail(kafka.bootstrap, sink, args.partitions, arrivals))
        command = [
            *(sys.executable, "-m", "bench.ceiling_child", variant),
            *("--bootstrap", kafka.bootstrap, "--app-id", app_id),
            *("--source", source, "--sink", sink, "--partitions", str(args.partitions)),
            *("--data-dir", str(work / app_id)),
        ]
        child = stack.enter_context(_child(command, work / f"{app_id}.log"))
        warm_up = _inputs(sender, "warm", WARM_UP)
        _send(sender, source, warm_up)
        _wait(arrivals, WARM_UP, args.timeout, child, variant)
        settle(lambda: cpu_seconds(child.pid))
        burst = _inputs(sender, "burst", args.messages)
        cpu_before = cpu_seconds(child.pid)
        broker_before = cpu_seconds(kafka.pid) if kafka.pid else None
        _send(sender, source, burst)
        _wait(arrivals, WARM_UP + args.messages, args.timeout, child, variant)
        cpu = cpu_seconds(child.pid) - cpu_before
        broker_cpu = None if broker_before is None else cpu_seconds(kafka.pid or 0) - broker_before
    moments = arrivals.moments([key for key, _, _ in burst])
    return Sample(
        rate=pipeline.sustained(moments),
        cpu_ms=round(cpu / args.messages * 1000, 4),
        broker_cpu_ms=None if broker_cpu is None else round(broker_cpu / args.messages * 1000, 4),
    )


Input = tuple[bytes, bytes | None, list[tuple[str, str | bytes | None]]]


def _inputs(sender: Sender, label: str, count: int) -> list[Input]:
    """Create events as the pipeline gets them, built before the clock starts."""
    now = time.time()
    built = []
    for i in range(count):
        report_id = f"CPR-{label}-{i:07d}"
        message = create_message(sender.event_id(), report_id, f"svc-{i % 500:04d}", 2, now)
        built.append((report_id.encode(), messages.value_bytes(message), messages.headers(message)))
    return built


def _send(sender: Sender, topic: str, inputs: list[Input]) -> None:
    for key, value, headers in inputs:
        sender.produce(topic, key, value, headers)
    sender.flush()


def _wait(
    arrivals: Arrivals, count: int, timeout: float, child: subprocess.Popen[bytes], variant: str
) -> None:
    deadline = time.monotonic() + timeout
    while arrivals.count() < count:
        if child.poll() is not None:
            raise RuntimeError(f"ceiling {variant} exited with code {child.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"ceiling {variant}: {arrivals.count()} of {count} in {timeout} s")
        time.sleep(0.05)


@contextmanager
def _tail(bootstrap: str, topic: str, partitions: int, arrivals: Arrivals) -> Iterator[None]:
    tail = TopicTail(bootstrap, [topic], partitions, arrivals.seen).start()
    try:
        yield
    finally:
        tail.stop()


@contextmanager
def _child(command: list[str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        child = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(10)
