"""Replay dead letters: each chosen DLQ record's original key and value, produced again to
its original topic.

A record is chosen by its ``error.code`` and its ``receivedAt`` (when it was dead-lettered).
It is replayed only if the DLQ holds its original bytes whole and it came from one of the
contract's input topics: a truncated record (``valueTruncated``/``keyTruncated``) or one
of the worker's internal records is refused and reported, never sent in part. The copy is
produced with Java's partitioner (murmur2), so it reaches the partition a producer keyed
by report id would have chosen; it carries the contract's ``eventType`` and
``content-type`` headers when its value has an ``eventType``, and ``problem-tracker-replay``
naming the dead letter it came from (``<partition>/<offset>/<DLQ topic>``). Events the
worker had applied already are recognised by ``eventId``: replaying twice is harmless.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from confluent_kafka import KafkaError, Producer
from pydantic import ConfigDict, ValidationError

from problem_tracker.admin.acls import INPUTS
from problem_tracker.admin.client_config import confluent_config
from problem_tracker.config import KafkaSettings, TopicSettings
from problem_tracker.contracts.dlq import BASE64, DeadLetterRecord
from problem_tracker.ops.reading import Record

REPLAY_HEADER = "problem-tracker-replay"
CONTENT_TYPE = b"application/json"
Outcome = Literal["replayed", "would replay", "truncated", "not an input topic", "failed"]
REFUSALS: tuple[Outcome, ...] = ("truncated", "not an input topic")


class _StoredDeadLetter(DeadLetterRecord):
    """A DLQ record as read back: fields a later version may add are ignored."""

    model_config = ConfigDict(extra="ignore")


@dataclass(frozen=True)
class Selection:
    """Which dead letters to replay; ``None`` selects all."""

    codes: frozenset[str] | None = None
    since: datetime | None = None
    until: datetime | None = None

    def selects(self, letter: DeadLetterRecord) -> bool:
        at = letter.received_at
        return (
            (self.codes is None or letter.error.code.value in self.codes)
            and (self.since is None or at >= self.since)
            and (self.until is None or at <= self.until)
        )


@dataclass(frozen=True)
class Entry:
    """One chosen dead letter and what became of it."""

    dlq: Record
    letter: DeadLetterRecord
    outcome: Outcome

    def as_json(self) -> dict[str, Any]:
        return {
            "dlqPartition": self.dlq.partition,
            "dlqOffset": self.dlq.offset,
            "originalTopic": self.letter.original_topic,
            "partition": self.letter.partition,
            "offset": self.letter.offset,
            "key": self.letter.key if self.letter.key_encoding is None else None,
            "code": self.letter.error.code.value,
            "receivedAt": self.letter.received_at.isoformat().replace("+00:00", "Z"),
            "outcome": self.outcome,
        }


@dataclass
class ReplayReport:
    """Counts of one run, and every chosen record with its outcome."""

    dry_run: bool
    read: int = 0
    entries: list[Entry] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    """Positions of DLQ records that are not dead letters of ours (not JSON, other shape)."""
    failures: list[str] = field(default_factory=list)

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(entry.outcome for entry in self.entries)

    @property
    def by_code(self) -> Counter[str]:
        return Counter(entry.letter.error.code.value for entry in self.entries)

    @property
    def refused(self) -> int:
        return sum(self.outcomes[outcome] for outcome in REFUSALS)

    def as_json(self) -> dict[str, Any]:
        outcomes = self.outcomes
        return {
            "dryRun": self.dry_run,
            "read": self.read,
            "selected": len(self.entries),
            "replayed": outcomes["replayed"],
            "wouldReplay": outcomes["would replay"],
            "refusedTruncated": outcomes["truncated"],
            "refusedNotAnInputTopic": outcomes["not an input topic"],
            "failed": outcomes["failed"],
            "unreadable": len(self.unreadable),
            "byCode": dict(sorted(self.by_code.items())),
            "records": [entry.as_json() for entry in self.entries],
            "unreadableRecords": self.unreadable,
            "failures": self.failures,
        }


def input_topics(topics: TopicSettings) -> frozenset[str]:
    """The deployed names of the contract's input topics: where replays may go."""
    return frozenset(topics.name(getattr(topics, attribute)) for attribute in INPUTS)


