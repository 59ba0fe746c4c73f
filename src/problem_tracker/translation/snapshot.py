"""The report as customers and Close Customer Problem see it (eTOM 1.3.7.3): the snapshot
every notification carries, with its SLA view (jeopardy, escalation level, expected
resolution) and the delegated work of the current cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from problem_tracker.contracts import common
from problem_tracker.contracts.outbound import (
    DelegatedWork,
    JeopardyState,
    KnownErrorMatch,
    ReportSnapshot,
    ReportStatus,
    StatusChange,
)
from problem_tracker.domain import report
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegationKind,
    EntityRef,
)
from problem_tracker.domain.resolution import expected_resolution


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaView:
    """What the snapshot says about the resolution target: jeopardy state, escalation
    level and the expected resolution date."""

    jeopardy: JeopardyState = JeopardyState.NONE
    escalation_level: int = 0
    expected_resolution_date: datetime | None = None


def snapshot(state: CustomerProblemReport) -> ReportSnapshot:
    """The whole report as customers and Close Customer Problem see it; delegated work is
    that of the current cycle (a reopened report lists only what it asked for again)."""
    sla = sla_view(state)
    return ReportSnapshot(
        id=state.id,
        description=state.description,
        severity=common.Severity(state.severity.value),
        priority=state.priority,
        ticket_type=state.ticket_type,
        symptom_code=state.symptom_code,
        creation_date=state.creation_date,
        requested_resolution_date=state.requested_resolution_date,
        related_party=[_party(party) for party in state.parties],
        related_entity=[_related_entity(entity) for entity in state.entities],
        note=[_note(note) for note in state.notes],
        assignee=state.assignee,
        assignee_role=state.assignee_role,
        root_cause=state.root_cause,
        status=ReportStatus(state.status.value),
        status_change_date=state.status_change_date,
        status_change_reason=wire_reason(state.status_change_reason),
        status_change_history=[_status_change(change) for change in state.status_history],
        expected_resolution_date=sla.expected_resolution_date,
        jeopardy=sla.jeopardy,
        escalation_level=sla.escalation_level,
        known_error=_known_error(state.known_error),
        resolution_code=_resolution_code(state.resolution_code),
        respond_by=None
        if state.information_request is None
        else state.information_request.respond_by,
        service_trouble_report=_work_of(state, DelegationKind.SERVICE_TROUBLE),
        partner_problem_report=_work_of(state, DelegationKind.PARTNER_PROBLEM),
    )


def sla_view(state: CustomerProblemReport) -> SlaView:
    """The report's jeopardy and escalation level as its SLA last recorded them, and the
    resolution date Monitor Resolution Update commits to (``domain.resolution``)."""
    expected = expected_resolution(state)
    track = state.sla
    if track is None:
        return SlaView(expected_resolution_date=expected)
    return SlaView(
        jeopardy=JeopardyState(track.jeopardy.value),
        escalation_level=track.clock.escalation_level,
        expected_resolution_date=expected,
    )


def _party(party: report.Party) -> common.RelatedParty:
    return common.RelatedParty(role=party.role, id=party.id, name=party.name, segment=party.segment)


def _related_entity(entity: EntityRef) -> common.RelatedEntity:
    return common.RelatedEntity(
        role=common.EntityRole(entity.role.value),
        id=entity.id,
        referred_type=entity.referred_type,
        name=entity.name,
    )


def _note(note: report.Note) -> common.Note:
    return common.Note(author=note.author, date=note.date, text=note.text)


def _status_change(change: report.StatusChange) -> StatusChange:
    return StatusChange(
        status=ReportStatus(change.status.value),
        status_change_date=change.date,
        status_change_reason=wire_reason(change.reason),
    )


def _known_error(match: report.KnownErrorMatch | None) -> KnownErrorMatch | None:
    if match is None:
        return None
    return KnownErrorMatch(id=match.id, workaround=match.workaround)


def _resolution_code(code: report.ResolutionCode | None) -> common.ResolutionCode | None:
    return None if code is None else common.ResolutionCode(code.value)


def _work_of(state: CustomerProblemReport, kind: DelegationKind) -> list[DelegatedWork]:
    """Work not linked to a request yet has no id to show: it appears once linked."""
    return [
        DelegatedWork(
            request_id=work.request_id,
            external_id=work.progress.external_id,
            status=work.progress.status.value,
        )
        for work in state.current_work
        if work.kind is kind and work.request_id is not None
    ]


def wire_reason(text: str | None) -> str | None:
    """The wire refuses blank reasons: a blank one is no reason."""
    return text if text is not None and text.strip() else None
