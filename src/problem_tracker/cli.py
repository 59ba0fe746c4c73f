"""The ``problem-tracker`` command: one entry point, one Settings, sub-commands by area.

Each command module exposes ``register(subparsers)``; the parser it adds sets
``handler(args, settings) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from problem_tracker import __version__
from problem_tracker.config import Settings, unknown_settings

COMMAND_MODULES: tuple[str, ...] = (
    "problem_tracker.policy.command",
    "problem_tracker.kafka_local.command",
    "problem_tracker.admin.command",
    "problem_tracker.admin.reports",
    "problem_tracker.ops.tail",
    "problem_tracker.ops.dlq",
    "problem_tracker.replay.command",
    "problem_tracker.contracts.command",
    "problem_tracker.simulate.command",
    "problem_tracker.streaming.worker",
    "problem_tracker.demo.command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="problem-tracker",
        description="eTOM 1.3.7.3 Track & Manage Customer Problem on Kafka",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def settings_problems(error: ValidationError) -> str:
    """An invalid configuration in one line, without the values: they may be secrets."""
    problems = []
    for entry in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in entry["loc"])
        message = entry["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(
            f"problem-tracker {args.command}: invalid settings: {settings_problems(exc)}",
            file=sys.stderr,
        )
        return 2
    unknown = unknown_settings(os.environ)
    if unknown:
        print(f"problem-tracker {args.command}: {'; '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        return int(args.handler(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line for an operator, not a traceback
        if getattr(args, "debug", False):
            raise
        print(f"problem-tracker {args.command}: {exc}", file=sys.stderr)
        return 1
