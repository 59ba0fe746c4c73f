"""Jeopardy and escalation events become messages on customer-problem.escalations that
validate against their published schemas; snapshots show the report's SLA."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from translation_samples import wire_document

from builders import (
    REPORT_ID,
    a_context,
    a_create,
    a_report,
    a_resource,
    next_event_id,
    partner_work,
    run,
    with_progress,
)
from problem_tracker.application.process import handle_report
from problem_tracker.contracts.registry import Channel
from problem_tracker.domain.commands import (
    AcknowledgeEscalation,
    Assign,
    Cancel,
    Tick,
    UpdateDelegatedWork,
)
from problem_tracker.domain.events import (
    CUSTOMER_NOTIFICATIONS,
    EscalationAcknowledged,
    EscalationEnded,
    JeopardyRaised,
    ReportEvent,
)
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    Owner,
    OwnerRole,
    ProgressUpdate,
    Status,
)
from problem_tracker.domain.timekeeping import next_deadline
from problem_tracker.translation.from_domain import NOTIFICATIONS, report_messages
from problem_tracker.translation.snapshot import sla_view

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)
REQUEST = f"SPR-{REPORT_ID}-1"
CONTEXT = a_context(owners={"res-1": Owner(id="acme", role=OwnerRole.PARTNER)})
"""The built-in policy: a priority 2 report is due in 8 hours, updates every hour."""


def _tick(state: CustomerProblemReport) -> tuple[CustomerProblemReport, list[ReportEvent]]:
    deadline = next_deadline(state)
    assert deadline is not None
    tick = Tick(event_id=f"tick-{deadline}", report_id=REPORT_ID, deadline=deadline)
    after, events = run(state, tick, context=CONTEXT, now=deadline)
    assert after is not None
    return after, events


def _until(
    state: CustomerProblemReport, until: datetime
) -> tuple[CustomerProblemReport, list[ReportEvent]]:
    events: list[ReportEvent] = []
    while (deadline := next_deadline(state)) is not None and deadline <= until:
        state, more = _tick(state)
        events.extend(more)
    return state, events


def _published(events: list[ReportEvent], state: CustomerProblemReport) -> list[dict[str, Any]]:
    """The escalation messages of ``events``, as checked wire documents."""
    messages = [m for e in events for m in report_messages(e, state)]
    return [wire_document(m) for m in messages if m.channel is Channel.ESCALATIONS]


def _resources(docs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [doc["event"][name] for doc in docs if name in doc["event"]]


def _created() -> CustomerProblemReport:
    state, _ = run(None, a_create(entities=(a_resource(),)), context=CONTEXT, now=T0)
    assert isinstance(state, CustomerProblemReport)
    return state


def _breached() -> tuple[CustomerProblemReport, list[ReportEvent]]:
    return _until(_created(), T0 + 9 * H)


def test_every_customer_notification_restarts_the_customer_update_interval() -> None:
    assert set(CUSTOMER_NOTIFICATIONS) == set(NOTIFICATIONS)


def test_a_jeopardy_is_published_on_the_escalations_topic_keyed_by_report() -> None:
    state, events = _breached()
    warning = next(e for e in events if isinstance(e, JeopardyRaised) and e.threshold_percent == 50)

    (message,) = report_messages(warning, state)
    doc = wire_document(message)

    assert (message.channel, message.key) == (Channel.ESCALATIONS, REPORT_ID)
    assert (doc["eventId"], doc["correlationId"]) == (warning.event_id, REPORT_ID)
    assert doc["eventTime"] == "2026-11-23T13:00:00Z"
    assert doc["event"]["customerProblemJeopardy"] == {
        "customerProblemReportId": REPORT_ID,
        "jeopardy": "warning",
        "thresholdPercent": 50,
        "percentElapsed": 50.0,
        "dueTime": "2026-11-23T17:00:00Z",
        "cause": "threshold",
    }


def test_the_breach_and_each_level_of_the_ladder_are_published() -> None:
    state, events = _breached()
    docs = _published(events, state)

    jeopardies = _resources(docs, "customerProblemJeopardy")
    calls = _resources(docs, "customerProblemEscalation")
    assert (jeopardies[-1]["jeopardy"], jeopardies[-1]["thresholdPercent"]) == ("breached", 100)
    assert [
        (c["level"], c["kind"], c["target"]) for c in calls if c["reason"] == "sla-breached"
    ] == [(1, "functional", "second-line-support"), (2, "hierarchical", "duty-manager")]


def _answer(status: DelegatedStatus, forecast: datetime | None = None) -> UpdateDelegatedWork:
    return UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=REQUEST,
        partner_id="acme",
        update=ProgressUpdate(status=status, expected_resolution_date=forecast),
    )


def test_a_forecast_jeopardy_has_no_threshold_and_a_failure_names_its_request() -> None:
    late = _answer(DelegatedStatus.IN_PROGRESS, T0 + 24 * H)
    rejected = _answer(DelegatedStatus.REJECTED)

    state, events = run(_created(), late, rejected, context=CONTEXT, now=T0 + 30 * M)
    assert state is not None
    docs = _published(events, state)

    (jeopardy,) = _resources(docs, "customerProblemJeopardy")
    (call,) = _resources(docs, "customerProblemEscalation")
    assert jeopardy["cause"] == "forecast"
    assert "thresholdPercent" not in jeopardy
    assert (call["reason"], call["requestId"]) == ("delegated-report-rejected", REQUEST)


def test_an_escalation_names_who_has_the_report() -> None:
    assign = Assign(event_id=next_event_id(), report_id=REPORT_ID, assignee="anna", role="noc")
    rejected = _answer(DelegatedStatus.REJECTED)

    state, events = run(_created(), assign, rejected, context=CONTEXT, now=T0 + 30 * M)
    assert state is not None

    (call,) = _resources(_published(events, state), "customerProblemEscalation")
    assert (call["assignee"], call["assigneeRole"]) == ("anna", "noc")


def test_the_end_of_an_escalation_is_published_with_how_the_report_ended() -> None:
    state, _ = _breached()
    cancel = Cancel(event_id=next_event_id(), report_id=REPORT_ID, reason="duplicate")
    state, events = run(state, cancel, context=CONTEXT, now=T0 + 10 * H)
    assert state is not None
    ended = next(e for e in events if isinstance(e, EscalationEnded))

    (message,) = report_messages(ended, state)

    assert message.channel is Channel.ESCALATIONS
    assert wire_document(message)["event"]["customerProblemEscalationEnd"] == {
        "customerProblemReportId": REPORT_ID,
        "reason": "cancelled",
    }


def test_an_acknowledged_escalation_is_published_keyed_by_report_with_who_and_until() -> None:
    state, _ = _breached()
    acknowledge = AcknowledgeEscalation(
        event_id=next_event_id(), report_id=REPORT_ID, acknowledged_by="anna", level=1
    )
    state, events = run(state, acknowledge, context=CONTEXT, now=T0 + 10 * H)
    assert state is not None
    (acknowledged,) = events
    assert isinstance(acknowledged, EscalationAcknowledged)

    (message,) = report_messages(acknowledged, state)

    assert (message.channel, message.key) == (Channel.ESCALATIONS, REPORT_ID)
    assert wire_document(message)["event"]["customerProblemEscalationAcknowledgement"] == {
        "customerProblemReportId": REPORT_ID,
        "acknowledgedBy": "anna",
        "level": 1,
        "until": "2026-11-23T19:00:00Z",
    }


def test_the_snapshot_shows_the_reports_jeopardy_escalation_level_and_due_time() -> None:
    state, _ = _breached()

    view = sla_view(state)

    assert (view.jeopardy.value, view.escalation_level) == ("breached", 2)
    assert view.expected_resolution_date == T0 + 8 * H


@pytest.mark.parametrize(
    ("forecast", "expected"),
    [(T0 + 5 * H, T0 + 8 * H), (T0 + 11 * H, T0 + 11 * H)],
    ids=["forecast before the due time", "forecast after it"],
)
def test_the_expected_resolution_is_the_due_time_unless_the_work_forecasts_later(
    forecast: datetime, expected: datetime
) -> None:
    state = _created()
    work = with_progress(state.delegated[0], expected_resolution_date=forecast)

    assert sla_view(replace(state, delegated=(work,))).expected_resolution_date == expected


def test_a_report_without_sla_shows_the_forecast_only() -> None:
    work = with_progress(partner_work(), expected_resolution_date=T0 + 5 * H)

    view = sla_view(a_report(Status.IN_PROGRESS, delegated=(work,)))

    assert (view.jeopardy.value, view.escalation_level) == ("none", 0)
    assert view.expected_resolution_date == T0 + 5 * H


def test_an_overdue_customer_update_is_published_as_a_functional_escalation() -> None:
    state, events = _tick(_created())  # an hour without an update: the service desk is called
    messages = [m for e in events for m in report_messages(e, state)]

    assert [m.channel for m in messages] == [Channel.ESCALATIONS]
    call = wire_document(messages[0])["event"]["customerProblemEscalation"]
    assert (call["level"], call["kind"], call["target"], call["reason"]) == (
        1,
        "functional",
        "service-desk-lead",
        "customer-update-overdue",
    )


def test_notifications_carry_the_due_time_from_the_first_one_on() -> None:
    decision = handle_report(None, a_create(entities=(a_resource(),)), T0, CONTEXT)
    notified = [
        wire_document(message)["event"]["customerProblemReport"]
        for event, state in decision.steps()
        for message in report_messages(event, state)
        if message.channel is Channel.NOTIFICATIONS
    ]

    assert notified
    assert {(r["expectedResolutionDate"], r["jeopardy"]) for r in notified} == {
        ("2026-11-23T17:00:00Z", "none")
    }
