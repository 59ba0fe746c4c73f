"""Delegated work: Coordinate Customer Problem hands the problem to service and partner owners.

Requests go to Service Problem Management (``service-trouble.requests``) and to S/P Problem
Reporting & Management (``partner-problem.requests``); their answers come back on the
matching ``.events`` topics with ``correlationId`` echoing our ``requestId``, which is how
Monitor Resolution Update finds the report(s) waiting for them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from problem_tracker.contracts.common import (
    EntityRef,
    ExternalId,
    Identifier,
    Name,
    Notes,
    OutboundModel,
    Priority,
    Reason,
    Severity,
    Text,
    UtcDateTime,
    WireModel,
)
from problem_tracker.contracts.envelope import Envelope, OutboundEnvelope


class DelegatedStatus(StrEnum):
    """Status of a service trouble or partner problem report, as its owner reports it."""

    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "inProgress"
    PENDING = "pending"
    HELD = "held"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Partner(WireModel):
    """The supplier/partner that owns the affected entity."""

    id: ExternalId
    name: Name | None = None


class ServiceTroubleRequest(OutboundModel):
    """Ask Service Problem Management to fix an affected service for one or more reports."""

    request_id: ExternalId
    affected_service: EntityRef
    customer_problem_report_ids: Annotated[list[Identifier], Field(min_length=1)]
    description: Text
    priority: Priority
    severity: Severity
    requested_resolution_date: UtcDateTime | None = None


class ServiceTroubleImpact(OutboundModel):
    """Who the shared service trouble affects now (contract v1.1): every open customer
    problem report linked to it, how many, and the most urgent priority and severity among
    them (absent only for reports linked before the worker kept them)."""

    request_id: ExternalId
    external_id: ExternalId | None = None
    affected_service: EntityRef
    customer_problem_report_ids: Annotated[list[Identifier], Field(min_length=1)]
    impact_count: Annotated[int, Field(ge=1)]
    priority: Priority | None = None
    severity: Severity | None = None

    @model_validator(mode="after")
    def _count_is_the_reports(self) -> Self:
        if self.impact_count != len(self.customer_problem_report_ids):
            raise ValueError("impactCount must be the number of customerProblemReportIds")
        return self


class PartnerProblemRequest(OutboundModel):
    """Ask a partner to fix an entity it owns for one or more reports."""

    request_id: ExternalId
    affected_entity: EntityRef
    partner: Partner
    customer_problem_report_ids: Annotated[list[Identifier], Field(min_length=1)]
    description: Text
    priority: Priority
    severity: Severity
    requested_resolution_date: UtcDateTime | None = None


class ServiceTroubleCancellation(OutboundModel):
    """Withdraw a service trouble request: no report needs it any more."""

    request_id: ExternalId
    external_id: ExternalId | None = None
    customer_problem_report_ids: list[Identifier] = Field(default_factory=list)
    status_change_reason: Reason | None = None


class PartnerProblemCancellation(OutboundModel):
    """Withdraw a partner problem request: no report needs it any more."""

    request_id: ExternalId
    external_id: ExternalId | None = None
    partner: Partner
    customer_problem_report_ids: list[Identifier] = Field(default_factory=list)
    status_change_reason: Reason | None = None


class PartnerProblemConfirmation(OutboundModel):
    """Close (confirm the resolution of) or reopen a partner problem report (MEF 124's
    buyer confirmation); a reopen carries the partner OLA's new due time."""

    request_id: ExternalId
    external_id: ExternalId | None = None
    partner: Partner
    customer_problem_report_ids: list[Identifier] = Field(default_factory=list)
    status_change_reason: Reason | None = None
    requested_resolution_date: UtcDateTime | None = None


class PartnerProblemChange(OutboundModel):
    """What the partner must see changed: the report's priority and severity (always
    given, the current ones) and the customer's notes, if any."""

    request_id: ExternalId
    external_id: ExternalId | None = None
    partner: Partner
    customer_problem_report_ids: list[Identifier] = Field(default_factory=list)
    priority: Priority
    severity: Severity
    note: Notes | None = None


class DelegatedReportUpdate(WireModel):
    """The owner's view of delegated work: its own (external) id and status."""

    id: ExternalId
    status: DelegatedStatus
    expected_resolution_date: UtcDateTime | None = None
    status_change_reason: Reason | None = None
    note: Notes = Field(default_factory=list)


class ServiceTroubleRequestPayload(OutboundModel):
    service_trouble_report: ServiceTroubleRequest


class ServiceTroubleImpactPayload(OutboundModel):
    service_trouble_report: ServiceTroubleImpact


class ServiceTroubleCancellationPayload(OutboundModel):
    service_trouble_report: ServiceTroubleCancellation


class PartnerProblemRequestPayload(OutboundModel):
    partner_problem_report: PartnerProblemRequest


class PartnerProblemCancellationPayload(OutboundModel):
    partner_problem_report: PartnerProblemCancellation


class PartnerProblemConfirmationPayload(OutboundModel):
    partner_problem_report: PartnerProblemConfirmation


class PartnerProblemChangePayload(OutboundModel):
    partner_problem_report: PartnerProblemChange


class ServiceTroubleUpdatePayload(WireModel):
    service_trouble_report: DelegatedReportUpdate


class PartnerProblemUpdatePayload(WireModel):
    partner_problem_report: DelegatedReportUpdate


def _correlated(correlation_id: str, request_id: str) -> None:
    if correlation_id != request_id:
        raise ValueError("correlationId must equal the requestId of the delegated report")


