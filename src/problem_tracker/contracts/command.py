"""``problem-tracker schemas export [--out DIR] [--check]``: publish or verify the contract."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from problem_tracker.config import Settings
from problem_tracker.contracts.export import drift, export

DEFAULT_DIRECTORY = Path("schemas")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``schemas`` command and its ``export`` sub-command."""
    schemas = subparsers.add_parser("schemas", help="the wire contract's JSON Schemas and AsyncAPI")
    actions = schemas.add_subparsers(dest="schemas_command", required=True, metavar="ACTION")
    exporter = actions.add_parser(
        "export", help="write schemas/*.schema.json and schemas/asyncapi.yaml from the models"
    )
    exporter.add_argument("--out", type=Path, default=DEFAULT_DIRECTORY, help="target directory")
    exporter.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when the files drift"
    )
    exporter.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    """Export the schemas, or with ``--check`` report drift and fail on it."""
    del settings
    directory: Path = args.out
    if args.check:
        problems = drift(directory)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run `problem-tracker schemas export` to regenerate", file=sys.stderr)
        return 1 if problems else 0
    changed = export(directory)
    print(f"{len(changed)} file(s) changed in {directory}")
    return 0