def read_letter(record: Record) -> DeadLetterRecord | None:
    """The dead letter in a DLQ record; ``None`` if it is none of ours."""
    if record.value is None:
        return None
    try:
        return _StoredDeadLetter.model_validate_json(record.value)
    except ValidationError:
        return None


def original_bytes(text: str | None, encoding: str | None) -> bytes | None:
    """The original key or value of a dead letter (text, or base64 when encoded)."""
    if text is None:
        return None
    return base64.b64decode(text) if encoding == BASE64 else text.encode("utf-8")


def replay_headers(value: bytes | None, dlq: Record) -> list[tuple[str, str | bytes | None]]:
    """The contract's headers when the value is an event, and where the copy came from."""
    headers: list[tuple[str, str | bytes | None]] = []
    try:
        document = json.loads(value) if value is not None else None
    except ValueError:
        document = None
    event_type = document.get("eventType") if isinstance(document, dict) else None
    if isinstance(event_type, str):
        headers += [("eventType", event_type.encode("utf-8")), ("content-type", CONTENT_TYPE)]
    origin = f"{dlq.partition}/{dlq.offset}/{dlq.topic}"
    return [*headers, (REPLAY_HEADER, origin.encode("utf-8"))]


def triage(letter: DeadLetterRecord, inputs: frozenset[str]) -> Outcome | None:
    """Why a chosen dead letter cannot be replayed; ``None`` if it can."""
    if letter.value_truncated or letter.key_truncated:
        return "truncated"
    if letter.original_topic not in inputs:
        return "not an input topic"
    return None


class Sender(Protocol):
    """Where copies go: ``send`` them numbered, ``flush``, then which were delivered."""

    delivered: set[int]
    failures: dict[int, str]

    def send(self, number: int, letter: DeadLetterRecord, dlq: Record) -> None: ...

    def flush(self, timeout: float) -> int: ...


class Replayer:
    """Produces the replayed copies and learns, per copy, whether it was delivered."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self._producer = Producer(
            {
                **confluent_config(kafka),
                "partitioner": "murmur2_random",  # Java's: where keyed producers put them
                "enable.idempotence": True,
                "log_level": 3,
            }
        )
        self.delivered: set[int] = set()
        self.failures: dict[int, str] = {}

    def send(self, number: int, letter: DeadLetterRecord, dlq: Record) -> None:
        value = original_bytes(letter.value, letter.value_encoding)

        def delivered(error: KafkaError | None, _message: object) -> None:
            if error is None:
                self.delivered.add(number)
            else:
                self.failures[number] = f"{dlq.position}: {error.str()}"

        while True:
            try:
                self._producer.produce(
                    letter.original_topic,
                    key=original_bytes(letter.key, letter.key_encoding),
                    value=value,
                    headers=replay_headers(value, dlq),
                    on_delivery=delivered,
                )
                break
            except BufferError:
                self._producer.poll(0.1)
        self._producer.poll(0)

    def flush(self, timeout: float) -> int:
        """Waits for every delivery; how many are still undelivered."""
        return int(self._producer.flush(timeout))


def replay(
    records: Iterable[Record],
    selection: Selection,
    inputs: frozenset[str],
    replayer: Sender | None,
    *,
    flush_timeout: float = 30.0,
) -> ReplayReport:
    """Replays the selected dead letters of ``records``; a dry run (no ``replayer``)
    produces nothing and reports what it would have replayed."""
    report = ReplayReport(dry_run=replayer is None)
    for record in records:
        report.read += 1
        letter = read_letter(record)
        if letter is None:
            report.unreadable.append(record.position)
            continue
        if not selection.selects(letter):
            continue
        outcome = triage(letter, inputs)
        if outcome is None:
            if replayer is None:
                outcome = "would replay"
            else:
                replayer.send(len(report.entries), letter, record)
                outcome = "replayed"  # once delivered: checked below
        report.entries.append(Entry(record, letter, outcome))
    if replayer is not None:
        _confirm(report, replayer, flush_timeout)
    return report


def _confirm(report: ReplayReport, replayer: Sender, timeout: float) -> None:
    """Waits for the deliveries; a copy not acknowledged is a failure."""
    replayer.flush(timeout)
    for number, entry in enumerate(report.entries):
        if entry.outcome == "replayed" and number not in replayer.delivered:
            report.entries[number] = Entry(entry.dlq, entry.letter, "failed")
            report.failures.append(
                replayer.failures.get(number, f"{entry.dlq.position}: not delivered in {timeout} s")
            )
