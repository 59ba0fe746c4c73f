"""How a decision is built step by step: each step of eTOM 1.3.7.3 sees the report as the
previous steps left it, every event gets its header (id, time, cause) and, when the
report's SLA changed with it, the new SLA (see ``timekeeping.keep_time``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from problem_tracker.domain.events import DomainEvent, ReportAcknowledged, ReportEvent
from problem_tracker.domain.evolution import created, evolve
from problem_tracker.domain.identity import aggregate_event_id
from problem_tracker.domain.report import CustomerProblemReport
from problem_tracker.domain.sla.policy import SlaPolicy
from problem_tracker.domain.timekeeping import keep_time

_E = TypeVar("_E", bound=DomainEvent)
Step = Callable[[CustomerProblemReport], Sequence[ReportEvent]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Origin:
    """The report, instant and inbound event a decision is about."""

    report_id: str
    at: datetime
    cause: str
    digest: str = ""

    def stamp(self, event: _E, index: int) -> _E:
        event_id = aggregate_event_id(self.report_id, self.cause, type(event).__name__, index)
        return replace(
            event,
            event_id=event_id,
            report_id=self.report_id,
            occurred_at=self.at,
            caused_by=self.cause,
            cause_digest=self.digest,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Trail:
    """The events decided so far and the report they lead to."""

    origin: Origin
    state: CustomerProblemReport
    sla_policy: SlaPolicy
    events: tuple[ReportEvent, ...] = ()

    @classmethod
    def start(
        cls, origin: Origin, acknowledged: ReportAcknowledged, sla_policy: SlaPolicy
    ) -> Trail:
        """Start: the new report, its SLA clock running."""
        acknowledged = origin.stamp(acknowledged, 0)
        report = created(acknowledged)
        track = keep_time(report, acknowledged, sla_policy)
        acknowledged = replace(acknowledged, sla=track)
        return cls(
            origin=origin,
            state=replace(report, sla=track),
            sla_policy=sla_policy,
            events=(acknowledged,),
        )

    def then(self, step: Step) -> Trail:
        state, events = self.state, list(self.events)
        for produced in step(self.state):
            event = self.origin.stamp(produced, len(events))
            state = evolve(state, event)
            track = keep_time(state, event, self.sla_policy)
            if track != state.sla:
                event = replace(event, sla=track)
                state = replace(state, sla=track)
            events.append(event)
        return replace(self, state=state, events=tuple(events))
