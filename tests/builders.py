"""Test data builders for domain objects: sensible defaults, override what the test is about."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from problem_tracker.application.process import ReportDecision, handle_report
from problem_tracker.domain.commands import CreateReport, ReportCommand
from problem_tracker.domain.context import DecisionContext, ProcessPolicy, StaticReferenceData
from problem_tracker.domain.events import ReportEvent
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    DelegatedWork,
    DelegationKind,
    EntityRef,
    EntityRole,
    KnownError,
    KnownErrorStatus,
    Note,
    Owner,
    OwnerRole,
    Party,
    Progress,
    Severity,
    Status,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
REPORT_ID = "CPR-1"

_ids = itertools.count(1)


def next_event_id() -> str:
    """A fresh inbound event id (unique within the test session)."""
    return f"evt-{next(_ids)}"


def a_service(entity_id: str = "svc-1", name: str | None = None) -> EntityRef:
    return EntityRef(
        id=entity_id, referred_type="Service", role=EntityRole.AFFECTED_SERVICE, name=name
    )


def a_resource(entity_id: str = "res-1") -> EntityRef:
    return EntityRef(id=entity_id, referred_type="Resource", role=EntityRole.AFFECTED_RESOURCE)


def a_product(entity_id: str = "prd-1") -> EntityRef:
    return EntityRef(id=entity_id, referred_type="Product", role=EntityRole.AFFECTED_PRODUCT)


def a_customer(party_id: str = "cust-1", segment: str | None = "gold") -> Party:
    return Party(role="customer", id=party_id, segment=segment)


def a_note(text: str = "it still does not work", author: str = "customer") -> Note:
    return Note(author=author, date=NOW, text=text)


def internal_owner(owner_id: str = "noc") -> Owner:
    return Owner(id=owner_id, role=OwnerRole.INTERNAL)


def partner_owner(owner_id: str = "partner-1") -> Owner:
    return Owner(id=owner_id, role=OwnerRole.PARTNER, name="Partner One")


def a_known_error(
    error_id: str = "KE-1",
    symptom_code: str = "NO-DIALTONE",
    workaround: str | None = "restart the line card",
    service: EntityRef | None = None,
    status: KnownErrorStatus = KnownErrorStatus.ACTIVE,
) -> KnownError:
    return KnownError(
        id=error_id,
        symptom_code=symptom_code,
        workaround=workaround,
        affected_service=service,
        status=status,
    )


def a_context(
    owners: Mapping[str, Owner] | None = None,
    known_errors: Iterable[KnownError] = (),
    *,
    ask_customer: bool = True,
    default_internal: bool = True,
) -> DecisionContext:
    return DecisionContext(
        reference=StaticReferenceData(owners=dict(owners or {}), known_errors=tuple(known_errors)),
        policy=ProcessPolicy(
            ask_customer_when_no_affected_entity=ask_customer,
            default_internal_owner=default_internal,
        ),
    )


def a_create(
    report_id: str = REPORT_ID,
    entities: Iterable[EntityRef] = (),
    **overrides: Any,
) -> CreateReport:
    values: dict[str, Any] = {
        "event_id": next_event_id(),
        "report_id": report_id,
        "description": "no dial tone since this morning",
        "severity": Severity.MAJOR,
        "priority": 2,
        "ticket_type": "incident",
        "parties": (a_customer(),),
        "entities": tuple(entities),
        **overrides,
    }
    return CreateReport(**values)


def a_report(status: Status = Status.ACKNOWLEDGED, **overrides: Any) -> CustomerProblemReport:
    """A report already in ``status`` (a held one was ``inProgress`` before the hold)."""
    values: dict[str, Any] = {
        "id": REPORT_ID,
        "status": status,
        "description": "no dial tone since this morning",
        "severity": Severity.MAJOR,
        "priority": 2,
        "creation_date": NOW - timedelta(hours=1),
        "status_change_date": NOW - timedelta(minutes=30),
        "parties": (a_customer(),),
        "status_before_hold": Status.IN_PROGRESS if status is Status.HELD else None,
        **overrides,
    }
    return CustomerProblemReport(**values)


def with_progress(work: DelegatedWork, **changes: Any) -> DelegatedWork:
    """``work`` with some of its progress fields changed."""
    return replace(work, progress=replace(work.progress, **changes))


def partner_work(
    request_id: str = f"SPR-{REPORT_ID}-1",
    entity: EntityRef | None = None,
    status: DelegatedStatus = DelegatedStatus.REQUESTED,
    cycle: int = 1,
) -> DelegatedWork:
    return DelegatedWork(
        request_id=request_id,
        kind=DelegationKind.PARTNER_PROBLEM,
        entity=entity or a_resource(),
        partner=partner_owner(),
        cycle=cycle,
        progress=Progress(status=status),
    )


def service_work(
    request_id: str | None = "STR-svc-1-1",
    service: EntityRef | None = None,
    status: DelegatedStatus = DelegatedStatus.ACKNOWLEDGED,
    cycle: int = 1,
) -> DelegatedWork:
    return DelegatedWork(
        request_id=request_id,
        kind=DelegationKind.SERVICE_TROUBLE,
        entity=service or a_service(),
        cycle=cycle,
        progress=Progress(status=status),
    )


def with_command_id(command: ReportCommand, event_id: str) -> ReportCommand:
    return replace(command, event_id=event_id)


def run(
    state: CustomerProblemReport | None,
    *commands: ReportCommand,
    context: DecisionContext | None = None,
    now: datetime = NOW,
) -> tuple[CustomerProblemReport | None, list[ReportEvent]]:
    """Handle the commands in order; the final state and every event produced."""
    events: list[ReportEvent] = []
    for command in commands:
        decision: ReportDecision = handle_report(state, command, now, context or a_context())
        state = decision.state
        events.extend(decision.events)
    return state, events


def kinds(events: Iterable[object]) -> list[str]:
    return [type(event).__name__ for event in events]
