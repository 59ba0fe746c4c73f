"""``problem-tracker worker``: run one Faust worker of the processor."""

from __future__ import annotations

import argparse
from typing import Any

from problem_tracker.config import Settings

# Loggers of libraries that write whole record values (customer contact data) at DEBUG:
# kept at INFO or above whatever WORKER__LOG_LEVEL says.
PAYLOAD_LOGGERS = ("aiokafka.producer.producer", "faust.topics")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "worker", help="run a stream-processing worker (consumes, decides, publishes)"
    )
    parser.add_argument("--plain-logs", action="store_true", help="human-readable log lines")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="run N worker processes on this host, in the same consumer group, each with "
        "data dir <data_dir>/process-<i> and web port <web_port>+i (one core each)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.processes != 1:
        return run_processes(args, settings)
    import logging

    import faust

    from problem_tracker.admin.topics import ensure_topics, internal_topic_plan, topic_plan
    from problem_tracker.observability.logging import configure_logging
    from problem_tracker.streaming.topics import check_internal_layout
    from problem_tracker.streaming.wiring import build_worker

    configure_logging(settings.worker.log_level, json_lines=not args.plain_logs)
    quiet_payload_loggers()
    # Building first reads the policy file: a bad configuration fails before any Kafka call.
    worker = build_worker(settings)
    internal = internal_topic_plan(settings.effective_app_id, settings.topics)
    report = ensure_topics(settings.kafka, [*topic_plan(settings.topics), *internal])
    check_internal_layout(internal, report.partitions)
    # Once the cluster answered: a worker refused at start says so in one line, alone.
    logging.getLogger(__name__).info(
        "starting worker",
        extra={
            "settings": settings.model_dump(mode="json"),
            "effective_app_id": settings.effective_app_id,
        },
    )
    for warning in report.warnings:
        logging.getLogger(__name__).warning(warning)
    (settings.worker.data_dir / settings.effective_app_id).mkdir(parents=True, exist_ok=True)
    worker.reference.start()
    worker.broker_watch.start()
    try:
        faust_worker = faust.Worker(
            worker.app,
            loglevel=settings.worker.log_level,
            override_logging=False,
            redirect_stdouts=False,
            quiet=True,
        )
        # Without its terminal spinner Faust logs "Ready" instead of drawing " OK ^":
        # every line the worker writes is then JSON.
        faust_worker.spinner = None
        faust_worker.execute_from_commandline()
    finally:
        worker.broker_watch.stop()
        worker.reference.stop()
    return 0


def run_processes(args: argparse.Namespace, settings: Settings) -> int:
    """A supervisor of ``args.processes`` workers (``problem_tracker.supervisor``)."""
    import os

    from problem_tracker.observability.logging import configure_logging
    from problem_tracker.supervisor import Supervisor, supervise, worker_children

    children = worker_children(
        settings, args.processes, ["--plain-logs"] if args.plain_logs else [], os.environ
    )
    configure_logging(settings.worker.log_level, json_lines=not args.plain_logs)
    return supervise(Supervisor(children))


def quiet_payload_loggers() -> None:
    """No record value in any log line, even at DEBUG (set after the root level)."""
    import logging

    floor = max(logging.INFO, logging.getLogger().getEffectiveLevel())
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(floor)
