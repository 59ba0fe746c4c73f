"""An in-memory stand-in for the streaming shell's routing between the report aggregate and
the shared service trouble aggregate: one FIFO queue, as ordered as a Kafka partition."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from problem_tracker.application.process import handle_report, handle_service_trouble
from problem_tracker.domain.commands import LinkServiceTrouble, ReportCommand, UpdateDelegatedWork
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.coordination import service_of_request, service_trouble_key
from problem_tracker.domain.events import ReportEvent, ServiceTroubleNeeded, ServiceTroubleReleased
from problem_tracker.domain.identity import derive_event_id
from problem_tracker.domain.report import CustomerProblemReport
from problem_tracker.domain.service_trouble import (
    ApplyServiceTroubleUpdate,
    LinkReport,
    ReportLinkedToServiceTrouble,
    ServiceTrouble,
    ServiceTroubleCancelRequested,
    ServiceTroubleCommand,
    ServiceTroubleEvent,
    ServiceTroubleRequested,
    ServiceTroubleStatusChanged,
    UnlinkReport,
)

Message = ReportCommand | ServiceTroubleCommand


@dataclass
class FanOutShell:
    context: DecisionContext
    now: datetime
    reports: dict[str, CustomerProblemReport] = field(default_factory=dict)
    troubles: dict[str, ServiceTrouble] = field(default_factory=dict)
    report_events: list[ReportEvent] = field(default_factory=list)
    trouble_events: list[ServiceTroubleEvent] = field(default_factory=list)

    def send(self, *messages: Message) -> None:
        queue: deque[Message] = deque(messages)
        while queue:
            message = queue.popleft()
            if isinstance(message, LinkReport | UnlinkReport | ApplyServiceTroubleUpdate):
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
        state = self.reports.get(command.report_id)
        decision = handle_report(state, command, self.now, self.context)
        if decision.state is not None:
            self.reports[command.report_id] = decision.state
        self.report_events.extend(decision.events)
        return [message for event in decision.events for message in _from_report(event)]

    def _to_trouble(self, command: ServiceTroubleCommand) -> list[Message]:
        key = _trouble_key(command)
        decision = handle_service_trouble(self.troubles.get(key), command, self.now)
        if decision.state is not None:
            self.troubles[key] = decision.state
        self.trouble_events.extend(decision.events)
        return [message for event in decision.events for message in _from_trouble(event)]


def _trouble_key(command: ServiceTroubleCommand) -> str:
    match command:
        case LinkReport():
            return service_trouble_key(command.service.id)
        case UnlinkReport():
            return service_trouble_key(command.service_id)
        case ApplyServiceTroubleUpdate():
            return service_of_request(command.request_id) or ""


def _from_report(event: ReportEvent) -> list[Message]:
    cause = event.event_id
    match event:
        case ServiceTroubleNeeded():
            link = LinkReport(
                event_id=derive_event_id(cause, "LinkReport", 0),
                report_id=event.report_id,
                service=event.service,
                priority=event.priority,
                severity=event.severity,
                description=event.description,
                requested_resolution_date=event.requested_resolution_date,
            )
            return [link]
        case ServiceTroubleReleased():
            unlink = UnlinkReport(
                event_id=derive_event_id(cause, "UnlinkReport", 0),
                report_id=event.report_id,
                service_id=event.service.id,
            )
            return [unlink]
        case _:
            return []


def _from_trouble(event: ServiceTroubleEvent) -> list[Message]:
    cause = event.event_id
    match event:
        case ReportLinkedToServiceTrouble():
            link = LinkServiceTrouble(
                event_id=derive_event_id(cause, "LinkServiceTrouble", 0),
                report_id=event.report_id,
                request_id=event.request_id,
                service=event.service,
                status=event.status,
                external_id=event.external_id,
            )
            return [link]
        case ServiceTroubleStatusChanged():
            return [
                UpdateDelegatedWork(
                    event_id=derive_event_id(cause, report_id, 0),
                    report_id=report_id,
                    request_id=event.request_id,
                    status=event.status,
                    external_id=event.external_id,
                    expected_resolution_date=event.expected_resolution_date,
                    reason=event.reason,
                    note=event.note,
                )
                for report_id in event.report_ids
            ]
        case _:
            return []
