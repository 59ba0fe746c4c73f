"""Inbound wire messages → domain commands and reference data: the one place where what
other systems send becomes what Track & Manage Customer Problem (eTOM 1.3.7.3) decides on.

Customer events start, change, hold, cancel, reopen and close a report; Service Problem
Management and partner answers feed Monitor Resolution Update; the compacted reference
topics feed Check Known Error and Coordinate Customer Problem. Wire enums and domain enums
share their values, so enums are mapped by value.
"""

from __future__ import annotations

from problem_tracker.contracts import common, reference
from problem_tracker.contracts.delegated import (
    DelegatedReportUpdate,
    PartnerProblemReportCreateEvent,
    PartnerProblemReportStatusChangeEvent,
    ServiceTroubleReportCreateEvent,
    ServiceTroubleReportStatusChangeEvent,
)
from problem_tracker.contracts.inbound import (
    CustomerProblemCancelRequestEvent,
    CustomerProblemEscalationAcknowledgeEvent,
    CustomerProblemHoldRequestEvent,
    CustomerProblemInformationProvidedEvent,
    CustomerProblemInformationRequestEvent,
    CustomerProblemIsolationCompletedEvent,
    CustomerProblemRedelegateRequestEvent,
    CustomerProblemReopenRequestEvent,
    CustomerProblemReportAssignEvent,
    CustomerProblemReportAttributeValueChangeEvent,
    CustomerProblemReportCloseEvent,
    CustomerProblemReportCreateEvent,
    CustomerProblemResolveRequestEvent,
    CustomerProblemResumeRequestEvent,
    NewReport,
    RedelegateRequest,
    ReportChanges,
)
from problem_tracker.contracts.reference import ComponentOwnershipEvent, KnownErrorEvent
from problem_tracker.domain import commands
from problem_tracker.domain.identity import report_of_partner_request, service_of_request
from problem_tracker.domain.report import (
    DelegatedStatus,
    EntityRef,
    EntityRole,
    KnownError,
    KnownErrorStatus,
    Note,
    Owner,
    OwnerRole,
    Party,
    ProgressUpdate,
    ResolutionCode,
    Severity,
)
from problem_tracker.domain.service_trouble import ApplyServiceTroubleUpdate

CustomerEnvelope = (
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
    | CustomerProblemReportAssignEvent
)
"""Any decoded message of ``customer-problem.events``."""

ServiceTroubleEnvelope = ServiceTroubleReportCreateEvent | ServiceTroubleReportStatusChangeEvent
PartnerProblemEnvelope = PartnerProblemReportCreateEvent | PartnerProblemReportStatusChangeEvent

NOTE_SEPARATOR = "\n"
"""Joins the notes of one delegated update into the single note the report records."""


def customer_command(envelope: CustomerEnvelope) -> commands.ReportCommand:
    """The command one customer event asks of its report (keyed by the report id)."""
    event_id = envelope.event_id
    match envelope:
        case CustomerProblemReportCreateEvent():
            return _create(event_id, envelope.event.customer_problem_report)
        case CustomerProblemReportAttributeValueChangeEvent():
            return _change(event_id, envelope.event.customer_problem_report)
        case CustomerProblemIsolationCompletedEvent():
            found = envelope.event.customer_problem_report
            return commands.CompleteIsolation(
                event_id=event_id,
                report_id=found.id,
                entities=_entities(found.related_entity),
                root_cause=found.root_cause,
            )
        case CustomerProblemInformationProvidedEvent():
            answer = envelope.event.customer_problem_report
            notes = _notes(answer.note)
            return commands.ProvideInformation(event_id=event_id, report_id=answer.id, notes=notes)
        case CustomerProblemResolveRequestEvent():
            cleared = envelope.event.customer_problem_report
            return commands.Resolve(
                event_id=event_id,
                report_id=cleared.id,
                resolution_code=ResolutionCode(cleared.resolution_code.value),
                reason=cleared.status_change_reason,
                keep_delegated_work=cleared.keep_delegated_work,
            )
        case CustomerProblemEscalationAcknowledgeEvent():
            acknowledged = envelope.event.customer_problem_report
            return commands.AcknowledgeEscalation(
                event_id=event_id,
                report_id=acknowledged.id,
                acknowledged_by=acknowledged.acknowledged_by,
                level=acknowledged.level,
            )
        case CustomerProblemRedelegateRequestEvent():
            return _redelegate(event_id, envelope.event.customer_problem_report)
        case CustomerProblemReportAssignEvent():
            assignment = envelope.event.customer_problem_report
            return commands.Assign(
                event_id=event_id,
                report_id=assignment.id,
                assignee=assignment.assignee.id,
                role=assignment.assignee.role,
            )
        case CustomerProblemInformationRequestEvent():
            question = envelope.event.customer_problem_report
            return commands.RequestInformation(
                event_id=event_id,
                report_id=question.id,
                reason=question.status_change_reason,
                respond_by=question.respond_by,
            )
        case _:
            return _status_request(envelope)


