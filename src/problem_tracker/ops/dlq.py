"""``problem-tracker dlq replay``: re-produce dead letters to their original topics.

Reads the whole DLQ as it is when the command starts (what is dead-lettered meanwhile,
a replayed record rejected again included, is left for the next run), selects by reason
code and time, and replays each selected record's original key and value (see
``ops.replay``). Exit code 0 when every selected record was replayed (or would be, with
``--dry-run``), 3 when some were refused (truncated, or not from an input topic), 1 when
a copy was not delivered or Kafka could not be reached.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from problem_tracker.config import Settings
from problem_tracker.contracts.outcomes import RejectionCode
from problem_tracker.ops.reading import TopicReader
from problem_tracker.ops.replay import (
    Entry,
    Replayer,
    ReplayReport,
    Selection,
    input_topics,
    replay,
)
from problem_tracker.policy.durations import EXAMPLES, parse_duration

EXIT_REFUSED = 3
DESCRIPTION = """\
Re-produce dead letters to their original topics: the original key and value, with Java's
partitioner (murmur2), the eventType and content-type headers of an event, and a header
problem-tracker-replay naming the dead letter (<partition>/<offset>/<DLQ topic>).
Reads the DLQ as it is when the command starts (a copy rejected again is left for the next
run) and selects by --code and by when the record was dead-lettered (--since, --until).
Truncated records and records of the worker's internal topics are refused, counted and
listed. Events already applied are recognised by eventId: replaying twice is harmless.
Exit code: 0 every selected record replayed (or, with --dry-run, would be), 3 some
refused, 1 a copy not delivered or Kafka not reached."""
OUTCOME_STYLES = {
    "replayed": "green",
    "would replay": "cyan",
    "truncated": "yellow",
    "not an input topic": "yellow",
    "failed": "bold red",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("dlq", help="the dead-letter queue: replay rejected records")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    replay_parser = actions.add_parser(
        "replay",
        help="re-produce dead letters to their original topics",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay_parser.add_argument(
        "--code",
        action="append",
        choices=[code.value for code in RejectionCode],
        metavar="CODE",
        help="only records rejected with this error.code (repeatable; "
        f"{', '.join(code.value for code in RejectionCode)})",
    )
    replay_parser.add_argument(
        "--since",
        type=moment,
        metavar="TIME",
        help="only records dead-lettered at or after TIME: ISO-8601 (UTC if no offset) "
        f"or a duration ago ({EXAMPLES})",
    )
    replay_parser.add_argument(
        "--until", type=moment, metavar="TIME", help="only records dead-lettered at or before TIME"
    )
    replay_parser.add_argument(
        "--dry-run", action="store_true", help="show what would be replayed, produce nothing"
    )
    replay_parser.add_argument("--json", action="store_true", help="the report as one JSON object")
    replay_parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to reach Kafka and deliver (30)"
    )
    replay_parser.set_defaults(handler=run_replay)


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    topics = settings.topics
    selection = Selection(
        codes=None if args.code is None else frozenset(args.code),
        since=args.since,
        until=args.until,
    )
    with TopicReader(settings.kafka, topics.name(topics.dlq), args.timeout) as reader:
        replayer = None if args.dry_run else Replayer(settings.kafka)
        report = replay(
            reader.read_to_end(),
            selection,
            input_topics(topics),
            replayer,
            flush_timeout=args.timeout,
        )
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        show(report, Console(highlight=False, soft_wrap=True, emoji=False, markup=False))
    if report.failures:
        return 1
    return EXIT_REFUSED if report.refused else 0


def moment(text: str) -> datetime:
    """An ISO-8601 date-time (naive: UTC), or a duration before now such as ``2h``."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            return datetime.now(UTC) - parse_duration(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is neither an ISO-8601 time nor a duration ({EXAMPLES})"
            ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def show(report: ReplayReport, console: Console) -> None:
    for entry in report.entries:
        console.print(entry_line(entry))
    for position in report.unreadable:
        console.print(Text(f"unreadable DLQ record {position} (not a dead letter): skipped"))
    for failure in report.failures:
        console.print(Text(f"not delivered: {failure}", style="bold red"))
    console.print(summary_table(report))


def entry_line(entry: Entry) -> Text:
    letter = entry.letter
    key = letter.key if letter.key is not None and letter.key_encoding is None else "-"
    at = letter.received_at.isoformat().replace("+00:00", "Z")
    origin = f"{letter.original_topic}/{letter.partition}@{letter.offset}"
    return Text.assemble(
        (at, "dim"),
        "  ",
        (letter.error.code.value, "cyan"),
        "  ",
        (key, "bold"),
        "  ",
        origin,
        "  ",
        (entry.outcome, OUTCOME_STYLES[entry.outcome]),
    )


def summary_table(report: ReplayReport) -> Table:
    counts = report.as_json()
    title = "DLQ replay (dry run: nothing produced)" if report.dry_run else "DLQ replay"
    table = Table(title=title, show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("dead letters read", counts["read"]),
        ("selected", counts["selected"]),
        (
            "would replay" if report.dry_run else "replayed",
            counts["wouldReplay" if report.dry_run else "replayed"],
        ),
        ("refused: truncated", counts["refusedTruncated"]),
        ("refused: not from an input topic", counts["refusedNotAnInputTopic"]),
        ("not delivered", counts["failed"]),
        ("unreadable (skipped)", counts["unreadable"]),
        *((f"selected with code {code}", n) for code, n in counts["byCode"].items()),
    ]
    for what, count in rows:
        table.add_row(what, str(count))
    return table
