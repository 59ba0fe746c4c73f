"""Small, blocking Kafka helpers for integration tests: create topics, produce JSON, consume.

Producers keep librdkafka's default partitioner, as the systems around the worker do.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


@dataclass(frozen=True)
class Received:
    """One consumed record, value decoded from JSON (None for a tombstone)."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: Any
    headers: dict[str, str]


def create_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int = 6,
    config: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> None:
    """Create the topics and wait until the broker serves them; existing ones are fine."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    wanted = list(names)
    new = [NewTopic(n, num_partitions=partitions, config=dict(config or {})) for n in wanted]
    for future in admin.create_topics(new, operation_timeout=timeout).values():
        try:
            future.result(timeout=timeout)
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise
    deadline = time.monotonic() + timeout
    while not all(_served(admin, name) for name in wanted):
        if time.monotonic() > deadline:
            raise AssertionError(f"topics {wanted} not served within {timeout}s")
        time.sleep(0.1)


def _served(admin: AdminClient, topic: str) -> bool:
    described = admin.list_topics(topic, timeout=5).topics.get(topic)
    return described is not None and described.error is None and bool(described.partitions)


def produce_json(
    bootstrap: str,
    topic: str,
    messages: Iterable[tuple[str | None, Any]],
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> int:
    """Send ``(key, value)`` pairs as JSON (value None → tombstone); how many were sent."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    errors: list[str] = []

    def on_delivery(err: Any, _msg: Any) -> None:
        if err is not None:
            errors.append(str(err))

    count = 0
    for key, value in messages:
        payload = None if value is None else json.dumps(value).encode()
        producer.produce(
            topic,
            key=None if key is None else key.encode(),
            value=payload,
            headers=dict(headers or {}),
            on_delivery=on_delivery,
        )
        producer.poll(0)
        count += 1
    remaining = producer.flush(timeout)
    if remaining or errors:
        raise AssertionError(f"{remaining} undelivered, errors: {errors[:3]}")
    return count


def consume(bootstrap: str, topic: str, count: int, timeout: float = 30.0) -> list[Received]:
    """Read ``count`` records from the start of every partition of ``topic``, within ``timeout``.

    Partitions are assigned directly (no consumer group), so there is no rebalance to wait for.
    """
    deadline = time.monotonic() + timeout
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    received: list[Received] = []
    try:
        consumer.assign(_all_partitions(consumer, topic, deadline))
        while len(received) < count and time.monotonic() < deadline:
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                if msg.error().retriable():
                    continue
                raise KafkaException(msg.error())
            received.append(_decode(msg))
    finally:
        consumer.close()
    if len(received) < count:
        raise AssertionError(f"got {len(received)} of {count} records from {topic} in {timeout}s")
    return received


def _all_partitions(consumer: Consumer, topic: str, deadline: float) -> list[TopicPartition]:
    while True:
        metadata = consumer.list_topics(topic, timeout=max(0.1, deadline - time.monotonic()))
        described = metadata.topics.get(topic)
        if described is not None and described.error is None and described.partitions:
            return [TopicPartition(topic, p, OFFSET_BEGINNING) for p in described.partitions]
        if time.monotonic() >= deadline:
            raise AssertionError(f"topic {topic} has no partitions")
        time.sleep(0.1)


def _decode(msg: Any) -> Received:
    raw_key, raw_value = msg.key(), msg.value()
    return Received(
        topic=msg.topic(),
        partition=msg.partition(),
        offset=msg.offset(),
        key=None if raw_key is None else raw_key.decode(),
        value=None if raw_value is None else json.loads(raw_value),
        headers={k: (v or b"").decode() for k, v in (msg.headers() or [])},
    )
