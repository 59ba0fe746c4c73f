"""``problem-tracker tail notifications|escalations|dlq``: the worker's outputs, one line each.

By default the latest ``--lines`` records (of all partitions, by time), then exit 0;
``--from-beginning`` every record the topic keeps; ``--follow`` goes on printing records as
they arrive until Ctrl-C (exit 130). ``--json`` prints one JSON object per line with the
whole value (which, for notifications, holds the customer's contact data), for ``jq``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, get_args

from rich.console import Console
from rich.text import Text

from problem_tracker.config import Settings
from problem_tracker.ops.reading import Record, TopicReader
from problem_tracker.ops.summary import Kind, Summary, summarise

STATUS_STYLES = {
    "breached": "bold red",
    "jeopardy": "red",
    "warning": "yellow",
    "resolved": "green",
    "closed": "green",
    "cancelled": "dim",
}
EARLIEST = datetime.min.replace(tzinfo=UTC)
DESCRIPTION = """\
Print the records of an output topic, one line each: time, eventType, key (the report id)
and status (for escalations the jeopardy or escalation level, for the DLQ the error code
and where the rejected record was). By default the latest --lines records, then exit 0;
--from-beginning prints every record the topic keeps; --follow goes on printing records as
they arrive until Ctrl-C (exit 130). --json prints one JSON object per line with the whole
value (for notifications that includes the customer's contact data).
Reads by assigned partitions: joins no consumer group and commits nothing."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tail",
        help="print the records of an output topic, one line each (time, eventType, key, status)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("topic", choices=get_args(Kind), help="which output topic")
    parser.add_argument(
        "-f", "--follow", action="store_true", help="keep printing new records until Ctrl-C"
    )
    parser.add_argument(
        "--from-beginning",
        action="store_true",
        help="every record the topic keeps, instead of the latest --lines",
    )
    parser.add_argument(
        "-n", "--lines", type=_positive, default=10, help="how many latest records (default 10)"
    )
    parser.add_argument("--key", help="only records with this key (a report id)")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per line, with the whole value"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to reach Kafka (default 30)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    topics = settings.topics
    name = topics.name(getattr(topics, args.topic))
    show = Printer(args.topic, as_json=args.json)
    with TopicReader(settings.kafka, name, args.timeout) as reader:
        try:
            for record in _backlog(reader, args):
                show(record)
            if args.follow:
                for record in reader.follow():
                    if _wanted(record, args.key):
                        show(record)
        except BrokenPipeError:  # `| head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _backlog(reader: TopicReader, args: argparse.Namespace) -> Iterable[Record]:
    """What is on the topic now: all of it, or the latest ``--lines`` in time order."""
    if args.from_beginning:
        return (r for r in reader.read_to_end() if _wanted(r, args.key))
    starts = None
    if args.key is None:  # the latest n of each partition hold the latest n of the topic
        marks = reader.watermarks()
        starts = {p: max(low, high - args.lines) for p, (low, high) in marks.items()}
    matching = [r for r in reader.read_to_end(starts) if _wanted(r, args.key)]
    return sorted(matching, key=_time_order)[-args.lines :]


def _time_order(record: Record) -> tuple[datetime, int, int]:
    return (record.timestamp or EARLIEST, record.partition, record.offset)


def _wanted(record: Record, key: str | None) -> bool:
    return key is None or (record.key is not None and record.key.decode("utf-8", "replace") == key)


class Printer:
    """Prints records as rich lines (plain text when not on a terminal) or JSON lines."""

    def __init__(self, kind: Kind, *, as_json: bool) -> None:
        self._kind = kind
        self._json = as_json
        self._console = Console(highlight=False, soft_wrap=True, emoji=False, markup=False)

    def __call__(self, record: Record) -> None:
        summary = summarise(self._kind, record)
        if self._json:
            print(json.dumps(summary.as_json(record), ensure_ascii=False), flush=True)
        else:
            self._console.print(line(summary))
            self._console.file.flush()  # --follow into a pipe: each line as it comes


def line(summary: Summary) -> Text:
    """``time  eventType  key  status``, styled."""
    style = next((s for word, s in STATUS_STYLES.items() if word in summary.status), "")
    return Text.assemble(
        (summary.time, "dim"),
        "  ",
        (summary.event_type, "cyan"),
        "  ",
        (summary.key, "bold"),
        "  ",
        (summary.status, style),
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
