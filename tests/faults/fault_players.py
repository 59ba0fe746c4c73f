"""The systems around the processor, played for the fault suite: upstream creating
customer problems, Service Problem Management answering its service trouble requests, the
customer closing (or cancelling) them.

A *group* is a few lifecycles that share nothing with any other group (their own reports,
their own service). Each group is a script (a generator) that sends what its neighbours
would send and then waits, as they would, until it sees what it needs on the output
topics before it goes on: SPM answers a request once it has seen it, the customer closes
once told the report is resolved. Every record sent is also fed, at the same moment, to the
group's oracle ``Model``; what the script waits for is what the oracle says the worker must
publish. A script that waits too long is *stuck*.

Kinds of group (weights in ``Mix``):

- ``solo``: create (one report, its own service) → SPM accepts and resolves → close.
- ``premature``: like ``solo``, but the customer sends a close before the resolution: the
  worker must dead-letter it (``illegal-transition``) and go on.
- ``shared``: 2-4 reports on one service share one service trouble request (the first one
  creates it; the others join once it exists); optionally one of them is cancelled before
  SPM resolves; every other one is closed.
- ``cancelled``: create → cancel (the service trouble request is cancelled too).
- ``escalating``: a complaint (16 s to resolve) that SPM never answers: jeopardy, breach,
  then three ladder levels; cancelled once all of them were seen.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import Producer
from fault_cluster import Cluster, report_views
from fault_oracle import Input, Model, is_impact_update
from fault_readback import Readback

from problem_tracker.domain.context import DecisionContext
from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import CANCEL, CLOSE, SimMessage, Topic

ESCALATION_HORIZON = timedelta(seconds=60)
"""Every escalation of a complaint falls due within this of its creation (policy file)."""


@dataclass
class Wait:
    """What a group waits for before its next step."""

    ids: set[str] = field(default_factory=set)
    escalations: set[tuple[str | None, str | None]] = field(default_factory=set)
    rejections: set[str] = field(default_factory=set)
    linked: set[str] = field(default_factory=set)
    """Reports whose ``/reports`` view must show their service trouble link."""

    def __or__(self, other: Wait) -> Wait:
        return Wait(
            self.ids | other.ids,
            self.escalations | other.escalations,
            self.rejections | other.rejections,
            self.linked | other.linked,
        )

    def describe(self) -> str:
        parts = [
            f"outputs {sorted(self.ids)}" if self.ids else "",
            f"escalations {sorted(self.escalations)}" if self.escalations else "",
            f"dead letters for {sorted(self.rejections)}" if self.rejections else "",
            f"links of {sorted(self.linked)}" if self.linked else "",
        ]
        return ", ".join(part for part in parts if part) or "nothing"


Script = Generator[Wait, None, None]


@dataclass
class Group:
    number: int
    kind: str
    model: Model
    reports: list[str] = field(default_factory=list)
    completed: set[str] = field(default_factory=set)
    script: Script | None = None
    wait: Wait = field(default_factory=Wait)
    waiting_since: float = 0.0
    finished: bool = False
    ack_ids: dict[str, str] = field(default_factory=dict)
    """Report id → ``eventId`` of its acknowledged notification (the creation time)."""
    unmet: str = ""
    """For a group still waiting at the end: what it did not see."""


@dataclass(frozen=True)
class Mix:
    """Weights of the kinds of group started."""

    solo: float = 0.50
    premature: float = 0.05
    shared: float = 0.22
    cancelled: float = 0.13
    escalating: float = 0.10

    def pick(self, rng: random.Random) -> str:
        kinds = ["solo", "premature", "shared", "cancelled", "escalating"]
        weights = [self.solo, self.premature, self.shared, self.cancelled, self.escalating]
        return rng.choices(kinds, weights)[0]


class Links:
    """Asks the workers' ``/reports`` views, in a thread, which reports are linked to
    their service trouble yet (no output topic says so)."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self._pending: set[str] = set()
        self._linked: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="links", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def missing(self, reports: set[str]) -> set[str]:
        with self._lock:
            missing = reports - self._linked
            self._pending |= missing
            return missing

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                pending = sorted(self._pending)
            for report_id in pending:
                if any(_linked(report_views(w, report_id)) for w in self._cluster.live()):
                    with self._lock:
                        self._linked.add(report_id)
                        self._pending.discard(report_id)


def _linked(view: dict[str, Any] | None) -> bool:
    return bool(view and any(w.get("requestId") for w in view.get("serviceTroubleReport", [])))


@dataclass(frozen=True)
class Plan:
    """How much traffic: ``lifecycles`` reports, started at ``rate`` per second while no
    more than ``max_active`` groups wait; a group waiting ``stuck_after`` seconds is stuck
    (it may still finish before the end)."""

    lifecycles: int
    rate: float = 15.0
    max_active: int = 400
    stuck_after: float = 60.0
    final_wait: float = 30.0
    mix: Mix = Mix()


