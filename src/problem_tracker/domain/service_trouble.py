"""The shared service trouble: one Create Service Trouble Report per faulty service, however
many customer problem reports it causes (eTOM 1.3.7.3 Coordinate Customer Problem, towards
Service Problem Management).

The aggregate is keyed by the affected service id. Each service trouble request it makes is
a *generation*: when the current one is finished (resolved, closed, rejected or cancelled)
the next report needing the service starts a new generation.

Service Problem Management is kept told of the trouble's *impact* (contract v1.1): which
open reports it affects and the most urgent priority and severity among them. A change is
not sent at once: the first change after an update schedules the next update one
``impact_interval`` after the later of that change and the last update (a timer kept as
data, ``impact_due``), and whatever the impact is then is sent, so a flood of reports
joining in a minute gives a handful of updates, even when the links are decided late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from problem_tracker.domain.events import UNSTAMPED_AT, RejectionCode
from problem_tracker.domain.identity import Recurrence, SeenEvent, recurrence
from problem_tracker.domain.report import (
    DelegatedStatus,
    EntityRef,
    Progress,
    ProgressUpdate,
    Severity,
)

IMPACT_UPDATE_INTERVAL = timedelta(seconds=10)
"""How long a change of impact waits before Service Problem Management hears of it."""

SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2}
"""Most severe first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkedReport:
    """An open report the trouble affects; priority and severity are ``None`` for a link
    stored before they were kept (state version 5)."""

    report_id: str
    priority: int | None = None
    severity: Severity | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Impact:
    """Who is down: the open linked reports (sorted ids) and the most urgent priority and
    severity among them (``None`` when no linked report says)."""

    report_ids: tuple[str, ...]
    priority: int | None = None
    severity: Severity | None = None

    @property
    def count(self) -> int:
        return len(self.report_ids)


def impact_of(links: tuple[LinkedReport, ...]) -> Impact:
    priorities = [link.priority for link in links if link.priority is not None]
    severities = [link.severity for link in links if link.severity is not None]
    return Impact(
        report_ids=tuple(sorted(link.report_id for link in links)),
        priority=min(priorities, default=None),
        severity=min(severities, key=SEVERITY_RANK.__getitem__, default=None),
    )


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
    impact_sent: Impact | None = None
    """What Service Problem Management last heard (``None``: stored before it was kept)."""
    impact_due: datetime | None = None
    """When the next impact update is due (``None``: none is pending)."""
    impact_told_at: datetime | None = None
    """When Service Problem Management last heard (the create's or the update's time)."""

    @property
    def impact(self) -> Impact:
        return impact_of(self.linked_reports)

    @property
    def impact_outdated(self) -> bool:
        """Service Problem Management's view of the open request is not the impact now."""
        return self.is_open and self.impact != self.impact_sent

    @property
    def is_open(self) -> bool:
        """Someone is (or will be) working on the current request."""
        return not self.progress.is_finished

    @property
    def report_ids(self) -> tuple[str, ...]:
        return tuple(link.report_id for link in self.linked_reports)

    def link_of(self, report_id: str) -> LinkedReport | None:
        return next((link for link in self.linked_reports if link.report_id == report_id), None)

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


@dataclass(frozen=True, slots=True, kw_only=True)
class RerateLinkedReport(ServiceTroubleCommandBase):
    """A linked report's priority or severity changed (from ``ServiceTroubleRerated``)."""

    report_id: str
    service_id: str
    priority: int
    severity: Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class SendImpact(ServiceTroubleCommandBase):
    """The impact update timer the trouble asked for is due (its ``impact_due``)."""

    service_id: str
    deadline: datetime


ServiceTroubleCommand = (
    LinkReport | UnlinkReport | ApplyServiceTroubleUpdate | RerateLinkedReport | SendImpact
)


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
    severity: Severity | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkedReportRerated(ServiceTroubleEventBase):
    report_id: str
    priority: int
    severity: Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class ImpactUpdateScheduled(ServiceTroubleEventBase):
    """The impact changed since Service Problem Management last heard: tell it at ``due_at``."""

    due_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleImpactChanged(ServiceTroubleEventBase):
    """The shell sends UpdateServiceTroubleReportRequest."""

    request_id: str
    service: EntityRef
    impact: Impact
    external_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImpactUpdateDropped(ServiceTroubleEventBase):
    """The timer came with nothing to tell: the impact is back to what Service Problem
    Management knows, or the request is finished."""


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
    | LinkedReportRerated
    | ServiceTroubleStatusChanged
    | ServiceTroubleCancelRequested
    | ImpactUpdateScheduled
    | ServiceTroubleImpactChanged
    | ImpactUpdateDropped
    | ServiceTroubleRejected
)
