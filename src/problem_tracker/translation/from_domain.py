"""Domain events → outbound wire messages: what Track & Manage Customer Problem (eTOM
1.3.7.3) tells customers, Close Customer Problem, Service Problem Management and partners.

Every message's ``eventId`` is the id of the domain event it comes from (derived from the
inbound cause), so a replay produces the same messages. Events other systems do not see
(links between our aggregates, rejections) map to no message here: the application layer
routes those to internal topics and the dead-letter queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from problem_tracker.contracts import common
from problem_tracker.contracts.delegated import (
    CancelPartnerProblemReportRequest,
    CancelServiceTroubleReportRequest,
    ClosePartnerProblemReportRequest,
    CreatePartnerProblemReportRequest,
    CreateServiceTroubleReportRequest,
    Partner,
    PartnerProblemCancellation,
    PartnerProblemCancellationPayload,
    PartnerProblemChange,
    PartnerProblemChangePayload,
    PartnerProblemConfirmation,
    PartnerProblemConfirmationPayload,
    PartnerProblemRequest,
    PartnerProblemRequestPayload,
    ReopenPartnerProblemReportRequest,
    ServiceTroubleCancellation,
    ServiceTroubleCancellationPayload,
    ServiceTroubleImpact,
    ServiceTroubleImpactPayload,
    ServiceTroubleRequest,
    ServiceTroubleRequestPayload,
    UpdatePartnerProblemReportRequest,
    UpdateServiceTroubleReportRequest,
)
from problem_tracker.contracts.envelope import DOMAIN, OutboundEnvelope
from problem_tracker.contracts.escalations import (
    CustomerProblemEscalationAcknowledgedEvent,
    CustomerProblemEscalationEndEvent,
    CustomerProblemEscalationEvent,
    CustomerProblemJeopardyEvent,
    Escalation,
    EscalationAcknowledgement,
    EscalationAcknowledgementPayload,
    EscalationEnd,
    EscalationEndPayload,
    EscalationEndReason,
    EscalationKind,
    EscalationPayload,
    Jeopardy,
    JeopardyCause,
    JeopardyPayload,
)
from problem_tracker.contracts.outbound import (
    CustomerProblemReportAttributeValueChangeNotification,
    CustomerProblemReportInformationRequiredEvent,
    CustomerProblemReportResolvedEvent,
    CustomerProblemReportStatusChangeEvent,
    JeopardyState,
    SnapshotPayload,
)
from problem_tracker.contracts.registry import Channel, event_type_of
from problem_tracker.domain.events import (
    AttributesChanged,
    DomainEvent,
    EscalationAcknowledged,
    EscalationEnded,
    EscalationRaised,
    InformationRequired,
    JeopardyRaised,
    KnownErrorAttached,
    PartnerProblemCancelRequested,
    PartnerProblemCloseRequested,
    PartnerProblemReopenRequested,
    PartnerProblemRequested,
    PartnerProblemUpdateRequested,
    ReportEvent,
    ReportResolved,
    StatusChanged,
)
from problem_tracker.domain.report import CustomerProblemReport, EntityRef, Owner, Status
from problem_tracker.domain.service_trouble import (
    ServiceTrouble,
    ServiceTroubleCancelRequested,
    ServiceTroubleEvent,
    ServiceTroubleEventBase,
    ServiceTroubleImpactChanged,
    ServiceTroubleRequested,
)
from problem_tracker.translation.snapshot import snapshot, wire_reason

SOURCE = common.Source(id="problem-tracker", name="Track & Manage Customer Problem")
"""Who we are, on every message we produce."""

NOTIFICATIONS: dict[type[DomainEvent], type[OutboundEnvelope]] = {
    StatusChanged: CustomerProblemReportStatusChangeEvent,
    AttributesChanged: CustomerProblemReportAttributeValueChangeNotification,
    KnownErrorAttached: CustomerProblemReportAttributeValueChangeNotification,
    InformationRequired: CustomerProblemReportInformationRequiredEvent,
    ReportResolved: CustomerProblemReportResolvedEvent,
}
"""Report events customers are notified of, each with the report's snapshot."""

SERVICE_TROUBLE_CANCEL_REASON = "no open customer problem report needs it any more"


class MissingPartnerError(ValueError):
    """A partner request cannot be withdrawn without naming the partner."""