def _status_request(
    envelope: CustomerProblemHoldRequestEvent
    | CustomerProblemResumeRequestEvent
    | CustomerProblemCancelRequestEvent
    | CustomerProblemReopenRequestEvent
    | CustomerProblemReportCloseEvent,
) -> commands.ReportCommand:
    """Operator hold/resume, Cancel Customer Problem, the customer's reopen, and Close
    Customer Problem: each may (cancel and reopen must) say why."""
    request = envelope.event.customer_problem_report
    event_id, report_id = envelope.event_id, request.id
    reason = request.status_change_reason
    match envelope:
        case CustomerProblemHoldRequestEvent():
            return commands.Hold(event_id=event_id, report_id=report_id, reason=reason)
        case CustomerProblemResumeRequestEvent():
            return commands.Resume(event_id=event_id, report_id=report_id, reason=reason)
        case CustomerProblemReportCloseEvent():
            return commands.Close(event_id=event_id, report_id=report_id, reason=reason)
        case CustomerProblemCancelRequestEvent():
            required = envelope.event.customer_problem_report.status_change_reason
            return commands.Cancel(event_id=event_id, report_id=report_id, reason=required)
        case CustomerProblemReopenRequestEvent():
            required = envelope.event.customer_problem_report.status_change_reason
            return commands.Reopen(event_id=event_id, report_id=report_id, reason=required)


def _create(event_id: str, new: NewReport) -> commands.CreateReport:
    return commands.CreateReport(
        event_id=event_id,
        report_id=new.id,
        description=new.description,
        severity=Severity(new.severity.value),
        priority=new.priority,
        ticket_type=new.ticket_type,
        symptom_code=new.symptom_code,
        creation_date=new.creation_date,
        requested_resolution_date=new.requested_resolution_date,
        parties=_parties(new.related_party),
        entities=_entities(new.related_entity),
        notes=_notes(new.note),
    )


def _change(event_id: str, changes: ReportChanges) -> commands.ChangeAttributes:
    """Absent fields stay unchanged; notes are appended."""
    return commands.ChangeAttributes(
        event_id=event_id,
        report_id=changes.id,
        description=changes.description,
        severity=None if changes.severity is None else Severity(changes.severity.value),
        priority=changes.priority,
        ticket_type=changes.ticket_type,
        symptom_code=changes.symptom_code,
        requested_resolution_date=changes.requested_resolution_date,
        parties=None if changes.related_party is None else _parties(changes.related_party),
        entities=None if changes.related_entity is None else _entities(changes.related_entity),
        notes=_notes(changes.note or []),
        assignee=changes.assignee,
    )


def _redelegate(event_id: str, request: RedelegateRequest) -> commands.Redelegate:
    partner = request.partner
    entity = request.affected_entity
    return commands.Redelegate(
        event_id=event_id,
        report_id=request.id,
        request_id=request.request_id,
        partner=None
        if partner is None
        else Owner(id=partner.id, role=OwnerRole.PARTNER, name=partner.name),
        entity=None if entity is None else _entities([entity])[0],
    )


