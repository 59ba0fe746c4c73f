"""What the harness produces and what it reads back from the worker's output topics."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition

from problem_tracker.simulate.messages import Topic

OUTPUT_TOPICS = (
    Topic.NOTIFICATIONS,
    Topic.ESCALATIONS,
    Topic.SERVICE_TROUBLE_REQUESTS,
    Topic.PARTNER_PROBLEM_REQUESTS,
    Topic.DLQ,
)
DEFAULT_NAMES = {
    Topic.CUSTOMER_EVENTS: "customer-problem.events",
    Topic.SERVICE_TROUBLE_EVENTS: "service-trouble.events",
    Topic.PARTNER_PROBLEM_EVENTS: "partner-problem.events",
    Topic.KNOWN_ERRORS: "known-errors",
    Topic.COMPONENT_OWNERSHIP: "component-ownership",
    Topic.SERVICE_TROUBLE_REQUESTS: "service-trouble.requests",
    Topic.PARTNER_PROBLEM_REQUESTS: "partner-problem.requests",
    Topic.NOTIFICATIONS: "customer-problem.notifications",
    Topic.ESCALATIONS: "customer-problem.escalations",
    Topic.DLQ: "customer-problem.dlq",
}


Headers = list[tuple[str, str | bytes | None]]
Record = tuple[Topic, str | None, bytes | None, Headers]


@dataclass(frozen=True)
class Sent:
    """Where a produced record landed: what a DLQ entry must point back to."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes | None


@dataclass(frozen=True)
class Output:
    topic: Topic
    key: str | None
    value: dict[str, Any]

    @property
    def event_type(self) -> str | None:
        return self.value.get("eventType")

    @property
    def report(self) -> dict[str, Any]:
        return dict(self.value.get("event", {}).get("customerProblemReport", {}))


class OutputCollector:
    """Reads every output topic from the beginning, in a thread, into memory.

    It reads committed records only, as a downstream consumer should: with
    ``exactly_once`` an aborted transaction's outputs never show up here.
    """

    def __init__(self, bootstrap: str, names: dict[Topic, str]) -> None:
        self._by_name = {names[t]: t for t in OUTPUT_TOPICS}
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"collector-{uuid.uuid4()}",
                "isolation.level": "read_committed",
            }
        )
        self.outputs: list[Output] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._consumer.assign(
            [TopicPartition(name, p, OFFSET_BEGINNING) for name in self._by_name for p in range(3)]
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._consumer.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            record = self._consumer.poll(0.2)
            if record is None or record.error() is not None:
                continue
            key = record.key()
            output = Output(
                self._by_name[record.topic()],
                key.decode() if key is not None else None,
                json.loads(record.value()),
            )
            with self._lock:
                self.outputs.append(output)

    def snapshot(self) -> list[Output]:
        with self._lock:
            return list(self.outputs)


REQUEST_SHAPES = {
    Topic.SERVICE_TROUBLE_REQUESTS: ("serviceTroubleReport", "affectedService"),
    Topic.PARTNER_PROBLEM_REQUESTS: ("partnerProblemReport", "affectedEntity"),
}


def sent_from(record: Message) -> Sent:
    key = record.key()
    return Sent(
        record.topic(),
        record.partition(),
        record.offset(),
        None if key is None else key.decode(),
        record.value(),
    )
