"""``problem-tracker demo``: what ``make run`` shows on a fresh machine."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console

from problem_tracker.config import Settings
from problem_tracker.demo.console import samples, summary_table
from problem_tracker.demo.run import Demo, DemoError, DemoOptions, DemoResult
from problem_tracker.simulate.command import _positive, _share

DEFAULTS = DemoOptions()


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="local Kafka + one worker + simulated traffic, then a summary",
        description="Start (or reuse) the local Kafka, create the topics, run one worker with "
        "the fast SLA policy, play customers, SPM and partners for a bounded run, and "
        "summarise what the processor published. Kafka is left running.",
    )
    add = parser.add_argument
    add("--count", type=_positive(int), default=DEFAULTS.count, help="reports to create")
    add("--rate", type=_positive(float), default=DEFAULTS.rate, help="upstream events per second")
    add("--duration", type=_positive(float), default=DEFAULTS.duration, help="max traffic seconds")
    add("--bad-rate", type=_share, default=DEFAULTS.bad_rate, help="share of bad input (DLQ)")
    add("--seed", type=int, default=None, help="replay a run's traffic")
    add("--keep-worker", action="store_true", help="leave the worker running afterwards")
    add(
        "--bootstrap-servers",
        help="use this cluster instead of the local Kafka "
        "(also when PROBLEM_TRACKER_KAFKA__BOOTSTRAP_SERVERS is set)",
    )
    add("--sla-policy", type=Path, default=DEFAULTS.sla_policy, help="SLA policy of the worker")
    add("--workdir", type=Path, default=DEFAULTS.workdir, help="worker log and state")
    add("--ready-timeout", type=_positive(float), default=DEFAULTS.ready_timeout)
    parser.set_defaults(handler=run)


def options_from(args: argparse.Namespace, settings: Settings) -> DemoOptions:
    configured = "bootstrap_servers" in settings.kafka.model_fields_set
    return DemoOptions(
        count=args.count,
        rate=args.rate,
        duration=args.duration,
        bad_rate=args.bad_rate,
        seed=args.seed,
        keep_worker=args.keep_worker,
        workdir=args.workdir,
        sla_policy=args.sla_policy,
        ready_timeout=args.ready_timeout,
        bootstrap_servers=args.bootstrap_servers
        or (settings.kafka.bootstrap_servers if configured else None),
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    console = Console()
    demo = Demo(settings, options_from(args, settings), console, os.environ)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = demo.run()
    except DemoError as exc:
        if exc.details:
            console.print("[dim]from the worker log (first errors, last lines):[/dim]")
            for line in exc.details:
                console.print(line, markup=False, highlight=False, soft_wrap=True)
        print(f"problem-tracker demo: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    show(console, result)
    return 0 if result.summary.complete else 1


def show(console: Console, result: DemoResult) -> None:
    """The summary, one report's story, and what is still running."""
    sim, summary = result.simulation, result.summary
    title = (
        f"Demo {result.run_id}: {sim.reports_created} reports created, "
        f"{sim.elapsed:.0f} s of traffic (seed {sim.seed})"
    )
    console.print(title, style="bold", highlight=False)
    console.print(summary_table(summary))
    console.print(samples(summary))
    if not summary.complete:
        console.print("[red]the output topics could not be read to the end in time[/red]")
    console.print(
        f"Total {result.elapsed:.1f} s (Kafka {result.kafka_seconds:.1f} s, worker ready "
        f"{result.ready_seconds:.1f} s, traffic {sim.elapsed:.1f} s)",
        highlight=False,
    )
    worker = result.settings.worker
    if result.kept_worker_pid is not None:
        console.print(
            f"Worker   still running (pid {result.kept_worker_pid}) at "
            f"http://{worker.web_host}:{worker.web_port}; stop it: kill {result.kept_worker_pid}"
        )
    else:
        console.print(f"Worker   {result.worker_stop}")
    if result.local_kafka:
        bootstrap = result.settings.kafka.bootstrap_servers
        console.print(
            f"Kafka    still running at {bootstrap}: `problem-tracker kafka down` stops it"
        )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the demo as Ctrl-C does: the worker is stopped on the way out."""
    raise KeyboardInterrupt
