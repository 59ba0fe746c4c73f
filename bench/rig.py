"""The set-up the Kafka benchmarks share: broker, topics, inventory, a watcher, one worker.

``rig(...)`` yields everything running and takes it all down again, in reverse order,
however the benchmark ends.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from bench.kafka_env import (
    BenchWorker,
    Broker,
    RunTopics,
    broker,
    create_topics,
    delete_run_topics,
    new_run,
    work_directory,
)
from bench.report import Stopwatch
from bench.traffic import Seen, Sender, Watcher
from problem_tracker.config import Settings
from problem_tracker.simulate.messages import Topic


@dataclass(frozen=True)
class Rig:
    kafka: Broker
    topics: RunTopics
    sender: Sender
    worker: BenchWorker
    services: list[str]
    worker_start_seconds: float


def add_rig_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--services", type=int, default=500, help="services the NOC owns")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--bootstrap", help="an existing broker (default: start a throwaway)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")


@contextmanager
def rig(
    args: argparse.Namespace,
    settings: Settings,
    label: str,
    watch: tuple[Topic, ...],
    seen: Seen,
    worker_env: dict[str, str] | None = None,
    kafka: Broker | None = None,
    processes: int = 1,
) -> Iterator[Rig]:
    """A worker ready on its own topics, inventory loaded, ``watch`` topics fed to ``seen``;
    on ``kafka`` when given (a broker that outlives the rig), else on ``--bootstrap`` or a
    throwaway broker."""
    with ExitStack() as stack:
        work = stack.enter_context(work_directory(args.keep))
        if kafka is None:
            kafka = stack.enter_context(broker(args.bootstrap, settings, work))
        app_id, topics = new_run(label, args.partitions)
        create_topics(kafka.bootstrap, app_id, topics)
        if args.bootstrap:
            stack.callback(delete_run_topics, kafka.bootstrap, app_id, topics)
        sender = Sender(kafka.bootstrap, topics)
        stack.callback(sender.close)
        services = [f"svc-{i:04d}" for i in range(args.services)]
        for service in services:
            sender.own(service)
        sender.flush()
        watcher = Watcher(kafka.bootstrap, topics, watch, seen).start()
        stack.callback(watcher.stop)
        worker = BenchWorker(
            kafka.bootstrap, app_id, topics, work / "worker", worker_env or {}, processes
        )
        stack.callback(worker.stop)
        with Stopwatch() as starting:
            worker.start()
        yield Rig(kafka, topics, sender, worker, services, starting.seconds)