@dataclass(frozen=True)
class OutboundMessage:
    """One record to produce: topic (by its contract channel), Kafka key and value."""

    channel: Channel
    key: str
    envelope: OutboundEnvelope


def report_messages(
    event: ReportEvent, state: CustomerProblemReport | None
) -> list[OutboundMessage]:
    """The messages one report event causes; ``state`` is the report after the decision
    (every notification carries the report's snapshot). Without a report (``None``) the
    decision can only have been a rejection, which goes to the dead-letter queue."""
    if state is None:
        return []
    notification = NOTIFICATIONS.get(type(event))
    if notification is not None:
        return [_notification(notification, event, state)]
    match event:
        case PartnerProblemRequested():
            return [_partner_request(event, state)]
        case PartnerProblemCancelRequested():
            return [_partner_cancellation(event, state)]
        case PartnerProblemUpdateRequested():
            return [_partner_change(event, state)]
        case PartnerProblemCloseRequested() | PartnerProblemReopenRequested():
            return [_partner_confirmation(event, state)]
        case JeopardyRaised() | EscalationRaised() | EscalationEnded() | EscalationAcknowledged():
            return [_escalation_message(event)]
        case _:
            return []


def service_trouble_messages(
    event: ServiceTroubleEvent, state: ServiceTrouble | None
) -> list[OutboundMessage]:
    """Coordinate Customer Problem towards Service Problem Management: open one service
    trouble report per generation, tell it the impact as it changes, withdraw it when no
    report needs it any more."""
    match event:
        case ServiceTroubleRequested():
            return [_service_trouble_request(event)]
        case ServiceTroubleImpactChanged():
            return [_service_trouble_impact(event)]
        case ServiceTroubleCancelRequested():
            return [_service_trouble_cancellation(event, state)]
        case _:
            return []


def _header(event: DomainEvent | ServiceTroubleEventBase, correlation_id: str) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "event_time": event.occurred_at,
        "correlation_id": correlation_id,
        "domain": DOMAIN,
        "source": SOURCE,
    }


def _notification(
    model: type[OutboundEnvelope], event: DomainEvent, state: CustomerProblemReport
) -> OutboundMessage:
    fields = {
        **_header(event, state.id),
        "event_type": event_type_of(model),
        "event": SnapshotPayload(customer_problem_report=snapshot(state)),
    }
    return OutboundMessage(Channel.NOTIFICATIONS, state.id, model.model_validate(fields))


def _escalation_message(
    event: JeopardyRaised | EscalationRaised | EscalationEnded | EscalationAcknowledged,
) -> OutboundMessage:
    """Jeopardy and Escalate/End Customer Problem, for assurance and duty managers."""
    header = _header(event, event.report_id)
    envelope: OutboundEnvelope
    match event:
        case JeopardyRaised():
            payload = JeopardyPayload(customer_problem_jeopardy=_jeopardy(event))
            envelope = CustomerProblemJeopardyEvent(
                event_type="CustomerProblemJeopardyEvent", event=payload, **header
            )
        case EscalationRaised():
            called = EscalationPayload(customer_problem_escalation=_escalation(event))
            envelope = CustomerProblemEscalationEvent(
                event_type="CustomerProblemEscalationEvent", event=called, **header
            )
        case EscalationEnded():
            ended = EscalationEndPayload(customer_problem_escalation_end=_end(event))
            envelope = CustomerProblemEscalationEndEvent(
                event_type="CustomerProblemEscalationEndEvent", event=ended, **header
            )
        case EscalationAcknowledged():
            held = EscalationAcknowledgementPayload(
                customer_problem_escalation_acknowledgement=EscalationAcknowledgement(
                    customer_problem_report_id=event.report_id,
                    acknowledged_by=event.acknowledged_by,
                    level=event.level,
                    until=event.until,
                )
            )
            envelope = CustomerProblemEscalationAcknowledgedEvent(
                event_type="CustomerProblemEscalationAcknowledgedEvent", event=held, **header
            )
    return OutboundMessage(Channel.ESCALATIONS, event.report_id, envelope)


