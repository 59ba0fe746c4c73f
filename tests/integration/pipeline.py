"""A running processor on the real broker, driven like its neighbours would drive it.

``Pipeline`` produces what upstream systems, Service Problem Management and partners send
(with the simulator's message builders), and collects every output topic in the
background so scenarios can wait for what they expect to see.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import endpoints
from confluent_kafka import Message, Producer
from records import (
    DEFAULT_NAMES,
    REQUEST_SHAPES,
    Headers,
    Output,
    OutputCollector,
    Record,
    Sent,
    sent_from,
)
from worker_process import home_of, start_ready, worker_in

from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import SimMessage, Topic
from problem_tracker.worker_child import WorkerChild


@dataclass
class Pipeline:
    """The processor under test plus the systems around it."""

    bootstrap: str
    prefix: str
    worker: WorkerChild
    names: dict[Topic, str] = field(init=False)
    collector: OutputCollector = field(init=False)
    _producer: Producer = field(init=False)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.names = {topic: self.prefix + name for topic, name in DEFAULT_NAMES.items()}
        self.collector = OutputCollector(self.bootstrap, self.names)
        # An outside system: the client's default partitioner, nothing tuned to the worker.
        self._producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 1})

    # -- sending -----------------------------------------------------------------------

    def event_id(self) -> str:
        return f"evt-{self.prefix}{next(self._ids)}"

    def send(self, message: SimMessage, *, raw: bytes | None = None) -> Sent:
        value = raw if raw is not None else messages.value_bytes(message)
        return self.send_raw(message.topic, message.key, value, messages.headers(message))

    def send_raw(
        self,
        topic: Topic,
        key: str | None,
        value: bytes | None,
        headers: Headers | None = None,
    ) -> Sent:
        return self.send_all([(topic, key, value, headers or [])])[0]

    def send_many(self, batch: Iterable[SimMessage]) -> list[Sent]:
        """Produce a whole batch before waiting for any delivery."""
        return self.send_all(
            (m.topic, m.key, messages.value_bytes(m), messages.headers(m)) for m in batch
        )

    def send_all(self, records: Iterable[Record]) -> list[Sent]:
        """Produce records in order; where each landed, in the same order."""
        delivered: dict[int, Sent] = {}
        errors: list[str] = []

        def on_delivery(index: int, err: Any, record: Message) -> None:
            if err is not None:
                errors.append(str(err))
            else:
                delivered[index] = sent_from(record)

        for index, (topic, key, value, headers) in enumerate(records):
            self._producer.produce(
                self.names[topic],
                key=None if key is None else key.encode(),
                value=value,
                headers=headers,
                on_delivery=functools.partial(on_delivery, index),
            )
            self._producer.poll(0)
        remaining = self._producer.flush(30)
        assert not errors, errors[:3]
        assert not remaining, f"{remaining} records undelivered"
        return [delivered[index] for index in sorted(delivered)]

    def own(self, entity_id: str, owner_id: str, role: str, referred_type: str = "Service") -> None:
        """Inventory names the owner of an entity it did not know; returns once the
        worker's reference data has it."""
        before = self.reference_size("owners")
        self.send(
            messages.component_ownership(
                self.event_id(),
                now(),
                {"id": entity_id, "referredType": referred_type},
                {"id": owner_id, "role": role},
            )
        )
        self.wait_for(
            f"ownership of {entity_id} loaded", lambda: self.reference_size("owners") > before
        )

    def known_error(
        self, known_error_id: str, symptom_code: str, workaround: str, **fields: Any
    ) -> None:
        """The KEDB publishes a known error; returns once the worker's reference data has it."""
        before = self.reference_size("known_errors")
        entry = {
            "id": known_error_id,
            "symptomCode": symptom_code,
            "workaround": workaround,
            "status": "active",
            **fields,
        }
        self.send(messages.known_error(self.event_id(), now(), entry))
        self.wait_for(
            f"known error {known_error_id} loaded",
            lambda: self.reference_size("known_errors") > before,
        )

    def create(self, report_id: str, **fields: Any) -> str:
        message = self.create_message(report_id, **fields)
        self.send(message)
        return str(message.value["eventId"])  # type: ignore[index]

    def create_message(self, report_id: str, **fields: Any) -> SimMessage:
        return messages.report_created(self.event_id(), now(), report(report_id, **fields))

    def customer(self, event_type: str, report_id: str, **fields: Any) -> str:
        event_id = self.event_id()
        payload = {"id": report_id, **fields}
        self.send(messages.customer_event(event_id, now(), event_type, payload))
        return event_id

    def answer(self, topic: Topic, request_id: str, status: str, **fields: Any) -> None:
        self.send(self.answer_message(topic, request_id, status, **fields))

    def answer_message(
        self,
        topic: Topic,
        request_id: str,
        status: str,
        *,
        partner: str = "partner-acme",
        **fields: Any,
    ) -> SimMessage:
        """SPM's (or ``partner``'s) status change for our request ``request_id``."""
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
            source=messages.SPM if kind == "serviceTroubleReport" else {"id": partner},
            event={kind: {"id": f"ext-{request_id}", "status": status, **fields}},
        )
        return SimMessage(topic, request_id, value, event_type, event_type)

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

    def wait_statuses(self, report_id: str, expected: list[str], timeout: float = 30.0) -> None:
        """Wait until the report's status notifications are exactly ``expected``."""
        try:
            self.wait_for(str(expected), lambda: self.statuses(report_id) == expected, timeout)
        except AssertionError:
            actual = self.statuses(report_id)
            raise AssertionError(f"{report_id} went {actual}, expected {expected}") from None

    def requests(
        self, topic: Topic, predicate: Callable[[Output], bool] = lambda o: True
    ) -> list[Output]:
        return [o for o in self.outputs(topic) if predicate(o)]

    def dead_letters(self, original: Topic | None = None) -> list[dict[str, Any]]:
        """DLQ records, optionally only those rejecting records of ``original``."""
        return [
            o.value
            for o in self.outputs(Topic.DLQ)
            if original is None or o.value["originalTopic"] == self.names[original]
        ]

    def dead_letter_for(self, sent: Sent, timeout: float = 30.0) -> dict[str, Any]:
        """The DLQ record pointing back at ``sent``."""
        return dict(
            self.wait_for(
                f"DLQ entry for {sent.topic}[{sent.partition}]@{sent.offset}",
                lambda: next(
                    (
                        d
                        for d in self.dead_letters()
                        if (d["originalTopic"], d["partition"], d["offset"])
                        == (sent.topic, sent.partition, sent.offset)
                    ),
                    None,
                ),
                timeout,
            )
        )

    def notifications(self, report_id: str, event_type: str | None = None) -> list[Output]:
        return [
            o
            for o in self.outputs(Topic.NOTIFICATIONS, report_id)
            if event_type is None or o.event_type == event_type
        ]

    def latest_snapshot(self, report_id: str) -> dict[str, Any]:
        """The report as its last notification showed it."""
        return self.notifications(report_id)[-1].report

    def created_requests(self, topic: Topic, entity_id: str | None = None) -> list[dict[str, Any]]:
        """Create…Request resources sent on ``topic``, optionally for one affected entity."""
        resource, entity = REQUEST_SHAPES[topic]
        return [
            o.value["event"][resource]
            for o in self.outputs(topic)
            if o.event_type is not None
            and o.event_type.startswith("Create")
            and (entity_id is None or o.value["event"][resource][entity]["id"] == entity_id)
        ]

    def cancelled_requests(self, topic: Topic) -> list[str]:
        """Request ids of Cancel…Request messages sent on ``topic``."""
        resource, _ = REQUEST_SHAPES[topic]
        return [
            o.value["event"][resource]["requestId"]
            for o in self.outputs(topic)
            if o.event_type is not None and o.event_type.startswith("Cancel")
        ]

    def wait_request(self, topic: Topic, entity_id: str, timeout: float = 30.0) -> str:
        """The request id of the (first) Create…Request for ``entity_id``."""
        found = self.wait_for(
            f"request for {entity_id}", lambda: self.created_requests(topic, entity_id), timeout
        )
        return str(found[0]["requestId"])

    def settle(self, quiet: float = 2.0, timeout: float = 30.0) -> list[Output]:
        """Wait until no output has arrived for ``quiet`` seconds; everything seen."""
        deadline = time.monotonic() + timeout
        seen = len(self.collector.snapshot())
        last_change = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            count = len(self.collector.snapshot())
            if count != seen:
                seen, last_change = count, time.monotonic()
            elif time.monotonic() - last_change >= quiet:
                return self.collector.snapshot()
        raise AssertionError(f"outputs still arriving after {timeout}s")

    # -- the worker's own endpoints ----------------------------------------------------

    def metric(self, name: str, **labels: str) -> float:
        return endpoints.metric(self.worker, name, **labels)

    def reference_size(self, kind: str) -> float:
        """How many owners / known errors the worker's reference data holds."""
        return self.metric("problem_tracker_reference_entries", kind=kind)

    def view(self, report_id: str) -> dict[str, Any] | None:
        return endpoints.report_view(self.worker, report_id)

    def restart_worker(self, data_dir: Path | None = None) -> WorkerChild:
        """Start a new worker of the same app (same group, tables and topics) once the old
        one is gone; ``data_dir`` None keeps the local state, a new one starts empty."""
        old = self.worker
        home = data_dir or home_of(old)
        self.worker = start_ready(worker_in(home, old.settings, old.overrides))
        return self.worker


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
