"""The shared service trouble: one Create Service Trouble Report per faulty service, however
many customer problem reports it causes (eTOM 1.3.7.3 Coordinate Customer Problem, towards
Service Problem Management).

The aggregate is keyed by the affected service id. Each service trouble request it makes is
a *generation*: when the current one is finished (resolved, closed, rejected or cancelled)
the next report needing the service starts a new generation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from problem_tracker.domain.events import UNSTAMPED_AT, RejectionCode
from problem_tracker.domain.identity import Recurrence, SeenEvent, recurrence
from problem_tracker.domain.report import (
    DelegatedStatus,
    EntityRef,
    Progress,
    ProgressUpdate,
    Severity,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkedReport:
    report_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTrouble:
    """State of the shared service trouble of one service (its current generation)."""

    service: EntityRef
    generation: int
    request_id: str
    progress: Progress
    priority: int
    linked_reports: tuple[LinkedReport, ...] = ()
    recent_events: tuple[SeenEvent, ...] = ()

    @property
    def is_open(self) -> bool:
        """Someone is (or will be) working on the current request."""
        return not self.progress.is_finished

    @property
    def report_ids(self) -> tuple[str, ...]:
        return tuple(link.report_id for link in self.linked_reports)

    @property
    def recent_event_ids(self) -> tuple[str, ...]:
        return tuple(seen.event_id for seen in self.recent_events)

    def has_seen(self, event_id: str) -> bool:
        """Whether an inbound event with this id was already applied."""
        return event_id in self.recent_event_ids

    def recurrence(self, event_id: str, digest: str) -> Recurrence:
        """Whether an inbound event is new, a redelivery, or a reused id (a conflict)."""
        return recurrence(self.recent_events, event_id, digest)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleCommandBase:
    event_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkReport(ServiceTroubleCommandBase):
    """A report needs the service trouble of ``service`` (from ``ServiceTroubleNeeded``)."""

    report_id: str
    service: EntityRef
    priority: int
    severity: Severity
    description: str
    requested_resolution_date: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UnlinkReport(ServiceTroubleCommandBase):
    """A report no longer needs it (from ``ServiceTroubleReleased``)."""

    report_id: str
    service_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyServiceTroubleUpdate(ServiceTroubleCommandBase):
    """Service Problem Management reports on a request (routed by ``service_of_request``)."""

    request_id: str
    update: ProgressUpdate


ServiceTroubleCommand = LinkReport | UnlinkReport | ApplyServiceTroubleUpdate


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleEventBase:
    """Header stamped by ``decide_service_trouble``, as for report events."""

    event_id: str = ""
    service_id: str = ""
    occurred_at: datetime = UNSTAMPED_AT
    caused_by: str = ""
    cause_digest: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleRequested(ServiceTroubleEventBase):
    """A new generation: the shell sends CreateServiceTroubleReportRequest."""

    request_id: str
    generation: int
    service: EntityRef
    priority: int
    severity: Severity
    description: str
    requested_resolution_date: datetime | None = None
    report_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportLinkedToServiceTrouble(ServiceTroubleEventBase):
    """The shell answers the report with ``LinkServiceTrouble``."""

    report_id: str
    request_id: str
    service: EntityRef
    status: DelegatedStatus
    priority: int
    external_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportUnlinkedFromServiceTrouble(ServiceTroubleEventBase):
    report_id: str
    request_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleStatusChanged(ServiceTroubleEventBase):
    """The shell fans it out as ``UpdateDelegatedWork`` to every report in ``report_ids``."""

    request_id: str
    update: ProgressUpdate
    report_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleCancelRequested(ServiceTroubleEventBase):
    """No open report needs the request any more: the shell sends
    CancelServiceTroubleReportRequest."""

    request_id: str
    service: EntityRef


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleRejected(ServiceTroubleEventBase):
    """The command did not fit (a DLQ entry)."""

    code: RejectionCode
    reason: str
    command: str


ServiceTroubleEvent = (
    ServiceTroubleRequested
    | ReportLinkedToServiceTrouble
    | ReportUnlinkedFromServiceTrouble
    | ServiceTroubleStatusChanged
    | ServiceTroubleCancelRequested
    | ServiceTroubleRejected
)