def _jeopardy(event: JeopardyRaised) -> Jeopardy:
    return Jeopardy(
        customer_problem_report_id=event.report_id,
        jeopardy=JeopardyState(event.level.value),
        threshold_percent=event.threshold_percent,
        percent_elapsed=event.percent_elapsed,
        due_time=event.due_at,
        cause=JeopardyCause(event.cause.value),
    )


def _escalation(event: EscalationRaised) -> Escalation:
    return Escalation(
        customer_problem_report_id=event.report_id,
        level=event.level,
        kind=EscalationKind(event.kind.value),
        target=event.target,
        reason=event.reason.value,
        request_id=event.request_id,
        assignee=event.assignee,
        assignee_role=event.assignee_role,
    )


def _end(event: EscalationEnded) -> EscalationEnd:
    return EscalationEnd(
        customer_problem_report_id=event.report_id,
        reason=EscalationEndReason(event.reason.value),
    )


def _ola_due(state: CustomerProblemReport, request_id: str) -> datetime | None:
    """When the partner's OLA wants the request resolved, while its leg is followed."""
    legs = () if state.sla is None else state.sla.partner_legs
    return next((leg.due_at for leg in legs if leg.request_id == request_id), None)


def _partner_request(
    event: PartnerProblemRequested, state: CustomerProblemReport
) -> OutboundMessage:
    """The partner is asked for its OLA's due time (MEF 124's requested resolution date);
    the customer's own date only when no OLA leg is followed (no SLA on the report)."""
    due = _ola_due(state, event.request_id)
    request = PartnerProblemRequest(
        request_id=event.request_id,
        affected_entity=entity_ref(event.entity),
        partner=partner(event.partner),
        customer_problem_report_ids=[event.report_id],
        description=event.description,
        priority=event.priority,
        severity=common.Severity(event.severity.value),
        requested_resolution_date=due or event.requested_resolution_date,
    )
    envelope = CreatePartnerProblemReportRequest(
        event_type="CreatePartnerProblemReportRequest",
        event=PartnerProblemRequestPayload(partner_problem_report=request),
        **_header(event, event.request_id),
    )
    return OutboundMessage(Channel.PARTNER_PROBLEM_REQUESTS, event.request_id, envelope)


def _partner_cancellation(
    event: PartnerProblemCancelRequested, state: CustomerProblemReport
) -> OutboundMessage:
    """Cancel Customer Problem (or an operator's resolve) withdraws the partner request,
    giving the cancel (resolve) reason."""
    work = next((w for w in reversed(state.delegated) if w.request_id == event.request_id), None)
    named = event.partner or (work.partner if work is not None else None)
    if named is None:
        raise MissingPartnerError(f"partner request {event.request_id!r} names no partner")
    ended = state.status in (Status.CANCELLED, Status.RESOLVED)
    cancellation = PartnerProblemCancellation(
        request_id=event.request_id,
        external_id=work.progress.external_id if work is not None else None,
        partner=partner(named),
        customer_problem_report_ids=[state.id],
        status_change_reason=wire_reason(state.status_change_reason) if ended else None,
    )
    envelope = CancelPartnerProblemReportRequest(
        event_type="CancelPartnerProblemReportRequest",
        event=PartnerProblemCancellationPayload(partner_problem_report=cancellation),
        **_header(event, event.request_id),
    )
    return OutboundMessage(Channel.PARTNER_PROBLEM_REQUESTS, event.request_id, envelope)


def _named_partner(
    request_id: str, named: Owner | None, state: CustomerProblemReport
) -> tuple[Partner, str | None]:
    """The partner a request went to, and its external id for it."""
    work = next((w for w in reversed(state.delegated) if w.request_id == request_id), None)
    owner = named or (work.partner if work is not None else None)
    if owner is None:
        raise MissingPartnerError(f"partner request {request_id!r} names no partner")
    return partner(owner), work.progress.external_id if work is not None else None


def _partner_change(
    event: PartnerProblemUpdateRequested, state: CustomerProblemReport
) -> OutboundMessage:
    named, external_id = _named_partner(event.request_id, event.partner, state)
    change = PartnerProblemChange(
        request_id=event.request_id,
        external_id=external_id,
        partner=named,
        customer_problem_report_ids=[state.id],
        priority=event.priority,
        severity=common.Severity(event.severity.value),
        note=[common.Note(author=n.author, date=n.date, text=n.text) for n in event.notes] or None,
    )
    envelope = UpdatePartnerProblemReportRequest(
        event_type="UpdatePartnerProblemReportRequest",
        event=PartnerProblemChangePayload(partner_problem_report=change),
        **_header(event, event.request_id),
    )
    return OutboundMessage(Channel.PARTNER_PROBLEM_REQUESTS, event.request_id, envelope)