def service_trouble_update(envelope: ServiceTroubleEnvelope) -> ApplyServiceTroubleUpdate:
    """Service Problem Management accepted (create) or progressed (status change) our
    request; ``correlationId`` is our request id, the payload id is its own."""
    update = envelope.event.service_trouble_report
    return ApplyServiceTroubleUpdate(
        event_id=envelope.event_id,
        request_id=envelope.correlation_id,
        update=_progress_update(update),
    )


def service_of_update(envelope: ServiceTroubleEnvelope) -> str | None:
    """The service whose shared service trouble owns the answered request (the aggregate
    key), or ``None`` when ``correlationId`` is not one of our request ids."""
    return service_of_request(envelope.correlation_id)


def partner_update(envelope: PartnerProblemEnvelope) -> commands.UpdateDelegatedWork | None:
    """A partner's answer, addressed to the report that made the request; ``None`` when
    ``correlationId`` names no partner request of ours (``unknown-correlation``).
    ``source.id`` names the partner that answers: the report checks it is the one the
    request went to."""
    request_id = envelope.correlation_id
    report_id = report_of_partner_request(request_id)
    if report_id is None:
        return None
    update = envelope.event.partner_problem_report
    return commands.UpdateDelegatedWork(
        event_id=envelope.event_id,
        report_id=report_id,
        request_id=request_id,
        update=_progress_update(update),
        partner_id=None if envelope.source is None else envelope.source.id,
    )


def ownership_entry(envelope: ComponentOwnershipEvent) -> tuple[str, Owner]:
    """Inventory: the entity id and who fixes it (in-house or a partner)."""
    ownership = envelope.event.component_ownership
    return ownership.entity_id, owner(ownership.owner)


def owner(wire: reference.Owner) -> Owner:
    return Owner(id=wire.id, role=OwnerRole(wire.role.value), name=wire.name)


def known_error_entry(envelope: KnownErrorEvent) -> KnownError:
    """One known error of the known error database, as Check Known Error matches it."""
    error = envelope.event.known_error
    service = error.affected_service
    return KnownError(
        id=error.id,
        symptom_code=error.symptom_code,
        workaround=error.workaround,
        affected_service=None if service is None else _affected_service(service),
        status=KnownErrorStatus(error.status.value),
    )


def _affected_service(ref: common.EntityRef) -> EntityRef:
    return EntityRef(
        id=ref.id,
        referred_type=ref.referred_type,
        role=EntityRole.AFFECTED_SERVICE,
        name=ref.name,
    )


def _parties(parties: list[common.RelatedParty]) -> tuple[Party, ...]:
    return tuple(
        Party(role=party.role, id=party.id, name=party.name, segment=party.segment)
        for party in parties
    )


def _entities(entities: list[common.RelatedEntity]) -> tuple[EntityRef, ...]:
    return tuple(
        EntityRef(
            id=entity.id,
            referred_type=entity.referred_type,
            role=EntityRole(entity.role.value),
            name=entity.name,
        )
        for entity in entities
    )


def _notes(notes: list[common.Note]) -> tuple[Note, ...]:
    return tuple(Note(author=note.author, date=note.date, text=note.text) for note in notes)


def _progress_update(update: DelegatedReportUpdate) -> ProgressUpdate:
    return ProgressUpdate(
        status=DelegatedStatus(update.status.value),
        external_id=update.id,
        expected_resolution_date=update.expected_resolution_date,
        reason=update.status_change_reason,
        note=NOTE_SEPARATOR.join(note.text for note in update.note) or None,
    )


def delegated_command(
    envelope: ServiceTroubleEnvelope | PartnerProblemEnvelope,
) -> tuple[str, ApplyServiceTroubleUpdate] | commands.UpdateDelegatedWork | None:
    """Monitor Resolution Update: an answer from Service Problem Management goes to the
    shared service trouble of its service (with that service id), a partner's to the
    report that asked; ``None`` when ``correlationId`` is not one of our request ids."""
    if isinstance(envelope, PartnerProblemEnvelope):
        return partner_update(envelope)
    service_id = service_of_update(envelope)
    return None if service_id is None else (service_id, service_trouble_update(envelope))
