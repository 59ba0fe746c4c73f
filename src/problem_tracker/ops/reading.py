"""Read a topic as an operator does: from a point to its end, or on and on (``--follow``).

Partitions are assigned, not subscribed: no consumer group joins, nothing is committed, so
reading never disturbs the workers or a downstream consumer, and needs no group ACL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    TIMESTAMP_NOT_AVAILABLE,
    Consumer,
    KafkaError,
    KafkaException,
    TopicPartition,
)

from problem_tracker.admin.access import admin_client
from problem_tracker.admin.client_config import confluent_config
from problem_tracker.config import KafkaSettings

QUIET = 3
"""librdkafka logs errors only; they reach the one-line error of the command instead."""
POLL_SECONDS = 0.5
REFUSED = frozenset(
    {
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.SASL_AUTHENTICATION_FAILED,
        KafkaError._AUTHENTICATION,
        KafkaError._SSL,
        KafkaError._UNKNOWN_TOPIC,
        KafkaError.UNKNOWN_TOPIC_OR_PART,
    }
)
"""Errors of a consumer that retrying does not heal. (A refused group is not one: records
are read by assigned partitions and nothing is committed, so no group ACL is needed.)"""


@dataclass(frozen=True)
class Record:
    """One record as read, bytes untouched."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def position(self) -> str:
        """``topic/partition@offset``, as operators write it."""
        return f"{self.topic}/{self.partition}@{self.offset}"


class TopicReader:
    """Reads one topic: ``read_to_end`` from chosen offsets up to the end offsets seen when
    it was called (what arrives later is not read: a DLQ replay never reads back its own
    re-rejected records), then ``follow`` for ever."""

    def __init__(self, kafka: KafkaSettings, topic: str, timeout: float = 30.0) -> None:
        admin = admin_client(kafka, timeout)  # one clear line if the cluster refuses us
        described = admin.list_topics(topic, timeout=timeout).topics.get(topic)
        if described is None or described.error is not None or not described.partitions:
            raise ValueError(f"topic {topic} does not exist at {kafka.bootstrap_servers}")
        self.topic = topic
        self.partitions = sorted(described.partitions)
        self._timeout = timeout
        self._ends: dict[int, int] = {}
        self._consumer = Consumer(
            {
                **confluent_config(kafka),
                "group.id": f"problem-tracker-reader-{uuid.uuid4().hex}",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "enable.partition.eof": True,
                "log_level": QUIET,
            }
        )

    def __enter__(self) -> TopicReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._consumer.close()

    def watermarks(self) -> dict[int, tuple[int, int]]:
        """``(low, high)`` offsets of every partition now."""
        marks = {}
        for partition in self.partitions:
            low, high = self._consumer.get_watermark_offsets(
                TopicPartition(self.topic, partition), self._timeout, cached=False
            )
            marks[partition] = (int(low), int(high))
        return marks

    def read_to_end(self, starts: dict[int, int] | None = None) -> Iterator[Record]:
        """Records from ``starts`` (offset by partition; default: the beginning) up to the
        end offsets of now. What arrives meanwhile is left for ``follow``."""
        marks = self.watermarks()
        begin = starts or {}
        self._ends = {partition: high for partition, (_, high) in marks.items()}
        offsets = {p: begin.get(p, OFFSET_BEGINNING) for p in self.partitions}
        pending = {
            p for p in self.partitions if max(marks[p][0], _offset(offsets[p])) < self._ends[p]
        }
        self._consumer.assign([TopicPartition(self.topic, p, offsets[p]) for p in self.partitions])
        self._consumer.pause([self._partition(p) for p in self.partitions if p not in pending])
        while pending:
            message = self._consumer.poll(POLL_SECONDS)
            if message is None:
                continue
            if message.error() is not None:
                if _end_of_partition(message):
                    self._park(int(message.partition() or 0), pending)
                continue
            record = _record(message)
            if record.offset >= self._ends[record.partition]:
                # arrived after the start: read again by ``follow``, never here
                self._consumer.seek(self._partition(record.partition, record.offset))
                self._park(record.partition, pending)
                continue
            if record.offset == self._ends[record.partition] - 1:
                self._park(record.partition, pending)
            yield record

    def follow(self) -> Iterator[Record]:
        """Every record after those ``read_to_end`` gave, as it arrives; never ends."""
        self._consumer.resume([self._partition(p) for p in self.partitions])
        while True:
            message = self._consumer.poll(POLL_SECONDS)
            if message is not None and message.error() is None:
                yield _record(message)
            elif message is not None:
                _end_of_partition(message)

    def _partition(self, partition: int, offset: int | None = None) -> TopicPartition:
        if offset is None:
            return TopicPartition(self.topic, partition)
        return TopicPartition(self.topic, partition, offset)

    def _park(self, partition: int, pending: set[int]) -> None:
        """This partition is read to its end: fetch no more of it for now."""
        if partition in pending:
            pending.discard(partition)
            self._consumer.pause([self._partition(partition)])


def _end_of_partition(message: Any) -> bool:
    """Whether the event is the end of a partition; raises on an error that retrying does
    not heal (a broker going away is retried by librdkafka: ``--follow`` goes on)."""
    error = message.error()
    if error.code() == KafkaError._PARTITION_EOF:
        return True
    if error.fatal() or error.code() in REFUSED:
        raise KafkaException(error)
    return False


def _offset(offset: int) -> int:
    """A logical start (beginning) as the smallest offset."""
    return 0 if offset < 0 else offset


def _record(message: Any) -> Record:
    kind, millis = message.timestamp()
    timestamp = (
        None if kind == TIMESTAMP_NOT_AVAILABLE else datetime.fromtimestamp(millis / 1000, UTC)
    )
    headers = tuple((str(name), bytes(value or b"")) for name, value in message.headers() or ())
    return Record(
        str(message.topic()),
        int(message.partition()),
        int(message.offset()),
        timestamp,
        message.key(),
        message.value(),
        headers,
    )