class CreateServiceTroubleReportRequest(OutboundEnvelope):
    """Coordinate Customer Problem: open a service trouble report."""

    event_type: Literal["CreateServiceTroubleReportRequest"]
    event: ServiceTroubleRequestPayload

    @model_validator(mode="after")
    def _correlation_is_the_request(self) -> Self:
        _correlated(self.correlation_id, self.event.service_trouble_report.request_id)
        return self


class UpdateServiceTroubleReportRequest(OutboundEnvelope):
    """The impact of a shared service trouble changed: its open reports, their count and
    most urgent priority and severity (sent debounced, the latest impact each time)."""

    event_type: Literal["UpdateServiceTroubleReportRequest"]
    event: ServiceTroubleImpactPayload

    @model_validator(mode="after")
    def _correlation_is_the_request(self) -> Self:
        _correlated(self.correlation_id, self.event.service_trouble_report.request_id)
        return self


class CancelServiceTroubleReportRequest(OutboundEnvelope):
    """Withdraw a service trouble report (its reports were cancelled or resolved otherwise)."""

    event_type: Literal["CancelServiceTroubleReportRequest"]
    event: ServiceTroubleCancellationPayload

    @model_validator(mode="after")
    def _correlation_is_the_request(self) -> Self:
        _correlated(self.correlation_id, self.event.service_trouble_report.request_id)
        return self


class CreatePartnerProblemReportRequest(OutboundEnvelope):
    """Coordinate Customer Problem: open a partner problem report."""

    event_type: Literal["CreatePartnerProblemReportRequest"]
    event: PartnerProblemRequestPayload

    @model_validator(mode="after")
    def _correlation_is_the_request(self) -> Self:
        _correlated(self.correlation_id, self.event.partner_problem_report.request_id)
        return self


class CancelPartnerProblemReportRequest(OutboundEnvelope):
    """Withdraw a partner problem report."""

    event_type: Literal["CancelPartnerProblemReportRequest"]
    event: PartnerProblemCancellationPayload

    @model_validator(mode="after")
    def _correlation_is_the_request(self) -> Self:
        _correlated(self.correlation_id, self.event.partner_problem_report.request_id)
        return self


class UpdatePartnerProblemReportRequest(OutboundEnvelope):
    """The partner must see a changed priority or severity, or a note of the customer's."""

    event_type: Literal["UpdatePartnerProblemReportRequest"]
    event: PartnerProblemChangePayload

    @model_validator(mode="after")
    def _correlation_is_the_request(self) -> Self:
        _correlated(self.correlation_id, self.event.partner_problem_report.request_id)
        return self


class ClosePartnerProblemReportRequest(OutboundEnvelope):
    """The customer closed the report: the partner's resolution is confirmed (MEF 124)."""

    event_type: Literal["ClosePartnerProblemReportRequest"]
    event: PartnerProblemConfirmationPayload

    @model_validator(mode="after")
    def _correlation_is_the_request(self) -> Self:
        _correlated(self.correlation_id, self.event.partner_problem_report.request_id)
        return self


class ReopenPartnerProblemReportRequest(OutboundEnvelope):
    """The customer reopened the report: the partner's resolved report is reopened (MEF
    124) instead of a new request."""

    event_type: Literal["ReopenPartnerProblemReportRequest"]
    event: PartnerProblemConfirmationPayload

    @model_validator(mode="after")
    def _correlation_is_the_request(self) -> Self:
        _correlated(self.correlation_id, self.event.partner_problem_report.request_id)
        return self


class ServiceTroubleReportCreateEvent(Envelope):
    """Service Problem Management accepted our request and names its external id."""

    event_type: Literal["ServiceTroubleReportCreateEvent"]
    event: ServiceTroubleUpdatePayload


class ServiceTroubleReportStatusChangeEvent(Envelope):
    """Monitor Resolution Update: the service trouble report changed status."""

    event_type: Literal["ServiceTroubleReportStatusChangeEvent"]
    event: ServiceTroubleUpdatePayload


class PartnerProblemReportCreateEvent(Envelope):
    """The partner accepted our request and names its external id."""

    event_type: Literal["PartnerProblemReportCreateEvent"]
    event: PartnerProblemUpdatePayload


class PartnerProblemReportStatusChangeEvent(Envelope):
    """Monitor Resolution Update: the partner problem report changed status."""

    event_type: Literal["PartnerProblemReportStatusChangeEvent"]
    event: PartnerProblemUpdatePayload


ServiceTroubleRequestMessage = Annotated[
    CreateServiceTroubleReportRequest
    | UpdateServiceTroubleReportRequest
    | CancelServiceTroubleReportRequest,
    Field(discriminator="event_type"),
]
PartnerProblemRequestMessage = Annotated[
    CreatePartnerProblemReportRequest
    | UpdatePartnerProblemReportRequest
    | CancelPartnerProblemReportRequest
    | ClosePartnerProblemReportRequest
    | ReopenPartnerProblemReportRequest,
    Field(discriminator="event_type"),
]
ServiceTroubleEvent = Annotated[
    ServiceTroubleReportCreateEvent | ServiceTroubleReportStatusChangeEvent,
    Field(discriminator="event_type"),
]
PartnerProblemEvent = Annotated[
    PartnerProblemReportCreateEvent | PartnerProblemReportStatusChangeEvent,
    Field(discriminator="event_type"),
]
DelegatedEvent = (
    ServiceTroubleReportCreateEvent
    | ServiceTroubleReportStatusChangeEvent
    | PartnerProblemReportCreateEvent
    | PartnerProblemReportStatusChangeEvent
)
"""Any inbound event about delegated work."""
