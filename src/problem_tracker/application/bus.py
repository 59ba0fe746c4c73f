"""Coordinate Customer Problem in memory: both aggregates, the production routing between
them (``routing``), and one FIFO queue, as ordered as a Kafka partition.

The streaming shell carries the same commands over internal topics; this bus carries them
in a list. Flow tests, the fault suite's oracle and what-if replays run the whole process
here without a broker.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from problem_tracker.application.process import handle_report, handle_service_trouble
from problem_tracker.application.routing import (
    ToServiceTrouble,
    report_commands,
    service_trouble_commands,
)
from problem_tracker.domain.commands import ReportCommand
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.events import ReportEvent
from problem_tracker.domain.identity import service_of_request
from problem_tracker.domain.report import CustomerProblemReport
from problem_tracker.domain.service_trouble import (
    ApplyServiceTroubleUpdate,
    ServiceTrouble,
    ServiceTroubleCancelRequested,
    ServiceTroubleEvent,
    ServiceTroubleRequested,
)

Message = ReportCommand | ToServiceTrouble | ApplyServiceTroubleUpdate
"""What the bus accepts: a command for a report, one for a service trouble of a given
service, or an answer of Service Problem Management (routed by its request id)."""


@dataclass
class MessageBus:
    """Both aggregates' states and every event they decided, in order."""

    context: DecisionContext
    now: datetime
    reports: dict[str, CustomerProblemReport] = field(default_factory=dict)
    troubles: dict[str, ServiceTrouble] = field(default_factory=dict)
    report_events: list[ReportEvent] = field(default_factory=list)
    trouble_events: list[ServiceTroubleEvent] = field(default_factory=list)

    def send(self, *messages: Message) -> None:
        """Decide each message and everything it causes, until the queue is empty."""
        queue: deque[Message] = deque(messages)
        while queue:
            message = queue.popleft()
            if isinstance(message, ApplyServiceTroubleUpdate):
                service_id = service_of_request(message.request_id) or ""
                queue.extend(self._to_trouble(ToServiceTrouble(service_id, message)))
            elif isinstance(message, ToServiceTrouble):
                queue.extend(self._to_trouble(message))
            else:
                queue.extend(self._to_report(message))

    @property
    def requested(self) -> list[ServiceTroubleRequested]:
        return [e for e in self.trouble_events if isinstance(e, ServiceTroubleRequested)]

    @property
    def cancelled(self) -> list[ServiceTroubleCancelRequested]:
        return [e for e in self.trouble_events if isinstance(e, ServiceTroubleCancelRequested)]

    def _to_report(self, command: ReportCommand) -> list[Message]:
        decision = handle_report(
            self.reports.get(command.report_id), command, self.now, self.context
        )
        if decision.state is not None:
            self.reports[command.report_id] = decision.state
        self.report_events.extend(decision.events)
        return list(service_trouble_commands(decision.events))

    def _to_trouble(self, routed: ToServiceTrouble) -> list[Message]:
        state = self.troubles.get(routed.service_id)
        decision = handle_service_trouble(state, routed.command, self.now)
        if decision.state is not None:
            self.troubles[routed.service_id] = decision.state
        self.trouble_events.extend(decision.events)
        return list(report_commands(decision.events))
