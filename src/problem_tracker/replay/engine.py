"""Replay recorded inbound traffic through the domain under two SLA policies at once.

Each policy gets its own ``application.bus.MessageBus`` (both aggregates and the routing
between them, as a worker runs them over its internal topics). Time is the recorded
time: a record is decided at its timestamp, and every deadline a report asks for
(``timekeeping.next_deadline``) is ticked at that deadline, before any later record,
as the worker's tick scheduler does, never by the wall clock. Reference data (one index
that both contexts consult) changes at its own record times.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from problem_tracker.application.bus import Message, MessageBus
from problem_tracker.contracts.outcomes import Decoded, Deletion
from problem_tracker.contracts.reference import ReferenceEvent
from problem_tracker.domain.commands import Tick
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.events import (
    EscalationEnded,
    EscalationRaised,
    JeopardyRaised,
    ReportAcknowledged,
    ReportEvent,
)
from problem_tracker.domain.sla.jeopardy import JeopardyLevel
from problem_tracker.domain.sla.track import TICK_RESOLUTION
from problem_tracker.domain.timekeeping import next_deadline, rule_for
from problem_tracker.translation.reference_index import ReferenceIndex

_UTC_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")

EscalationFact = JeopardyRaised | EscalationRaised | EscalationEnded
"""What a worker publishes on ``customer-problem.escalations``."""


def tick_for(report_id: str, deadline: datetime) -> Tick:
    """The tick a worker sends for ``deadline``: its event id names the 100 ms slot."""
    slot = -((_UTC_EPOCH - deadline) // TICK_RESOLUTION)
    return Tick(event_id=f"tick-{slot}", report_id=report_id, deadline=deadline)


@dataclass
class ReportTally:
    """What one report went through under one policy, over all its cycles."""

    created_at: datetime | None = None
    rule: str = ""
    breaches: int = 0
    warnings: int = 0
    jeopardies: int = 0
    escalations: Counter[int] = field(default_factory=Counter)

    @property
    def top_level(self) -> int:
        return max(self.escalations, default=0)

    def count(self, event: ReportEvent) -> None:
        if isinstance(event, ReportAcknowledged) and self.created_at is None:
            self.created_at = event.occurred_at
        elif isinstance(event, JeopardyRaised):
            if event.level is JeopardyLevel.BREACHED:
                self.breaches += 1
            elif event.level is JeopardyLevel.WARNING:
                self.warnings += 1
            else:
                self.jeopardies += 1
        elif isinstance(event, EscalationRaised):
            self.escalations[event.level] += 1


class PolicyRun:
    """The whole process under one policy: the bus, the due ticks, a tally per report."""

    def __init__(self, context: DecisionContext, *, keep_escalations: bool = False) -> None:
        self.context = context
        self.bus: MessageBus | None = None
        self.tallies: dict[str, ReportTally] = {}
        self.escalations: list[EscalationFact] | None = [] if keep_escalations else None
        self._due: list[tuple[datetime, str]] = []
        self._wanted: dict[str, datetime] = {}

    def deliver(self, at: datetime, message: Message) -> None:
        """Tick every deadline up to ``at``, then decide ``message`` at ``at``."""
        self.advance(at)
        self._send(at, message)

    def advance(self, until: datetime) -> None:
        """Tick, in deadline order, every deadline at or before ``until``."""
        while self._due and self._due[0][0] <= until:
            deadline, report_id = heapq.heappop(self._due)
            if self._wanted.get(report_id) != deadline:
                continue  # rescheduled since: a stale entry
            del self._wanted[report_id]
            self._send(deadline, tick_for(report_id, deadline))

    def finish(self) -> None:
        """Name each report's rule as the policy sees the report at the end."""
        if self.bus is None:
            return
        policy = self.context.sla_policy
        for report_id, tally in self.tallies.items():
            state = self.bus.reports.get(report_id)
            if state is not None:
                tally.rule = rule_for(state, policy).name

    def _send(self, at: datetime, message: Message) -> None:
        if self.bus is None:
            self.bus = MessageBus(self.context, at)
        bus = self.bus
        bus.now = at
        bus.send(message)
        touched = dict.fromkeys(event.report_id for event in bus.report_events)
        for event in bus.report_events:
            self.tallies.setdefault(event.report_id, ReportTally()).count(event)
            if self.escalations is not None and isinstance(event, EscalationFact):
                self.escalations.append(event)
        bus.report_events.clear()
        bus.trouble_events.clear()
        for report_id in touched:
            self._schedule(report_id)

    def _schedule(self, report_id: str) -> None:
        state = self.bus.reports.get(report_id) if self.bus is not None else None
        deadline = None if state is None or state.is_terminal else next_deadline(state)
        if deadline is None:
            self._wanted.pop(report_id, None)
        elif self._wanted.get(report_id) != deadline:
            self._wanted[report_id] = deadline
            heapq.heappush(self._due, (deadline, report_id))


@dataclass(frozen=True, slots=True)
class Recorded:
    """One inbound record, translated: a message for the process, decided at ``at``; or a
    change of reference data (``apply``), effective from ``at``."""

    at: datetime
    message: Message | None = None
    reference_change: Decoded[ReferenceEvent] | Deletion | None = None


class Comparison:
    """The same recorded traffic under the current policy and under a new one."""

    def __init__(
        self,
        current: DecisionContext,
        new: DecisionContext,
        reference: ReferenceIndex,
        *,
        keep_escalations: bool = False,
    ) -> None:
        self.current = PolicyRun(current, keep_escalations=keep_escalations)
        self.new = PolicyRun(new, keep_escalations=keep_escalations)
        self._reference = reference
        self.records = 0

    @property
    def runs(self) -> tuple[PolicyRun, PolicyRun]:
        return self.current, self.new

    def feed(self, recorded: Iterable[Recorded]) -> Iterator[Recorded]:
        """Replay each record in turn (in time order), yielding it once both runs have
        decided it (for a progress bar)."""
        for item in recorded:
            self.records += 1
            if item.reference_change is not None:
                for run in self.runs:
                    run.advance(item.at)
                self._reference.apply(item.reference_change)
            elif item.message is not None:
                for run in self.runs:
                    run.deliver(item.at, item.message)
            yield item

    def run(self, recorded: Iterable[Recorded], horizon: datetime) -> None:
        """Replay everything, then tick up to ``horizon`` and name the rules."""
        for _ in self.feed(recorded):
            pass
        self.finish(horizon)

    def finish(self, horizon: datetime) -> None:
        for run in self.runs:
            run.advance(horizon)
            run.finish()
