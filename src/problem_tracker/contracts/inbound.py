"""Inbound events on ``customer-problem.events``: what upstream asks of Track & Manage.

Every event carries ``event.customerProblemReport`` with at least the report ``id``, which
is also the Kafka key. Each event type has its own resource model, holding exactly what
that step of eTOM 1.3.7.3 needs, so that translating to domain commands is one function
per type.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, field_validator

from problem_tracker.contracts.common import (
    CUSTOMER_ROLE,
    MAX_NOTES_PER_MESSAGE,
    ExternalId,
    Identifier,
    Name,
    Notes,
    Priority,
    Reason,
    RelatedEntities,
    RelatedEntity,
    RelatedParties,
    RelatedParty,
    ResolutionCode,
    Severity,
    Text,
    UtcDateTime,
    WireModel,
)
from problem_tracker.contracts.envelope import Envelope


class ReportRef(WireModel):
    """The report an event is about, and nothing else."""

    id: Identifier


class NewReport(WireModel):
    """Start of Track & Manage: the report as Create Customer Problem recorded it."""

    id: Identifier
    description: Text
    severity: Severity
    priority: Priority
    ticket_type: Name | None = None
    symptom_code: Name | None = None
    creation_date: UtcDateTime | None = None
    requested_resolution_date: UtcDateTime | None = None
    related_party: RelatedParties
    related_entity: RelatedEntities = Field(default_factory=list)
    note: Notes = Field(default_factory=list)

    @field_validator("related_party")
    @classmethod
    def _names_the_customer(cls, parties: list[RelatedParty]) -> list[RelatedParty]:
        if not any(party.role == CUSTOMER_ROLE for party in parties):
            raise ValueError(f"a related party with role '{CUSTOMER_ROLE}' is required")
        return parties


class ReportChanges(WireModel):
    """Attributes upstream changed; an absent field is unchanged, notes are appended."""

    id: Identifier
    description: Text | None = None
    severity: Severity | None = None
    priority: Priority | None = None
    ticket_type: Name | None = None
    symptom_code: Name | None = None
    requested_resolution_date: UtcDateTime | None = None
    related_party: RelatedParties | None = None
    related_entity: RelatedEntities | None = None
    note: Notes | None = None
    assignee: ExternalId | None = None


class IsolationResult(WireModel):
    """What Isolate Customer Problem found: the affected entities, maybe a root cause."""

    id: Identifier
    related_entity: RelatedEntities
    root_cause: Text | None = None


class ProvidedInformation(WireModel):
    """The customer's answer to an information request."""

    id: Identifier
    note: Annotated[Notes, Field(min_length=1, max_length=MAX_NOTES_PER_MESSAGE)]


class OptionalReasonRequest(WireModel):
    """An operator or Close Customer Problem request that may say why."""

    id: Identifier
    status_change_reason: Reason | None = None


class ReasonedRequest(WireModel):
    """A request that must say why: cancelling an incorrect report, reopening a rejected fix."""

    id: Identifier
    status_change_reason: Reason


class ResolveRequest(WireModel):
    """An operator clears the report (contract v1.1): how (``resolutionCode``) and why;
    open delegated work is cancelled unless ``keepDelegatedWork``."""

    id: Identifier
    resolution_code: ResolutionCode
    status_change_reason: Reason
    keep_delegated_work: StrictBool = False


class EscalationAcknowledgement(WireModel):
    """The called party has the escalation (contract v1.1): who, and optionally at which
    level (the current one if left out)."""

    id: Identifier
    acknowledged_by: Name
    level: Annotated[int, Field(ge=1, strict=True)] | None = None


class PartnerRef(WireModel):
    """A supplier/partner, by the id inventory knows it by."""

    id: ExternalId
    name: Name | None = None


class RedelegateRequest(WireModel):
    """An operator requests failed work again (contract v1.1): ``requestId`` names the
    rejected or cancelled request; ``partner`` and/or ``affectedEntity`` send it
    elsewhere (an entity alone goes to whoever inventory says fixes it)."""

    id: Identifier
    request_id: ExternalId
    partner: PartnerRef | None = None
    affected_entity: RelatedEntity | None = None


class InformationRequest(WireModel):
    """An operator asks the customer (contract v1.1): the question, and optionally by when
    the answer is due (the SLA rule's default when left out)."""

    id: Identifier
    status_change_reason: Reason
    respond_by: UtcDateTime | None = None


class Assignee(WireModel):
    """Who works on the report, and in which role."""

    id: ExternalId
    role: Name | None = None


class Assignment(WireModel):
    """An operator assigns the report (contract v1.1)."""

    id: Identifier
    assignee: Assignee


class NewReportPayload(WireModel):
    customer_problem_report: NewReport


class ResolveRequestPayload(WireModel):
    customer_problem_report: ResolveRequest


class EscalationAcknowledgementPayload(WireModel):
    customer_problem_report: EscalationAcknowledgement


class RedelegateRequestPayload(WireModel):
    customer_problem_report: RedelegateRequest


