"""``problem-tracker simulate``: play every system around the processor on real Kafka."""

from __future__ import annotations

import argparse
import signal
from typing import Any

from rich.console import Console

from problem_tracker.config import Settings
from problem_tracker.simulate.console import ProgressView, bad_input_table, summary
from problem_tracker.simulate.simulation import Simulation, SimulationOptions

DEFAULTS = SimulationOptions()


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="upstream customers, SPM and partners around the processor",
        description="Send reference data and customer problem traffic (with a share of bad "
        "input), answer delegated work as Service Problem Management and partners would, "
        "and close resolved reports; stops when every report is settled.",
    )
    add = parser.add_argument
    add("--count", type=_positive(int), default=DEFAULTS.count, help="reports to create")
    add("--rate", type=_positive(float), default=DEFAULTS.rate, help="upstream events per second")
    add("--seed", type=int, default=None, help="reproduce a run (default: a fresh seed)")
    add("--duration", type=_positive(float), default=DEFAULTS.duration, help="max seconds")
    add(
        "--idle-timeout",
        type=_positive(float),
        default=None,
        help="give up on open reports after this many quiet seconds (default: max(15, 3 *"
        " resolve-after))",
    )
    add(
        "--bad-rate",
        type=_share,
        default=DEFAULTS.bad_rate,
        help="share of reports followed by one deliberately bad record",
    )
    add(
        "--reject-rate",
        type=_share,
        default=DEFAULTS.reject_rate,
        help="share of delegated requests the other side rejects",
    )
    add(
        "--resolve-after",
        type=_positive(float),
        default=DEFAULTS.resolve_after,
        help="seconds (jittered ±50%%) until delegated work is resolved",
    )
    add("--topic-prefix", default=None, help="topic name prefix (default: settings)")
    add(
        "--no-topic-creation",
        dest="create_topics",
        action="store_false",
        help="do not create missing topics",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--no-responders", action="store_true", help="upstream traffic only")
    who.add_argument("--responders-only", action="store_true", help="only answer requests")
    parser.set_defaults(handler=run)


def options_from(args: argparse.Namespace) -> SimulationOptions:
    return SimulationOptions(
        count=args.count,
        rate=args.rate,
        seed=args.seed,
        duration=args.duration,
        idle_timeout=args.idle_timeout,
        bad_rate=args.bad_rate,
        reject_rate=args.reject_rate,
        resolve_after=args.resolve_after,
        upstream=not args.responders_only,
        responders=not args.no_responders,
        create_topics=args.create_topics,
        topic_prefix=args.topic_prefix,
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    options = options_from(args)
    console = Console()
    view = ProgressView(
        console, options.count, upstream=options.upstream, responders=options.responders
    )
    simulation = Simulation(settings, options, on_progress=view.update)
    previous = signal.signal(signal.SIGTERM, lambda *_: simulation.stop())
    try:
        with view:
            report = simulation.run()
            view.update(report)
    finally:
        signal.signal(signal.SIGTERM, previous)
    console.print(summary(report))
    if options.upstream:
        console.print(bad_input_table(report))
    if report.delivery_failures:
        console.print(
            f"[red]{len(report.delivery_failures)} records were not delivered: "
            f"{report.delivery_failures[0]}[/red]"
        )
        return 1
    return 130 if report.interrupted else 0


def _positive(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value
