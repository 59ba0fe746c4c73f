"""The simulator's Kafka I/O: one producer for everything it plays, and consumers for
what the processor emits.

The producer keeps librdkafka's default partitioner (CRC32 ``consistent_random``), as an
upstream system would: where a record lands is upstream's business, not the worker's.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from problem_tracker.admin.client_config import ClientConfig, confluent_config
from problem_tracker.config import KafkaSettings, TopicSettings
from problem_tracker.simulate import messages as m
from problem_tracker.simulate.messages import SimMessage, Topic

TopicNames = Callable[[Topic], str]
QUIET = 3
"""librdkafka logs errors only: retried warnings would tear the progress display."""
ELECTION_ERRORS = frozenset(
    {
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.UNKNOWN_TOPIC_OR_PART,
    }
)


def topic_names(topics: TopicSettings, prefix: str | None = None) -> TopicNames:
    """The deployed name of each topic role, with ``prefix`` replacing the configured one."""
    chosen = topics if prefix is None else topics.model_copy(update={"prefix": prefix})
    return lambda topic: chosen.name(getattr(chosen, topic.value))


def producer_config(kafka: KafkaSettings) -> ClientConfig:
    return {
        **confluent_config(kafka),
        "enable.idempotence": True,
        "linger.ms": 5,
        "log_level": QUIET,
    }


@dataclass(frozen=True)
class Record:
    """One consumed record, by topic role."""

    topic: Topic
    key: str | None
    value: bytes | None


class Outbox:
    """Produces simulated messages; counts what the broker acknowledged or refused."""

    def __init__(self, kafka: KafkaSettings, names: TopicNames) -> None:
        self._producer = Producer(producer_config(kafka))
        self._names = names
        self.delivered = 0
        self.failures: list[str] = []

    def send(self, message: SimMessage) -> None:
        key = None if message.key is None else message.key.encode()
        while True:
            try:
                self._producer.produce(
                    self._names(message.topic),
                    key=key,
                    value=m.value_bytes(message),
                    headers=m.headers(message),
                    on_delivery=self._on_delivery,
                )
                break
            except BufferError:
                self._producer.poll(0.1)
        self._producer.poll(0)

    def send_all(self, messages: Iterable[SimMessage]) -> int:
        count = 0
        for message in messages:
            self.send(message)
            count += 1
        return count

    def poll(self) -> None:
        self._producer.poll(0)

    def flush(self, timeout: float) -> int:
        """Wait for outstanding deliveries; how many are still undelivered."""
        return int(self._producer.flush(timeout))

    def _on_delivery(self, err: KafkaError | None, _msg: Any) -> None:
        if err is None:
            self.delivered += 1
        else:
            self.failures.append(str(err))


class Inbox:
    """Reads some topics; ``fresh`` ones from their end at start, the others as a group."""

    def __init__(
        self,
        kafka: KafkaSettings,
        names: TopicNames,
        topics: Iterable[Topic],
        *,
        group_id: str | None = None,
    ) -> None:
        self._roles = {names(topic): topic for topic in topics}
        self._consumer = Consumer(
            {
                **confluent_config(kafka),
                "group.id": group_id or f"problem-tracker-simulate-{uuid.uuid4().hex}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": group_id is not None,
                "topic.metadata.refresh.interval.ms": 5000,
                "log_level": QUIET,
            }
        )
        if group_id is None:
            self._consumer.assign(self._ends(timeout=30.0))
        else:
            self._consumer.subscribe(list(self._roles))

    def poll(self, timeout: float, max_records: int = 500) -> list[Record]:
        records = []
        for msg in self._consumer.consume(max_records, timeout):
            error = msg.error()
            if error is not None:
                if error.fatal():
                    raise KafkaException(error)
                continue
            raw_key = msg.key()
            key = None if raw_key is None else raw_key.decode("utf-8", "replace")
            records.append(Record(self._roles[str(msg.topic())], key, msg.value()))
        return records

    def close(self) -> None:
        self._consumer.close()

    def _ends(self, timeout: float) -> list[TopicPartition]:
        """Every partition at its current end: what the processor emits from now on."""
        deadline = time.monotonic() + timeout
        partitions = []
        for name in self._roles:
            for partition in self._partitions(name, deadline):
                high = self._end_offset(TopicPartition(name, partition), deadline)
                partitions.append(TopicPartition(name, partition, high))
        return partitions

    def _end_offset(self, partition: TopicPartition, deadline: float) -> int:
        """The partition's high watermark, waiting out a freshly created topic's election."""
        while True:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                _, high = self._consumer.get_watermark_offsets(partition, remaining, cached=False)
                return int(high)
            except KafkaException as exc:
                error = exc.args[0]
                transient = error.retriable() or error.code() in ELECTION_ERRORS
                if not transient or time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def _partitions(self, name: str, deadline: float) -> list[int]:
        while True:
            remaining = max(0.1, deadline - time.monotonic())
            described = self._consumer.list_topics(name, timeout=remaining).topics.get(name)
            if described is not None and described.error is None and described.partitions:
                return sorted(described.partitions)
            if time.monotonic() >= deadline:
                raise RuntimeError(f"topic {name} does not exist; create it with `topics create`")
            time.sleep(0.2)
