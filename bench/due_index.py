"""The tick due-index at the scale of one worker: memory per open report, schedule and
pop throughput, and rebuild from the ``deadlines`` store after a partition assignment.

Every layout is measured in a forked child so that its RSS and traced memory start from
the same clean baseline. Report ids (``CPR-0001234``) and deadlines are created before
measuring: the index's own cost is what it adds on top of them. In a worker the index
also keeps its id strings alive, so their size is reported beside it, not hidden.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import random
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from rocksdict import Options, Rdict, WriteBatch

from bench.report import RESULTS_DIR, Result, Stopwatch, finish, rss_bytes
from problem_tracker.config import Settings
from problem_tracker.streaming.due_index import DueIndex, to_slot

GOAL_REPORTS = 1_000_000
GOAL_BYTES_PER_REPORT = 200
GOAL_REBUILD_SECONDS = 10.0
BASE = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LAYOUTS = {
    "spread": 30 * 24 * 3600,
    "clustered": 3600,
}
"""Deadlines uniform over 30 days (a bucket of the wheel holds a few reports, a 100 ms slot
rarely more than one: the costliest case) or over one hour (dozens of reports share each
slot)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("due-index", help="memory and speed of the tick due-index")
    parser.add_argument("--reports", type=int, default=GOAL_REPORTS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    n: int = args.reports
    result = Result("due-index", {"reports": n, "seed": args.seed, "layouts": LAYOUTS})
    for layout, spread in LAYOUTS.items():
        measured = in_child(measure_layout, n, spread, args.seed)
        for name, (value, unit) in measured.items():
            result.add(f"{layout}: {name}", value, unit)
    rebuild = in_child(measure_rebuild, n, LAYOUTS["spread"], args.seed)
    for name, (value, unit) in rebuild.items():
        result.add(f"rebuild: {name}", value, unit)
    judge(result, n)
    return finish(result, args.results_dir)


def judge(result: Result, n: int) -> None:
    figures = {f.name: f.value for f in result.figures}
    worst = max(float(figures[f"{layout}: index bytes/report (traced)"]) for layout in LAYOUTS)
    ids = float(figures["spread: id string bytes/report (sys.getsizeof)"])
    rebuild = float(figures["rebuild: iterate store + DueIndex.rebuild"])
    full_scale = n >= GOAL_REPORTS
    result.check(
        f"due-index ≤ {GOAL_BYTES_PER_REPORT} bytes/report at {GOAL_REPORTS:,} open reports",
        f"{worst:.0f} bytes/report (worst layout, ids excluded; +{ids:.0f} with id strings)",
        worst <= GOAL_BYTES_PER_REPORT if full_scale else None,
    )
    result.check(
        f"due-index rebuild on assignment ≤ {GOAL_REBUILD_SECONDS:.0f} s",
        f"{rebuild:.2f} s for {n:,} entries from rocksdict (Faust table layer not included)",
        rebuild <= GOAL_REBUILD_SECONDS if full_scale else None,
    )
    if not full_scale:
        result.notes.append(f"goals are checked at {GOAL_REPORTS:,} reports only")


Measured = dict[str, tuple[float | int, str]]


def in_child(fn: Callable[..., Measured], *args: Any) -> Measured:
    """Run ``fn`` in a forked child (a clean heap) and return what it measured."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, fn, args))
    child.start()
    sender.close()
    try:
        outcome: tuple[bool, Any] = receiver.recv()
    finally:
        child.join()
    ok, value = outcome
    if not ok:
        raise RuntimeError(f"{fn.__name__} failed in the child: {value}")
    return dict(value)


def _child(sender: Any, fn: Callable[..., Measured], args: tuple[Any, ...]) -> None:
    try:
        sender.send((True, fn(*args)))
    except BaseException as exc:
        sender.send((False, repr(exc)))
        raise


def report_ids(n: int) -> list[str]:
    return [f"CPR-{i:07d}" for i in range(n)]


def deadlines(n: int, spread: int, seed: int) -> list[datetime]:
    """Deadlines to the millisecond, uniform over ``spread`` seconds after ``BASE``."""
    rng = random.Random(seed)
    return [BASE + timedelta(milliseconds=rng.randrange(spread * 1000)) for _ in range(n)]


def measure_layout(n: int, spread: int, seed: int) -> Measured:
    ids = report_ids(n)
    due = deadlines(n, spread, seed)
    later = [d + timedelta(hours=1) for d in due]
    gc.collect()

    index = DueIndex()
    rss_before = rss_bytes()
    with Stopwatch() as scheduling:
        _schedule_all(index, ids, due)
    rss_grown = rss_bytes() - rss_before
    with Stopwatch() as popping:
        fired = sum(1 for _ in index.pop_due(BASE + timedelta(seconds=spread)))
    assert fired == n, f"pop_due yielded {fired} of {n}"
    _schedule_all(index, ids, due)
    with Stopwatch() as rescheduling:
        _schedule_all(index, ids, later)
    index.clear()
    gc.collect()

    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    traced_index = DueIndex()
    _schedule_all(traced_index, ids, due)
    built, peak = tracemalloc.get_traced_memory()
    _schedule_all(traced_index, ids, later)
    after_reschedule = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {
        "index bytes/report (traced)": (round((built - base) / n, 1), "B"),
        "index peak bytes/report while building (traced)": (round((peak - base) / n, 1), "B"),
        "index bytes/report after one reschedule each (traced)": (
            round((after_reschedule - base) / n, 1),
            "B",
        ),
        "index bytes/report (RSS delta)": (round(rss_grown / n, 1), "B"),
        "id string bytes/report (sys.getsizeof)": (
            round(sum(sys.getsizeof(i) for i in ids) / n, 1),
            "B",
        ),
        "distinct 100 ms slots": (len({to_slot(d) for d in due}), ""),
        "schedule": (round(n / scheduling.seconds), "reports/s"),
        "reschedule (1 h later)": (round(n / rescheduling.seconds), "reports/s"),
        "pop_due burst (all due at once)": (round(popping.seconds, 3), "s"),
        "pop_due burst rate": (round(n / popping.seconds), "reports/s"),
    }


def measure_rebuild(n: int, spread: int, seed: int) -> Measured:
    with tempfile.TemporaryDirectory(prefix="bench-deadlines-") as directory:
        path = str(Path(directory) / "deadlines")
        with Stopwatch() as writing:
            write_deadlines(path, n, spread, seed)
        db = Rdict(path, Options(raw_mode=True))
        try:
            with Stopwatch() as iterating:
                counted = sum(1 for _ in db.items())
            gc.collect()
            index = DueIndex()
            rss_before = rss_bytes()
            with Stopwatch() as rebuilding:
                index.rebuild(_entries(db))
            rss_grown = rss_bytes() - rss_before
            assert len(index) == n == counted, (len(index), counted, n)
            index.clear()
            gc.collect()
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            index.rebuild(_entries(db))
            traced = tracemalloc.get_traced_memory()[0] - base
            tracemalloc.stop()
        finally:
            db.close()
    return {
        "write store (setup)": (round(writing.seconds, 3), "s"),
        "iterate store only": (round(iterating.seconds, 3), "s"),
        "iterate store + DueIndex.rebuild": (round(rebuilding.seconds, 3), "s"),
        "rebuild rate": (round(n / rebuilding.seconds), "entries/s"),
        "index + id strings bytes/report (traced)": (round(traced / n, 1), "B"),
        "index + id strings bytes/report (RSS delta)": (round(rss_grown / n, 1), "B"),
    }


def write_deadlines(path: str, n: int, spread: int, seed: int) -> None:
    """The ``deadlines`` table as the worker stores it: report id → ASCII slot number."""
    db = Rdict(path, Options(raw_mode=True))
    try:
        batch = WriteBatch(raw_mode=True)
        for report_id, due in zip(report_ids(n), deadlines(n, spread, seed), strict=True):
            batch.put(report_id.encode(), str(to_slot(due)).encode())
            if len(batch) >= 50_000:
                db.write(batch)
                batch = WriteBatch(raw_mode=True)
        db.write(batch)
        db.flush()
    finally:
        db.close()


def _entries(db: Rdict) -> Iterator[tuple[str, int]]:
    """What ``TickScheduler.rebuild`` makes of the table: (report id, slot)."""
    return ((cast(bytes, key).decode(), int(value)) for key, value in db.items())


def _schedule_all(index: DueIndex, ids: list[str], deadlines: list[datetime]) -> None:
    for report_id, deadline in zip(ids, deadlines, strict=True):
        index.schedule(report_id, deadline)
