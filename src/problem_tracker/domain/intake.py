"""What the customer side tells us: the new report (Start), attribute changes, the result
of Isolate Customer Problem and answers to information requests."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from problem_tracker.domain.commands import (
    Assign,
    ChangeAttributes,
    CompleteIsolation,
    CreateReport,
    ProvideInformation,
)
from problem_tracker.domain.diagnosis import unique_entities
from problem_tracker.domain.events import (
    AttributesChanged,
    InformationReceived,
    IsolationRecorded,
    ReportAcknowledged,
    ReportEvent,
    StatusChanged,
)
from problem_tracker.domain.lifecycle import Trigger, transition
from problem_tracker.domain.report import CustomerProblemReport, Status

_T = TypeVar("_T")
_CHANGEABLE = (
    "description",
    "severity",
    "priority",
    "ticket_type",
    "symptom_code",
    "requested_resolution_date",
    "parties",
    "entities",
)


def acknowledge(command: CreateReport, now: datetime) -> ReportAcknowledged:
    """Start: acknowledge the report as described; the creation date defaults to now."""
    return ReportAcknowledged(
        description=command.description,
        severity=command.severity,
        priority=command.priority,
        creation_date=command.creation_date or now,
        ticket_type=command.ticket_type,
        symptom_code=command.symptom_code,
        requested_resolution_date=command.requested_resolution_date,
        parties=command.parties,
        entities=unique_entities(command.entities),
        notes=command.notes,
        assignee=command.assignee,
    )


def announce_acknowledged(_: CustomerProblemReport) -> list[ReportEvent]:
    """The first status change of every report."""
    return [StatusChanged(from_status=None, to_status=Status.ACKNOWLEDGED)]


def change_attributes(state: CustomerProblemReport, command: ChangeAttributes) -> list[ReportEvent]:
    """Only what really changed is recorded; an empty change produces nothing.

    Entities changed here are recorded, not delegated: what gets delegated follows from
    create and from Isolate Customer Problem. A new symptom code is checked against the
    known errors by the decider (``known_errors.check_new_symptom``).
    """
    entities = None if command.entities is None else unique_entities(command.entities)
    change = AttributesChanged(
        changed=(),
        description=_new(command.description, state.description),
        severity=_new(command.severity, state.severity),
        priority=_new(command.priority, state.priority),
        ticket_type=_new(command.ticket_type, state.ticket_type),
        symptom_code=_new(command.symptom_code, state.symptom_code),
        requested_resolution_date=_new(
            command.requested_resolution_date, state.requested_resolution_date
        ),
        parties=_new(command.parties, state.parties),
        entities=_new(entities, state.entities),
        notes=command.notes,
        assignee=_new(command.assignee, state.assignee),
    )
    names = [name for name in (*_CHANGEABLE, "assignee") if getattr(change, name) is not None]
    if command.notes:
        names.append("notes")
    return [replace(change, changed=tuple(names))] if names else []


def assign(state: CustomerProblemReport, command: Assign) -> list[ReportEvent]:
    """The report has a new assignee (or the same one in a new role); the same again
    changes nothing."""
    if (command.assignee, command.role) == (state.assignee, state.assignee_role):
        return []
    return [
        AttributesChanged(
            changed=("assignee", "assignee_role"),
            assignee=command.assignee,
            assignee_role=command.role,
        )
    ]


def record_isolation(state: CustomerProblemReport, command: CompleteIsolation) -> list[ReportEvent]:
    """Isolation adds the entities it found (once each) and the root cause; it answers a
    pending question about what is affected."""
    known = {entity.id for entity in state.entities}
    found = tuple(entity for entity in unique_entities(command.entities) if entity.id not in known)
    recorded = IsolationRecorded(entities=found, root_cause=command.root_cause)
    return [recorded, *transition(state, Trigger.COMPLETE_ISOLATION, "isolation completed")]


def receive_information(
    state: CustomerProblemReport, command: ProvideInformation
) -> list[ReportEvent]:
    received = InformationReceived(notes=command.notes)
    return [received, *transition(state, Trigger.PROVIDE_INFORMATION, "information provided")]


def _new(value: _T | None, current: _T | None) -> _T | None:
    return value if value is not None and value != current else None
