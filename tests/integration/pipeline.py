"""A running processor on the real broker, driven like its neighbours would drive it.

``Pipeline`` produces what upstream systems, Service Problem Management and partners send
(with the simulator's message builders), and collects every output topic in the
background so scenarios can wait for what they expect to see.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from worker_process import WorkerProcess

from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import SimMessage, Topic

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
    """Reads every output topic from the beginning, in a thread, into memory."""

    def __init__(self, bootstrap: str, names: dict[Topic, str]) -> None:
        self._by_name = {names[t]: t for t in OUTPUT_TOPICS}
        self._consumer = Consumer(
            {"bootstrap.servers": bootstrap, "group.id": f"collector-{uuid.uuid4()}"}
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


@dataclass
class Pipeline:
    """The processor under test plus the systems around it."""

    bootstrap: str
    prefix: str
    worker: WorkerProcess
    names: dict[Topic, str] = field(init=False)
    collector: OutputCollector = field(init=False)
    _producer: Producer = field(init=False)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.names = {topic: self.prefix + name for topic, name in DEFAULT_NAMES.items()}
        self.collector = OutputCollector(self.bootstrap, self.names)
        self._producer = Producer(
            {"bootstrap.servers": self.bootstrap, "partitioner": "murmur2_random", "linger.ms": 1}
        )

    # -- sending -----------------------------------------------------------------------

    def event_id(self) -> str:
        return f"evt-{self.prefix}{next(self._ids)}"

    def send(self, message: SimMessage, *, raw: bytes | None = None) -> None:
        value = raw if raw is not None else messages.value_bytes(message)
        self._producer.produce(
            self.names[message.topic],
            key=None if message.key is None else message.key.encode(),
            value=value,
            headers=messages.headers(message),
        )
        self._producer.flush(10)

    def send_raw(self, topic: Topic, key: str | None, value: bytes | None) -> None:
        self._producer.produce(self.names[topic], key=key.encode() if key else None, value=value)
        self._producer.flush(10)

    def own(self, entity_id: str, owner_id: str, role: str, referred_type: str = "Service") -> None:
        self.send(
            messages.component_ownership(
                self.event_id(),
                now(),
                {"id": entity_id, "referredType": referred_type},
                {"id": owner_id, "role": role},
            )
        )

    def create(self, report_id: str, **fields: Any) -> str:
        event_id = self.event_id()
        self.send(messages.report_created(event_id, now(), report(report_id, **fields)))
        return event_id

    def customer(self, event_type: str, report_id: str, **fields: Any) -> str:
        event_id = self.event_id()
        payload = {"id": report_id, **fields}
        self.send(messages.customer_event(event_id, now(), event_type, payload))
        return event_id

    def answer(self, topic: Topic, request_id: str, status: str, **fields: Any) -> None:
        kind = (
            "serviceTroubleReport"
            if topic is Topic.SERVICE_TROUBLE_EVENTS
            else "partnerProblemReport"
        )
        prefix = "ServiceTrouble" if topic is Topic.SERVICE_TROUBLE_EVENTS else "PartnerProblem"
        event_type = f"{prefix}ReportStatusChangeEvent"
        value = messages.envelope(
            event_id=self.event_id(),
            now=now(),
            event_type=event_type,
            correlation_id=request_id,
            domain="ServiceProblem" if kind == "serviceTroubleReport" else "PartnerProblem",
            source=messages.SPM,
            event={kind: {"id": f"ext-{request_id}", "status": status, **fields}},
        )
        self.send(SimMessage(topic, request_id, value, event_type, event_type))

    # -- observing ---------------------------------------------------------------------

    def outputs(self, topic: Topic | None = None, key: str | None = None) -> list[Output]:
        return [
            o
            for o in self.collector.snapshot()
            if (topic is None or o.topic is topic) and (key is None or o.key == key)
        ]

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; worker log:\n{self.worker.tail(30)}")

    def statuses(self, report_id: str) -> list[str]:
        return [
            o.report["status"]
            for o in self.outputs(Topic.NOTIFICATIONS, report_id)
            if o.event_type == "CustomerProblemReportStatusChangeEvent"
        ]

    def wait_status(self, report_id: str, status: str, timeout: float = 30.0) -> list[str]:
        return list(
            self.wait_for(
                f"{report_id} → {status}",
                lambda: status in self.statuses(report_id) and self.statuses(report_id),
                timeout,
            )
        )

    def requests(
        self, topic: Topic, predicate: Callable[[Output], bool] = lambda o: True
    ) -> list[Output]:
        return [o for o in self.outputs(topic) if predicate(o)]

    def dead_letters(self) -> list[dict[str, Any]]:
        return [o.value for o in self.outputs(Topic.DLQ)]


def now() -> datetime:
    return datetime.now(UTC)


def report(report_id: str, **fields: Any) -> dict[str, Any]:
    """A valid create payload; ``services``/``resources`` list affected entity ids."""
    services = fields.pop("services", [])
    resources = fields.pop("resources", [])
    entities = [
        {"role": "affectedService", "id": s, "referredType": "Service"} for s in services
    ] + [{"role": "affectedResource", "id": r, "referredType": "Resource"} for r in resources]
    base: dict[str, Any] = {
        "id": report_id,
        "description": f"customer problem {report_id}",
        "severity": "major",
        "priority": 2,
        "ticketType": "incident",
        "creationDate": messages.iso(now()),
        "relatedParty": [{"role": "customer", "id": f"cust-{report_id}", "segment": "gold"}],
    }
    if entities:
        base["relatedEntity"] = entities
    base.update(fields)
    return base
