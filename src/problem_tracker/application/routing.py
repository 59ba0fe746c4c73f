"""Coordinate Customer Problem across the two aggregates.

A report that needs a service trouble asks the shared service-trouble aggregate of that
service (keyed by service id); that aggregate answers each linked report (keyed by report
id). These rules say which internal command each such event becomes; the shell only
carries the commands over the internal topics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from problem_tracker.domain.commands import LinkServiceTrouble, ReportCommand, UpdateDelegatedWork
from problem_tracker.domain.events import (
    ReportEvent,
    ServiceTroubleNeeded,
    ServiceTroubleReleased,
    ServiceTroubleRerated,
)
from problem_tracker.domain.identity import service_trouble_key
from problem_tracker.domain.service_trouble import (
    LinkReport,
    ReportLinkedToServiceTrouble,
    RerateLinkedReport,
    ServiceTroubleCommand,
    ServiceTroubleEvent,
    ServiceTroubleStatusChanged,
    UnlinkReport,
)


@dataclass(frozen=True, slots=True)
class ToServiceTrouble:
    """A command for the service-trouble aggregate keyed ``service_id``
    (``service_trouble_key`` of the service: the service id unless it is very long)."""

    service_id: str
    command: ServiceTroubleCommand


def service_trouble_commands(events: Iterable[ReportEvent]) -> list[ToServiceTrouble]:
    """A report needs (or releases, or rerates) the shared service trouble of a faulty
    service."""
    routed: list[ToServiceTrouble] = []
    for event in events:
        if isinstance(event, ServiceTroubleNeeded):
            command: ServiceTroubleCommand = LinkReport(
                event_id=event.event_id,
                report_id=event.report_id,
                service=event.service,
                priority=event.priority,
                severity=event.severity,
                description=event.description,
                requested_resolution_date=event.requested_resolution_date,
            )
            routed.append(ToServiceTrouble(service_trouble_key(event.service.id), command))
        elif isinstance(event, ServiceTroubleReleased):
            command = UnlinkReport(
                event_id=event.event_id, report_id=event.report_id, service_id=event.service.id
            )
            routed.append(ToServiceTrouble(service_trouble_key(event.service.id), command))
        elif isinstance(event, ServiceTroubleRerated):
            command = RerateLinkedReport(
                event_id=event.event_id,
                report_id=event.report_id,
                service_id=event.service.id,
                priority=event.priority,
                severity=event.severity,
            )
            routed.append(ToServiceTrouble(service_trouble_key(event.service.id), command))
    return routed


def report_commands(events: Iterable[ServiceTroubleEvent]) -> list[ReportCommand]:
    """The service trouble links a report, or fans a status change out to every linked one."""
    routed: list[ReportCommand] = []
    for event in events:
        if isinstance(event, ReportLinkedToServiceTrouble):
            routed.append(
                LinkServiceTrouble(
                    event_id=event.event_id,
                    report_id=event.report_id,
                    request_id=event.request_id,
                    service=event.service,
                    status=event.status,
                    external_id=event.external_id,
                )
            )
        elif isinstance(event, ServiceTroubleStatusChanged):
            routed.extend(
                UpdateDelegatedWork(
                    event_id=event.event_id,
                    report_id=report_id,
                    request_id=event.request_id,
                    update=event.update,
                )
                for report_id in event.report_ids
            )
    return routed