class InformationRequestPayload(WireModel):
    customer_problem_report: InformationRequest


class AssignmentPayload(WireModel):
    customer_problem_report: Assignment


class ReportChangesPayload(WireModel):
    customer_problem_report: ReportChanges


class IsolationResultPayload(WireModel):
    customer_problem_report: IsolationResult


class ProvidedInformationPayload(WireModel):
    customer_problem_report: ProvidedInformation


class OptionalReasonPayload(WireModel):
    customer_problem_report: OptionalReasonRequest


class ReasonedPayload(WireModel):
    customer_problem_report: ReasonedRequest


class CustomerProblemReportCreateEvent(Envelope):
    """Start Track & Manage Customer Problem for a new report."""

    event_type: Literal["CustomerProblemReportCreateEvent"]
    event: NewReportPayload


class CustomerProblemReportAttributeValueChangeEvent(Envelope):
    """Upstream modified description, severity, priority, parties, entities, notes, assignee."""

    event_type: Literal["CustomerProblemReportAttributeValueChangeEvent"]
    event: ReportChangesPayload


class CustomerProblemIsolationCompletedEvent(Envelope):
    """Isolate Customer Problem finished: the input of Perform Initial Diagnosis."""

    event_type: Literal["CustomerProblemIsolationCompletedEvent"]
    event: IsolationResultPayload


class CustomerProblemInformationProvidedEvent(Envelope):
    """The customer answered: a pending report resumes."""

    event_type: Literal["CustomerProblemInformationProvidedEvent"]
    event: ProvidedInformationPayload


class CustomerProblemHoldRequestEvent(Envelope):
    """An operator puts the report on hold; the SLA clock stops."""

    event_type: Literal["CustomerProblemHoldRequestEvent"]
    event: OptionalReasonPayload


class CustomerProblemResumeRequestEvent(Envelope):
    """An operator releases the hold; the report returns to where it was."""

    event_type: Literal["CustomerProblemResumeRequestEvent"]
    event: OptionalReasonPayload


class CustomerProblemCancelRequestEvent(Envelope):
    """Cancel Customer Problem: the report was incorrect (reason required)."""

    event_type: Literal["CustomerProblemCancelRequestEvent"]
    event: ReasonedPayload


class CustomerProblemResolveRequestEvent(Envelope):
    """An operator clears the report with a resolution code (contract v1.1): eTOM's
    "cleared" without waiting for delegated work."""

    event_type: Literal["CustomerProblemResolveRequestEvent"]
    event: ResolveRequestPayload


class CustomerProblemEscalationAcknowledgeEvent(Envelope):
    """The called party has the escalation (contract v1.1): the ladder stops climbing for
    the rule's ``acknowledgeFor``, then climbs again if the report is still breached."""

    event_type: Literal["CustomerProblemEscalationAcknowledgeEvent"]
    event: EscalationAcknowledgementPayload


class CustomerProblemRedelegateRequestEvent(Envelope):
    """An operator requests rejected or cancelled delegated work again (contract v1.1):
    a new request, which the report then waits for."""

    event_type: Literal["CustomerProblemRedelegateRequestEvent"]
    event: RedelegateRequestPayload


class CustomerProblemInformationRequestEvent(Envelope):
    """An operator asks the customer (contract v1.1): the report waits in ``pending`` (SLA
    clock stopped) until he answers, is reminded, or the deadline's action applies."""

    event_type: Literal["CustomerProblemInformationRequestEvent"]
    event: InformationRequestPayload


class CustomerProblemReportAssignEvent(Envelope):
    """Who works on the report now (contract v1.1); escalations name the assignee."""

    event_type: Literal["CustomerProblemReportAssignEvent"]
    event: AssignmentPayload


class CustomerProblemReopenRequestEvent(Envelope):
    """The customer rejects the resolution (reason required): a new SLA cycle starts."""

    event_type: Literal["CustomerProblemReopenRequestEvent"]
    event: ReasonedPayload


class CustomerProblemReportCloseEvent(Envelope):
    """Close Customer Problem has closed the report: Track & Manage ends."""

    event_type: Literal["CustomerProblemReportCloseEvent"]
    event: OptionalReasonPayload


CustomerEvent = Annotated[
    CustomerProblemReportCreateEvent
    | CustomerProblemReportAttributeValueChangeEvent
    | CustomerProblemIsolationCompletedEvent
    | CustomerProblemInformationProvidedEvent
    | CustomerProblemHoldRequestEvent
    | CustomerProblemResumeRequestEvent
    | CustomerProblemCancelRequestEvent
    | CustomerProblemReopenRequestEvent
    | CustomerProblemReportCloseEvent
    | CustomerProblemResolveRequestEvent
    | CustomerProblemEscalationAcknowledgeEvent
    | CustomerProblemRedelegateRequestEvent
    | CustomerProblemInformationRequestEvent
    | CustomerProblemReportAssignEvent,
    Field(discriminator="event_type"),
]
"""Any event on ``customer-problem.events``."""
