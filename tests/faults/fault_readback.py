"""Everything the worker published, read back from the output topics as a downstream
consumer would (committed records only), with the exact bytes of every record."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from fault_oracle import escalation_about

from problem_tracker.simulate.messages import Topic

OUTPUTS = (
    Topic.NOTIFICATIONS,
    Topic.ESCALATIONS,
    Topic.SERVICE_TROUBLE_REQUESTS,
    Topic.PARTNER_PROBLEM_REQUESTS,
    Topic.DLQ,
)


@dataclass(frozen=True, slots=True)
class Observed:
    """One output record: where it sits, its bytes, and what it says."""

    topic: Topic
    partition: int
    offset: int
    key: str | None
    value: bytes
    timestamp_ms: int
    event_id: str | None
    event_type: str | None
    status: str | None = None
    about: str | None = None
    """An escalation's subject (``fault_oracle.escalation_about``)."""
    cause: str | None = None
    """A dead letter's: the ``eventId`` of the record it rejects, if that was enveloped."""
    code: str | None = None
    origin: tuple[str, int, int] | None = None
    """A dead letter's: ``(originalTopic, partition, offset)``."""
    received: float = 0.0
    """When the read-back got it (wall clock)."""


def observe(topic: Topic, record: Any, received: float) -> Observed:
    raw_key = record.key()
    value = record.value() or b""
    parsed: dict[str, Any] = json.loads(value) if value else {}
    _, timestamp = record.timestamp()
    found = Observed(
        topic=topic,
        partition=record.partition(),
        offset=record.offset(),
        key=None if raw_key is None else raw_key.decode(errors="replace"),
        value=value,
        timestamp_ms=timestamp,
        received=received,
        event_id=parsed.get("eventId"),
        event_type=parsed.get("eventType"),
    )
    if topic is Topic.NOTIFICATIONS:
        status = parsed.get("event", {}).get("customerProblemReport", {}).get("status")
        return _with(found, status=status)
    if topic is Topic.ESCALATIONS:
        return _with(found, about=escalation_about(parsed))
    if topic is Topic.DLQ:
        origin = (parsed["originalTopic"], parsed["partition"], parsed["offset"])
        return _with(
            found, cause=_cause(parsed.get("value")), code=parsed["error"]["code"], origin=origin
        )
    return found


def _with(found: Observed, **fields: Any) -> Observed:
    values = {name: getattr(found, name) for name in Observed.__slots__}
    return Observed(**{**values, **fields})


def _cause(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    try:
        event_id = json.loads(text).get("eventId")
    except (ValueError, AttributeError):
        return None
    return event_id if isinstance(event_id, str) else None


class Readback:
    """Reads every output topic from the beginning, in a thread; indexes what the fault
    suite waits for: event ids seen, escalations by report and subject, rejected causes."""

    def __init__(self, bootstrap: str, names: dict[Topic, str]) -> None:
        self._topics = {names[topic]: topic for topic in OUTPUTS}
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"fault-readback-{uuid.uuid4()}",
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
            }
        )
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="readback", daemon=True)
        self.records: list[Observed] = []
        self._ids: set[str] = set()
        self._escalations: set[tuple[str | None, str | None]] = set()
        self._rejected: set[str] = set()
        self._first: dict[str, Observed] = {}
        self.last_received = 0.0

    def start(self) -> None:
        metadata = self._consumer.list_topics(timeout=30)
        assigned = [
            TopicPartition(name, partition, OFFSET_BEGINNING)
            for name in self._topics
            for partition in metadata.topics[name].partitions
        ]
        self._consumer.assign(assigned)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._consumer.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._consumer.consume(500, 0.2)
            received = time.time()
            found = [
                observe(self._topics[record.topic()], record, received)
                for record in batch
                if record.error() is None
            ]
            if not found:
                continue
            with self._lock:
                self.last_received = received
                for record in found:
                    self.records.append(record)
                    if record.event_id is not None:
                        self._ids.add(record.event_id)
                        self._first.setdefault(record.event_id, record)
                    if record.about is not None:
                        self._escalations.add((record.key, record.about))
                    if record.cause is not None:
                        self._rejected.add(record.cause)

    # -- what the players wait for -----------------------------------------------------

    def missing_ids(self, wanted: set[str]) -> set[str]:
        with self._lock:
            return wanted - self._ids

    def missing_escalations(
        self, wanted: set[tuple[str | None, str | None]]
    ) -> set[tuple[str | None, str | None]]:
        with self._lock:
            return wanted - self._escalations

    def missing_rejections(self, wanted: set[str]) -> set[str]:
        with self._lock:
            return wanted - self._rejected

    def first(self, event_id: str) -> Observed | None:
        with self._lock:
            return self._first.get(event_id)

    def busy(self, within: float = 1.0) -> bool:
        """Whether outputs are flowing: one arrived in the last ``within`` seconds."""
        return time.time() - self.last_received < within

    def count(self) -> int:
        with self._lock:
            return len(self.records)

    def snapshot(self) -> list[Observed]:
        with self._lock:
            return list(self.records)

    def settle(self, quiet: float, timeout: float) -> bool:
        """Wait until nothing new arrived for ``quiet`` seconds; False on ``timeout``."""
        deadline = time.monotonic() + timeout
        seen, since = self.count(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.2)
            now_seen = self.count()
            if now_seen != seen:
                seen, since = now_seen, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return True
        return False


def by_event_id(records: list[Observed]) -> dict[str, list[Observed]]:
    grouped: dict[str, list[Observed]] = defaultdict(list)
    for record in records:
        if record.event_id is not None:
            grouped[record.event_id].append(record)
    return grouped