def _partner_confirmation(
    event: PartnerProblemCloseRequested | PartnerProblemReopenRequested,
    state: CustomerProblemReport,
) -> OutboundMessage:
    """Close Customer Problem confirms the partner's resolution; a reopen reopens it, due
    again by the partner OLA's new leg."""
    named, external_id = _named_partner(event.request_id, event.partner, state)
    confirmation = PartnerProblemConfirmation(
        request_id=event.request_id,
        external_id=external_id,
        partner=named,
        customer_problem_report_ids=[state.id],
        status_change_reason=wire_reason(state.status_change_reason),
        requested_resolution_date=_ola_due(state, event.request_id),
    )
    payload = PartnerProblemConfirmationPayload(partner_problem_report=confirmation)
    envelope: OutboundEnvelope
    if isinstance(event, PartnerProblemReopenRequested):
        envelope = ReopenPartnerProblemReportRequest(
            event_type="ReopenPartnerProblemReportRequest",
            event=payload,
            **_header(event, event.request_id),
        )
    else:
        envelope = ClosePartnerProblemReportRequest(
            event_type="ClosePartnerProblemReportRequest",
            event=payload,
            **_header(event, event.request_id),
        )
    return OutboundMessage(Channel.PARTNER_PROBLEM_REQUESTS, event.request_id, envelope)


def _service_trouble_request(event: ServiceTroubleRequested) -> OutboundMessage:
    request = ServiceTroubleRequest(
        request_id=event.request_id,
        affected_service=entity_ref(event.service),
        customer_problem_report_ids=list(event.report_ids),
        description=event.description,
        priority=event.priority,
        severity=common.Severity(event.severity.value),
        requested_resolution_date=event.requested_resolution_date,
    )
    envelope = CreateServiceTroubleReportRequest(
        event_type="CreateServiceTroubleReportRequest",
        event=ServiceTroubleRequestPayload(service_trouble_report=request),
        **_header(event, event.request_id),
    )
    return OutboundMessage(Channel.SERVICE_TROUBLE_REQUESTS, event.request_id, envelope)


def _service_trouble_impact(event: ServiceTroubleImpactChanged) -> OutboundMessage:
    impact = event.impact
    update = ServiceTroubleImpact(
        request_id=event.request_id,
        external_id=event.external_id,
        affected_service=entity_ref(event.service),
        customer_problem_report_ids=list(impact.report_ids),
        impact_count=impact.count,
        priority=impact.priority,
        severity=None if impact.severity is None else common.Severity(impact.severity.value),
    )
    envelope = UpdateServiceTroubleReportRequest(
        event_type="UpdateServiceTroubleReportRequest",
        event=ServiceTroubleImpactPayload(service_trouble_report=update),
        **_header(event, event.request_id),
    )
    return OutboundMessage(Channel.SERVICE_TROUBLE_REQUESTS, event.request_id, envelope)


def _service_trouble_cancellation(
    event: ServiceTroubleCancelRequested, state: ServiceTrouble | None
) -> OutboundMessage:
    current = state is not None and state.request_id == event.request_id
    cancellation = ServiceTroubleCancellation(
        request_id=event.request_id,
        external_id=state.progress.external_id if state is not None and current else None,
        status_change_reason=SERVICE_TROUBLE_CANCEL_REASON,
    )
    envelope = CancelServiceTroubleReportRequest(
        event_type="CancelServiceTroubleReportRequest",
        event=ServiceTroubleCancellationPayload(service_trouble_report=cancellation),
        **_header(event, event.request_id),
    )
    return OutboundMessage(Channel.SERVICE_TROUBLE_REQUESTS, event.request_id, envelope)


def entity_ref(entity: EntityRef) -> common.EntityRef:
    return common.EntityRef(id=entity.id, referred_type=entity.referred_type, name=entity.name)


def partner(owner: Owner) -> Partner:
    return Partner(id=owner.id, name=owner.name)
