"""Notifications on ``customer-problem.notifications``: the report as Track & Manage sees it.

Every notification carries the full snapshot of the report, status included, so that
Close Customer Problem, CRM and portals never have to merge deltas. ``Resolved`` is
eTOM's "cleared" signal that informs Close Customer Problem.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from problem_tracker.contracts.common import (
    ExternalId,
    Identifier,
    Name,
    Note,
    OutboundModel,
    Priority,
    Reason,
    RelatedEntity,
    RelatedParty,
    ResolutionCode,
    Severity,
    Text,
    UtcDateTime,
)
from problem_tracker.contracts.delegated import DelegatedStatus
from problem_tracker.contracts.envelope import OutboundEnvelope


class ReportStatus(StrEnum):
    """TMF621 statuses of a customer problem report; ``resolved`` is eTOM's "cleared"."""

    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "inProgress"
    PENDING = "pending"
    HELD = "held"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class JeopardyState(StrEnum):
    """How close the report is to missing its resolution target."""

    NONE = "none"
    WARNING = "warning"
    JEOPARDY = "jeopardy"
    BREACHED = "breached"


class StatusChange(OutboundModel):
    """One entry of the report's status history."""

    status: ReportStatus
    status_change_date: UtcDateTime
    status_change_reason: Reason | None = None


class KnownErrorMatch(OutboundModel):
    """The known error Check Known Error matched, with the workaround given to the customer."""

    id: Identifier
    workaround: Text | None = None


class DelegatedWork(OutboundModel):
    """A delegated report as we track it; ``requested`` until its owner acknowledges it."""

    request_id: ExternalId
    external_id: ExternalId | None = None
    status: DelegatedStatus | Literal["requested"]


class ReportSnapshot(OutboundModel):
    """The whole customer problem report after the change being notified; ``respondBy``
    is set while an operator's question to the customer waits for its answer."""

    id: Identifier
    description: Text
    severity: Severity
    priority: Priority
    ticket_type: Name | None = None
    symptom_code: Name | None = None
    creation_date: UtcDateTime | None = None
    requested_resolution_date: UtcDateTime | None = None
    related_party: list[RelatedParty]
    related_entity: list[RelatedEntity] = Field(default_factory=list)
    note: list[Note] = Field(default_factory=list)
    assignee: ExternalId | None = None
    assignee_role: Name | None = None
    root_cause: Text | None = None
    status: ReportStatus
    status_change_date: UtcDateTime
    status_change_reason: Reason | None = None
    status_change_history: list[StatusChange] = Field(default_factory=list)
    expected_resolution_date: UtcDateTime | None = None
    jeopardy: JeopardyState = JeopardyState.NONE
    escalation_level: Annotated[int, Field(ge=0)] = 0
    known_error: KnownErrorMatch | None = None
    resolution_code: ResolutionCode | None = None
    respond_by: UtcDateTime | None = None
    service_trouble_report: list[DelegatedWork] = Field(default_factory=list)
    partner_problem_report: list[DelegatedWork] = Field(default_factory=list)


class SnapshotPayload(OutboundModel):
    customer_problem_report: ReportSnapshot


class CustomerProblemReportStatusChangeEvent(OutboundEnvelope):
    """The report changed status (one notification per change)."""

    event_type: Literal["CustomerProblemReportStatusChangeEvent"]
    event: SnapshotPayload


class CustomerProblemReportAttributeValueChangeNotification(OutboundEnvelope):
    """Attributes of the report changed without a status change."""

    event_type: Literal["CustomerProblemReportAttributeValueChangeEvent"]
    event: SnapshotPayload


class CustomerProblemReportInformationRequiredEvent(OutboundEnvelope):
    """Track & Manage needs information from the customer: the report is pending."""

    event_type: Literal["CustomerProblemReportInformationRequiredEvent"]
    event: SnapshotPayload


class CustomerProblemReportResolvedEvent(OutboundEnvelope):
    """The problem is cleared: Close Customer Problem may close the report."""

    event_type: Literal["CustomerProblemReportResolvedEvent"]
    event: SnapshotPayload


Notification = Annotated[
    CustomerProblemReportStatusChangeEvent
    | CustomerProblemReportAttributeValueChangeNotification
    | CustomerProblemReportInformationRequiredEvent
    | CustomerProblemReportResolvedEvent,
    Field(discriminator="event_type"),
]
"""Any message on ``customer-problem.notifications``."""
