"""``problem-tracker sla replay --policy NEW.yaml``: what would NEW have done with the
traffic Kafka holds?

Reads the inbound topics (customer events, answers of Service Problem Management and
partners, reference data) by assigned partitions, with no consumer group and no commits,
and produces nothing. Replays them through the domain under the worker's SLA policy and
under NEW, on the recorded times, and prints per rule: reports, breaches, jeopardy and
escalations by level, and the reports whose outcome changes most.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from problem_tracker.config import Settings
from problem_tracker.contracts.limits import decode_limits
from problem_tracker.policy.loader import load_policy
from problem_tracker.replay.engine import Comparison
from problem_tracker.replay.figures import Outcome, RuleFigures, total
from problem_tracker.replay.recorded import Skipped, count_recorded, in_time_order, read_inbound
from problem_tracker.replay.what_if import compare, worker_context
from problem_tracker.translation.reference_index import ReferenceIndex

SETTING = "PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE"
DESCRIPTION = f"""\
Replay the recorded inbound topics through the domain twice, under the current SLA
policy (the file {SETTING} names, else the built-in one)
and under --policy, on the recorded event times (ticks fall at the recorded deadlines,
not by the wall clock), and print per rule: reports, breaches, warnings, jeopardy and
escalations by level; then the reports whose outcome changes most. Reports created from
--from to --to are counted; earlier records are replayed too, to rebuild the state the
worker had. Never writes to any topic: reads by assigned partitions, joins no consumer
group, commits nothing."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sla", help="SLA what-if tools")
    actions = parser.add_subparsers(dest="sla_command", required=True, metavar="ACTION")
    replay = actions.add_parser(
        "replay",
        help="what would a new SLA policy have done with the recorded traffic?",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument(
        "--policy", metavar="NEW.yaml", type=Path, required=True, help="the new SLA policy file"
    )
    replay.add_argument(
        "--current",
        metavar="FILE",
        type=Path,
        help=f"the policy to compare with (default: the file {SETTING} names)",
    )
    replay.add_argument(
        "--from",
        dest="window_from",
        metavar="DATE",
        type=moment,
        help="count reports created from DATE",
    )
    replay.add_argument(
        "--to",
        dest="window_to",
        metavar="DATE",
        type=moment,
        help="count reports created up to DATE, read records and tick up to it (default: now)",
    )
    replay.add_argument("--json", action="store_true", help="one JSON document, for tooling")
    replay.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to reach Kafka (default 30)"
    )
    replay.set_defaults(handler=run)


def moment(text: str) -> datetime:
    """An ISO-8601 date or date-time; a date is its midnight, a naive time is UTC."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 date or date-time: {text!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def run(args: argparse.Namespace, settings: Settings) -> int:
    current_file: Path | None = args.current or settings.worker.sla_policy_file
    current_policy = load_policy(current_file)
    new_policy = load_policy(args.policy)
    window_to: datetime = args.window_to or datetime.now(UTC)
    worker = settings.worker
    limits = decode_limits(
        max_message_bytes=worker.max_message_bytes,
        earliest=worker.earliest_date,
        years_ahead=worker.latest_date_years_ahead,
        now=datetime.now(UTC),
    )
    reference = ReferenceIndex()
    comparison = Comparison(
        worker_context(worker, reference, current_policy),
        worker_context(worker, reference, new_policy),
        reference,
    )
    skipped = Skipped()
    expected = count_recorded(settings.kafka, settings.topics, args.timeout)
    with _progress(enabled=sys.stderr.isatty() and not args.json) as progress:
        reading = progress.add_task("reading", total=expected)
        inbound = read_inbound(
            settings.kafka,
            settings.topics,
            args.timeout,
            until=window_to,
            on_record=lambda: progress.advance(reading),
        )
        recorded = in_time_order(inbound, limits, skipped)
        replaying = progress.add_task("replaying", total=len(recorded))
        outcome = compare(
            recorded,
            comparison,
            window_from=args.window_from,
            window_to=window_to,
            skipped=dict(skipped.reasons),
            on_record=lambda: progress.advance(replaying),
            sources=(str(current_file or "built-in policy"), str(args.policy)),
        )
    if args.json:
        print(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
    else:
        show(outcome, Console(highlight=False, soft_wrap=True, emoji=False))
    return 0


@contextmanager
def _progress(*, enabled: bool) -> Iterator[Progress]:
    progress = Progress(
        TextColumn("{task.description:>9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not enabled,
    )
    with progress:
        yield progress


def show(outcome: Outcome, console: Console) -> None:
    """The comparison as two tables: per rule, then the reports that change most."""
    window = f"{_when(outcome.window_from) if outcome.window_from else 'the start'}"
    console.print(
        f"{outcome.reports} reports created from {window} to {_when(outcome.window_to)}, "
        f"{outcome.records} records replayed"
        + (f", {sum(outcome.skipped.values())} skipped" if outcome.skipped else "")
    )
    levels = sorted(
        {level for rule in (*outcome.current, *outcome.new) for level in rule.escalations}
    )
    table = Table(title="per rule: current → new")
    for heading in ("rule", "reports", "breaches", "warnings", "jeopardy"):
        table.add_column(heading, justify="left" if heading == "rule" else "right")
    for level in levels:
        table.add_column(f"escalations L{level}", justify="right")
    current = {rule.rule: rule for rule in outcome.current}
    new = {rule.rule: rule for rule in outcome.new}
    names = [*current, *(name for name in new if name not in current)]
    rows = [(name, current.get(name), new.get(name)) for name in names]
    rows.append(("total", total(outcome.current), total(outcome.new)))
    for name, before, after in rows:
        table.add_row(
            name,
            _pair(before, after, lambda r: r.reports),
            _pair(before, after, lambda r: r.breaches),
            _pair(before, after, lambda r: r.warnings),
            _pair(before, after, lambda r: r.jeopardies),
            *(
                _pair(before, after, lambda r, level=level: r.escalations[level])
                for level in levels
            ),
        )
    console.print(table)
    if not outcome.changes:
        console.print("no report changes its outcome")
        return
    changes = Table(title=f"the {len(outcome.changes)} reports that change most")
    for heading in (
        "report",
        "rule",
        "breaches",
        "jeopardy + warnings",
        "escalations",
        "top level",
    ):
        changes.add_column(heading, justify="left" if heading in ("report", "rule") else "right")
    for change in outcome.changes:
        a, b = change.current, change.new
        changes.add_row(
            change.report_id,
            a.rule if a.rule == b.rule else f"{a.rule} → {b.rule}",
            f"{a.breaches} → {b.breaches}",
            f"{a.warnings + a.jeopardies} → {b.warnings + b.jeopardies}",
            f"{sum(a.escalations.values())} → {sum(b.escalations.values())}",
            f"{a.top_level} → {b.top_level}",
        )
    console.print(changes)


def _pair(before: RuleFigures | None, after: RuleFigures | None, figure: Any) -> str:
    shown = ["-" if side is None else str(figure(side)) for side in (before, after)]
    return shown[0] if shown[0] == shown[1] else f"{shown[0]} → {shown[1]}"


def _escalations_at(level: int) -> Any:
    return lambda figures: figures.escalations[level]


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