class Players:
    """Starts groups, sends for them, feeds the oracle, advances them as outputs appear."""

    def __init__(
        self,
        *,
        tag: str,
        names: dict[Topic, str],
        producer: Producer,
        readback: Readback,
        links: Links,
        context: DecisionContext,
        plan: Plan,
        rng: random.Random,
    ) -> None:
        self.tag = tag
        self.names = names
        self.producer = producer
        self.readback = readback
        self.links = links
        self.context = context
        self.plan = plan
        self.rng = rng
        self.groups: list[Group] = []
        self.started_reports = 0
        self.undelivered: list[str] = []
        self._event_ids = 0

    # -- progress ------------------------------------------------------------------------

    @property
    def completed(self) -> int:
        return sum(len(group.completed) for group in self.groups)

    def progress(self) -> float:
        """The share of lifecycles started: what the fault schedule follows."""
        return self.started_reports / self.plan.lifecycles

    def waiting(self) -> list[Group]:
        return [group for group in self.groups if not group.finished]

    def stuck(self) -> list[Group]:
        horizon = time.monotonic() - self.plan.stuck_after
        return [g for g in self.waiting() if g.waiting_since < horizon]

    # -- the loop --------------------------------------------------------------------------

    def run(self, still_faulting: Callable[[], bool]) -> None:
        """Until every lifecycle was started and every group finished or is stuck, and no
        stuck group moved for ``final_wait`` seconds after the faults were done."""
        began = time.monotonic()
        last_move = time.monotonic()
        while True:
            due = int((time.monotonic() - began) * self.plan.rate) + 1
            active = len(self.waiting()) - len(self.stuck())
            while (
                self.started_reports < min(due, self.plan.lifecycles)
                and active < self.plan.max_active
            ):
                self._start_group()
                active += 1
            for group in self.waiting():
                if self._satisfied(group.wait):
                    self._step(group)
                    last_move = time.monotonic()
            self.producer.poll(0)
            if self.started_reports >= self.plan.lifecycles and not still_faulting():
                if not self.waiting():
                    break
                all_stuck = len(self.stuck()) == len(self.waiting())
                if all_stuck and time.monotonic() - last_move > self.plan.final_wait:
                    break
            time.sleep(0.02)
        remaining = self.producer.flush(60)
        if remaining:
            self.undelivered.append(f"{remaining} records not delivered at the end")

    def _satisfied(self, wait: Wait) -> bool:
        return not (
            (wait.ids and self.readback.missing_ids(wait.ids))
            or (wait.escalations and self.readback.missing_escalations(wait.escalations))
            or (wait.rejections and self.readback.missing_rejections(wait.rejections))
            or (wait.linked and self.links.missing(wait.linked))
        )

    def unmet(self, wait: Wait) -> Wait:
        """The part of ``wait`` not seen yet."""
        return Wait(
            self.readback.missing_ids(wait.ids),
            self.readback.missing_escalations(wait.escalations),
            self.readback.missing_rejections(wait.rejections),
            self.links.missing(wait.linked),
        )

    def _step(self, group: Group) -> None:
        assert group.script is not None
        try:
            group.wait = next(group.script)
            group.waiting_since = time.monotonic()
        except StopIteration:
            group.finished = True

    def _start_group(self) -> None:
        number = len(self.groups)
        kind = self.plan.mix.pick(self.rng)
        group = Group(number, kind, Model(self.context))
        scripts = {
            "solo": self._solo,
            "premature": self._premature,
            "shared": self._shared,
            "cancelled": self._cancelled,
            "escalating": self._escalating,
        }
        group.script = scripts[kind](group)
        self.groups.append(group)
        self._step(group)

    # -- the scripts -------------------------------------------------------------------

    def _solo(self, group: Group) -> Script:
        report, service = self._report(group), self._service(group)
        yield self._create(group, report, service)
        yield self._resolve(group, service)
        yield self._customer(group, CLOSE, report)
        group.completed.add(report)

    def _premature(self, group: Group) -> Script:
        report, service = self._report(group), self._service(group)
        yield self._create(group, report, service)
        yield self._customer(group, CLOSE, report)
        yield self._resolve(group, service)
        yield self._customer(group, CLOSE, report)
        group.completed.add(report)

    def _shared(self, group: Group) -> Script:
        service = self._service(group)
        reports = [self._report(group) for _ in range(self.rng.randint(2, 4))]
        cancel = self.rng.random() < 0.3
        yield self._create(group, reports[0], service)
        joined = Wait(linked=set(reports[1:]))
        for report in reports[1:]:
            joined |= self._create(group, report, service)
        yield joined
        if cancel:
            yield self._customer(group, CANCEL, reports[-1], reason="reported twice")
            group.completed.add(reports[-1])
            reports = reports[:-1]
        yield self._resolve(group, service)
        closed = Wait()
        for report in reports:
            closed |= self._customer(group, CLOSE, report)
        yield closed
        group.completed.update(reports)

    def _cancelled(self, group: Group) -> Script:
        report, service = self._report(group), self._service(group)
        yield self._create(group, report, service)
        yield self._customer(group, CANCEL, report, reason="not a fault")
        group.completed.add(report)

    def _escalating(self, group: Group) -> Script:
        report, service = self._report(group), self._service(group)
        yield self._create(group, report, service, ticketType="complaint")
        yield self._escalations(group, report)
        yield self._customer(group, CANCEL, report, reason="customer withdrew it")
        group.completed.add(report)

    # -- what the neighbours send ------------------------------------------------------------

    def _report(self, group: Group) -> str:
        report_id = f"CPR-{self.tag}-{group.number}-{len(group.reports)}"
        group.reports.append(report_id)
        self.started_reports += 1
        return report_id

    def _service(self, group: Group) -> str:
        return f"svc-{self.tag}-{group.number}"

    def _event_id(self) -> str:
        self._event_ids += 1
        return f"evt-{self.tag}-{self._event_ids}"

    def _create(self, group: Group, report_id: str, service: str, **fields: Any) -> Wait:
        now = datetime.now(UTC)
        entity = {"role": "affectedService", "id": service, "referredType": "Service"}
        payload = {
            "id": report_id,
            "description": f"customer problem {report_id}",
            "severity": "major",
            "priority": 2,
            "ticketType": "incident",
            "creationDate": messages.iso(now),
            "relatedParty": [{"role": "customer", "id": f"cust-{report_id}", "segment": "gold"}],
            "relatedEntity": [entity],
            **fields,
        }
        wait, expected = self._send(group, messages.report_created(self._event_id(), now, payload))
        group.ack_ids[report_id] = expected[0]
        return wait

    def _customer(
        self, group: Group, event_type: str, report_id: str, reason: str | None = None
    ) -> Wait:
        message = messages.status_request(
            self._event_id(), datetime.now(UTC), event_type, report_id, reason
        )
        return self._send(group, message)[0]

    def _resolve(self, group: Group, service: str) -> Wait:
        """SPM accepts the group's service trouble request, then resolves it."""
        request_id = f"STR-{service}-1"
        accepted = messages.DelegatedUpdate("acknowledged", created=True)
        resolved = messages.DelegatedUpdate("resolved", reason="fixed")
        wait = Wait()
        for update in (accepted, resolved):
            message = messages.delegated_event(
                messages.SERVICE_TROUBLE,
                self._event_id(),
                datetime.now(UTC),
                request_id,
                f"spm-{request_id}",
                update,
                messages.SPM,
            )
            wait |= self._send(group, message)[0]
        return wait

    def _escalations(self, group: Group, report_id: str) -> Wait:
        """Replay the group with the creation time the worker used (the SLA clock starts
        then), then expect every escalation due within the horizon."""
        seen = self.readback.first(group.ack_ids[report_id])
        assert seen is not None, "the acknowledgement was waited for"
        created = _event_time(seen.value)
        inputs = group.model.inputs
        first = next(i for i, record in enumerate(inputs) if record.key == report_id)
        inputs = [*inputs[:first], replace(inputs[first], at=created), *inputs[first + 1 :]]
        group.model = Model(self.context)
        for record in inputs:
            group.model.feed(record)
        due = group.model.advance(created + ESCALATION_HORIZON)
        return Wait(escalations={(out.key, out.about) for out in due if out.about is not None})

    def _send(self, group: Group, message: SimMessage) -> tuple[Wait, list[str]]:
        value = messages.value_bytes(message)
        assert message.key is not None
        assert value is not None
        now = datetime.now(UTC)
        produced = group.model.feed(Input(message.topic, message.key, value, now))
        self.producer.produce(
            self.names[message.topic],
            key=message.key.encode(),
            value=value,
            headers=messages.headers(message),
            on_delivery=self._delivered,
        )
        self.producer.poll(0)
        wait = Wait(
            ids={
                out.event_id for out in produced if out.about is None and not is_impact_update(out)
            },
            escalations={(out.key, out.about) for out in produced if out.about is not None},
        )
        if group.model.dead_letters and group.model.dead_letters[-1].cause == _id_of(value):
            wait.rejections.add(_id_of(value))
        return wait, [out.event_id for out in produced]

    def _delivered(self, err: Any, record: Any) -> None:
        if err is not None:
            self.undelivered.append(str(err))


def _event_time(value: bytes) -> datetime:
    text = json.loads(value)["eventTime"]
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _id_of(value: bytes) -> str:
    return str(json.loads(value)["eventId"])
