"""The oracle: the pure domain replayed on the inputs the fault suite sent.

A ``Model`` runs what the worker runs for one group of lifecycles (reports and shared
service troubles no other group touches), in memory, with no Kafka, no Faust and no clock:
decode the inbound bytes (``contracts.codec``), translate them (``translation.to_domain``),
decide (``application.process``), route between the two aggregates
(``application.routing``, one FIFO queue as ordered as a partition) and build the outbound
messages (``translation.from_domain``). SLA timers are simulated like the shell does them: after
each report decision its next deadline is noted, and a ``Tick`` for it is handled once the
model's time passes it; a service trouble's impact timer (``impact_due``) likewise becomes
the ``SendImpact`` the shell's impact timers send.

What the model expects is what the worker must publish: every output's topic, key,
``eventType`` and ``eventId`` (ids are derived from their cause, never from the clock), the
snapshot's ``status`` for notifications, and what an escalation is about (threshold,
level, end) for escalations, whose ids depend on when ticks were handled.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from problem_tracker.application.process import (
    handle_report,
    handle_service_trouble,
    rejections,
)
from problem_tracker.application.routing import report_commands, service_trouble_commands
from problem_tracker.contracts.codec import (
    decode_customer_event,
    decode_delegated_event,
    encode,
)
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import DelegatedKind, Rejection
from problem_tracker.contracts.registry import Channel
from problem_tracker.domain.commands import ReportCommand, Tick
from problem_tracker.domain.context import DecisionContext, StaticReferenceData
from problem_tracker.domain.report import CustomerProblemReport
from problem_tracker.domain.service_trouble import ServiceTrouble, ServiceTroubleCommand
from problem_tracker.domain.timekeeping import next_deadline
from problem_tracker.policy import load_policy
from problem_tracker.simulate.messages import Topic
from problem_tracker.streaming.due_index import from_slot, to_slot
from problem_tracker.streaming.impact_timers import impact_timer
from problem_tracker.translation import to_domain
from problem_tracker.translation.from_domain import (
    OutboundMessage,
    report_messages,
    service_trouble_messages,
)

CHANNEL_TOPICS = {
    Channel.NOTIFICATIONS: Topic.NOTIFICATIONS,
    Channel.ESCALATIONS: Topic.ESCALATIONS,
    Channel.SERVICE_TROUBLE_REQUESTS: Topic.SERVICE_TROUBLE_REQUESTS,
    Channel.PARTNER_PROBLEM_REQUESTS: Topic.PARTNER_PROBLEM_REQUESTS,
}
_DELEGATED = {
    Topic.SERVICE_TROUBLE_EVENTS: DelegatedKind.SERVICE_TROUBLE,
    Topic.PARTNER_PROBLEM_EVENTS: DelegatedKind.PARTNER_PROBLEM,
}


@dataclass(frozen=True, slots=True)
class Expected:
    """One output the worker must publish. ``aggregate`` is the key of the aggregate that
    publishes it (a report id or a service key): its internal partition is where the
    worker decides it. ``about`` says what an escalation is about (see ``escalation_about``)."""

    topic: Topic
    key: str
    event_type: str
    event_id: str
    aggregate: str
    status: str | None = None
    about: str | None = None


IMPACT_UPDATE = "UpdateServiceTroubleReportRequest"
"""An impact update is sent when a debounce timer fires: which links it counts, and so
its content and id, depend on when the timer was handled against the links queued behind
it (after a crash, later than the oracle handles it). Nothing waits for one, and they are
compared per service trouble, not by id."""


def is_impact_update(output: Expected) -> bool:
    return output.event_type == IMPACT_UPDATE


@dataclass(frozen=True, slots=True)
class ExpectedDeadLetter:
    """A DLQ record the worker must write: for the outside record with ``cause`` as its
    ``eventId``, with this code. ``ours`` when the rejected record is one of our own
    internal commands (a defect of the worker; the oracle never expects one)."""

    key: str | None
    code: str
    cause: str
    ours: bool = False


@dataclass(frozen=True, slots=True)
class Input:
    """One record the suite produced, as the oracle replays it."""

    topic: Topic
    key: str
    value: bytes
    at: datetime


def context_for(policy_file: Path) -> DecisionContext:
    """What the worker decides with, given the suite's settings: no reference data (every
    service is ours, the default), the process policy's defaults, the suite's SLA policy."""
    return DecisionContext(reference=StaticReferenceData(), sla_policy=load_policy(policy_file))


def tick(report_id: str, deadline: datetime) -> Tick:
    """The tick the worker's scheduler sends for ``deadline`` (``streaming.ticks``)."""
    slot = to_slot(deadline)
    return Tick(event_id=f"tick-{slot}", report_id=report_id, deadline=from_slot(slot))


