"""``python -m bench <benchmark>``: one sub-command per benchmark module.

Each module exposes ``register(subparsers)``; the parser it adds sets
``handler(args, settings) -> int``, as the ``problem-tracker`` command does.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from problem_tracker.config import Settings

BENCHMARK_MODULES: tuple[str, ...] = (
    "bench.due_index",
    "bench.domain",
    "bench.pipeline",
    "bench.ticks",
    "bench.ceilings",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="problem-tracker benchmarks (see BENCHMARKS.md)"
    )
    subparsers = parser.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
    for module_name in BENCHMARK_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args, Settings()))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
