"""What the benchmarks send to a worker and how they watch what it publishes.

Messages come from the simulator's builders (``problem_tracker.simulate.messages``), so
they are the contract's envelopes; the producer keeps the client's default partitioner,
as upstream systems do. Times are wall-clock (``time.time()``) on this machine, the same clock the
worker uses for ``eventTime`` and SLA deadlines.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Self, cast

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, Producer, TopicPartition

from bench.kafka_env import RunTopics
from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import SimMessage, Topic

QUIET = 3


class Sender:
    """Produces contract messages into this run's topics; counts what was refused."""

    def __init__(self, bootstrap: str, topics: RunTopics) -> None:
        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "linger.ms": 5,
                "enable.idempotence": True,
                "log_level": QUIET,
            }
        )
        self._topics = topics
        self._ids = itertools.count()
        self.failures: list[str] = []

    def event_id(self) -> str:
        return f"evt-{self._topics.prefix}{next(self._ids)}"

    def send(self, message: SimMessage, topic: str | None = None) -> None:
        self.produce(
            topic or self._topics.name(message.topic.value),
            None if message.key is None else message.key.encode(),
            messages.value_bytes(message),
            messages.headers(message),
        )

    def produce(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, str | bytes | None]],
    ) -> None:
        while True:
            try:
                self._producer.produce(
                    topic, key=key, value=value, headers=headers, on_delivery=self._delivered
                )
                break
            except BufferError:
                self._producer.poll(0.05)
        self._producer.poll(0)

    def own(self, service_id: str, owner_id: str = "noc", role: str = "internal") -> None:
        """Inventory says who owns a service (the worker reads this at start-up)."""
        entity = {"id": service_id, "referredType": "Service"}
        owner = {"id": owner_id, "role": role}
        self.send(messages.component_ownership(self.event_id(), now(), entity, owner))

    def create(self, report_id: str, service_id: str, priority: int = 2) -> float:
        """A new customer problem report on one service; returns the wall time it was sent."""
        sent = time.time()
        self.send(create_message(self.event_id(), report_id, service_id, priority, sent))
        return sent

    def flush(self, timeout: float = 60.0) -> None:
        remaining = self._producer.flush(timeout)
        if remaining:
            raise RuntimeError(f"{remaining} messages still undelivered after {timeout}s")
        if self.failures:
            raise RuntimeError(f"{len(self.failures)} sends failed, first: {self.failures[0]}")

    def close(self) -> None:
        self._producer.close()

    def _delivered(self, error: Any, _message: Message) -> None:
        if error is not None:
            self.failures.append(str(error))


Seen = Callable[[Topic, str | None, dict[str, str], bytes, float], None]
"""Called with (topic role, key, headers, value, wall time received) for every record."""

SeenRecord = Callable[[Message, float], None]
"""Called with each record read and the wall time it was received."""


class TopicTail:
    """Reads whole topics from the beginning in a thread and hands each record over."""

    def __init__(self, bootstrap: str, names: list[str], partitions: int, seen: SeenRecord) -> None:
        self._names = names
        self._partitions = partitions
        self._seen_record = seen
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"bench-watcher-{uuid.uuid4()}",
                "enable.auto.commit": False,
                "fetch.wait.max.ms": 10,
                "log_level": QUIET,
            }
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-watcher", daemon=True)
        self.errors: list[str] = []

    def start(self) -> Self:
        self._consumer.assign(
            [
                TopicPartition(name, partition, OFFSET_BEGINNING)
                for name in self._names
                for partition in range(self._partitions)
            ]
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._consumer.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            for record in self._consumer.consume(500, 0.1):
                received = time.time()
                if record.error() is not None:
                    self.errors.append(str(record.error()))
                    continue
                self._seen_record(record, received)


class Watcher(TopicTail):
    """Reads output topics of the contract and hands each record over with its role."""

    def __init__(
        self, bootstrap: str, topics: RunTopics, roles: tuple[Topic, ...], seen: Seen
    ) -> None:
        self._roles = {topics.name(role.value): role for role in roles}
        self._seen = seen
        super().__init__(bootstrap, list(self._roles), topics.partitions, self._hand_over)

    def _hand_over(self, record: Message, received: float) -> None:
        key = record.key()
        self._seen(
            self._roles[str(record.topic())],
            key.decode() if key is not None else None,
            _headers(record),
            record.value() or b"",
            received,
        )


def _headers(record: Message) -> dict[str, str]:
    raw = cast(list[tuple[str, bytes | None]], record.headers() or [])
    return {name: (value or b"").decode() for name, value in raw}


def now() -> datetime:
    return datetime.now(UTC)


def create_message(
    event_id: str, report_id: str, service_id: str, priority: int, at: float
) -> SimMessage:
    """The create event of a new customer problem report on one service."""
    moment = datetime.fromtimestamp(at, UTC)
    report = {
        "id": report_id,
        "description": f"customer problem {report_id}",
        "severity": "major",
        "priority": priority,
        "ticketType": "incident",
        "creationDate": messages.iso(moment),
        "relatedParty": [{"role": "customer", "id": f"cust-{report_id}", "segment": "gold"}],
        "relatedEntity": [{"role": "affectedService", "id": service_id, "referredType": "Service"}],
    }
    return messages.report_created(event_id, moment, report)