def escalation_about(value: dict[str, Any]) -> str:
    """What an escalation record is about, independent of when its tick was handled:
    a jeopardy threshold, a ladder level with its reason, or the end of the escalation."""
    event = value.get("event", {})
    if "customerProblemJeopardy" in event:
        found = event["customerProblemJeopardy"]
        level, percent = found.get("jeopardy"), found.get("thresholdPercent")
        return f"jeopardy/{level}/{percent}/{found.get('cause')}"
    if "customerProblemEscalation" in event:
        found = event["customerProblemEscalation"]
        return f"escalation/{found.get('level')}/{found.get('reason')}/{found.get('target')}"
    if "customerProblemEscalationEnd" in event:
        return f"end/{event['customerProblemEscalationEnd'].get('reason')}"
    return f"other/{value.get('eventType')}"


_Work = tuple[ReportCommand | ServiceTroubleCommand, str | None, str, bool]
"""A command, the service key it is for (``None``: a report command), the ``eventId``
of the outside record that started its chain, and whether it is relayed verbatim."""


@dataclass
class Model:
    """The pure domain on one group's inputs."""

    context: DecisionContext
    limits: DecodeLimits = field(default_factory=DecodeLimits)
    reports: dict[str, CustomerProblemReport] = field(default_factory=dict)
    troubles: dict[str, ServiceTrouble] = field(default_factory=dict)
    outputs: list[Expected] = field(default_factory=list)
    dead_letters: list[ExpectedDeadLetter] = field(default_factory=list)
    deadlines: dict[str, datetime] = field(default_factory=dict)
    impact_due: dict[str, datetime] = field(default_factory=dict)
    inputs: list[Input] = field(default_factory=list)
    ticks: int = 0

    # -- feeding -----------------------------------------------------------------------

    def feed(self, record: Input) -> list[Expected]:
        """Handle one produced record at its time (after every tick due before it); the
        outputs it caused (ticks' outputs included)."""
        before = len(self.outputs)
        self.inputs.append(record)
        self.advance(record.at)
        cause = _event_id(record.value)
        if record.topic is Topic.CUSTOMER_EVENTS:
            self._customer_event(record, cause)
        else:
            self._delegated_event(record, cause)
        return self.outputs[before:]

    def advance(self, until: datetime) -> list[Expected]:
        """Handle every tick and impact timer due at or before ``until``, in deadline order."""
        before = len(self.outputs)
        while True:
            due = [(at, False, report) for report, at in self.deadlines.items() if at <= until]
            due += [(at, True, key) for key, at in self.impact_due.items() if at <= until]
            if not due:
                return self.outputs[before:]
            at, impact, key = min(due)
            if impact:
                del self.impact_due[key]
                timer = impact_timer(self.troubles[key].service.id, at)
                self._run([(timer, key, "", False)], at)
                continue
            del self.deadlines[key]
            self.ticks += 1
            self._run([(tick(key, at), None, "", False)], at)

    def next_tick(self) -> datetime | None:
        return min([*self.deadlines.values(), *self.impact_due.values()], default=None)

    def _customer_event(self, record: Input, cause: str) -> None:
        outcome = decode_customer_event(record.key.encode(), record.value, self.limits)
        if isinstance(outcome, Rejection):
            self._dead_letter(record.key, outcome.code.value, cause)
            return
        command = to_domain.customer_command(outcome.message)
        self._run([(command, None, cause, True)], record.at)

    def _delegated_event(self, record: Input, cause: str) -> None:
        kind = _DELEGATED[record.topic]
        outcome = decode_delegated_event(kind, record.key.encode(), record.value, self.limits)
        if isinstance(outcome, Rejection):
            self._dead_letter(record.key, outcome.code.value, cause)
            return
        routed = to_domain.delegated_command(outcome.message)
        if routed is None:
            self._dead_letter(record.key, "unknown-correlation", cause)
        elif isinstance(routed, tuple):
            service_id, command = routed
            self._run([(command, service_id, cause, True)], record.at)
        else:
            self._run([(routed, None, cause, True)], record.at)

    # -- the two aggregates ------------------------------------------------------------

    def _run(self, work: Iterable[_Work], now: datetime) -> None:
        queue: deque[_Work] = deque(work)
        while queue:
            command, service_key, cause, relayed = queue.popleft()
            if service_key is None:
                queue.extend(self._report(command, cause, relayed, now))  # type: ignore[arg-type]
            else:
                queue.extend(self._trouble(service_key, command, cause, relayed, now))  # type: ignore[arg-type]

    def _report(
        self, command: ReportCommand, cause: str, relayed: bool, now: datetime
    ) -> list[_Work]:
        state = self.reports.get(command.report_id)
        decision = handle_report(state, command, now, self.context)
        if decision.duplicate:
            return []
        for event, after in decision.steps():
            self._publish(report_messages(event, after), command.report_id)
        for rejected in rejections(decision):
            self._dead_letter(command.report_id, rejected.code.value, cause, ours=not relayed)
        if decision.state is not None:
            self.reports[command.report_id] = decision.state
            deadline = next_deadline(decision.state)
            if deadline is None:
                self.deadlines.pop(command.report_id, None)
            else:
                self.deadlines[command.report_id] = deadline
        return [
            (routed.command, routed.service_id, cause, False)
            for routed in service_trouble_commands(decision.events)
        ]

    def _trouble(
        self,
        service_key: str,
        command: ServiceTroubleCommand,
        cause: str,
        relayed: bool,
        now: datetime,
    ) -> list[_Work]:
        state = self.troubles.get(service_key)
        decision = handle_service_trouble(state, command, now)
        if decision.duplicate:
            return []
        for event, after in decision.steps():
            self._publish(service_trouble_messages(event, after), service_key)
        for rejected in rejections(decision):
            key = command.request_id if relayed else service_key  # type: ignore[union-attr]
            self._dead_letter(key, rejected.code.value, cause, ours=not relayed)
        if decision.state is not None:
            self.troubles[service_key] = decision.state
            if decision.state.impact_due is None:
                self.impact_due.pop(service_key, None)
            else:
                self.impact_due[service_key] = decision.state.impact_due
        return [(routed, None, cause, False) for routed in report_commands(decision.events)]

    def _publish(self, messages: list[OutboundMessage], aggregate: str) -> None:
        for message in messages:
            topic = CHANNEL_TOPICS[message.channel]
            envelope = message.envelope
            status = about = None
            if topic in (Topic.NOTIFICATIONS, Topic.ESCALATIONS):
                value = json.loads(encode(envelope))
                if topic is Topic.NOTIFICATIONS:
                    status = value["event"]["customerProblemReport"]["status"]
                else:
                    about = escalation_about(value)
            self.outputs.append(
                Expected(
                    topic=topic,
                    key=message.key,
                    event_type=envelope.event_type,
                    event_id=envelope.event_id,
                    aggregate=aggregate,
                    status=status,
                    about=about,
                )
            )

    def _dead_letter(self, key: str | None, code: str, cause: str, *, ours: bool = False) -> None:
        self.dead_letters.append(ExpectedDeadLetter(key=key, code=code, cause=cause, ours=ours))

    # -- what it ends with -------------------------------------------------------------

    def status(self, report_id: str) -> str | None:
        state = self.reports.get(report_id)
        return None if state is None else state.status.value


def replay(context: DecisionContext, inputs: Iterable[Input]) -> Model:
    """A fresh model fed ``inputs`` in order."""
    model = Model(context)
    for record in inputs:
        model.feed(record)
    return model


def _event_id(value: bytes) -> str:
    try:
        return str(json.loads(value).get("eventId", ""))
    except (ValueError, AttributeError):
        return ""
