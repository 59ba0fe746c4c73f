"""Jeopardy and Escalate/End Customer Problem on the report: thresholds, breach and ladder,
customer updates, failed delegations, partner OLAs, forecasts, and the end."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from jeopardy_builders import T0, H, M, Timeline, signals, sla_context

from builders import REPORT_ID, a_note, a_resource, a_service, next_event_id, partner_owner
from problem_tracker.domain.commands import Cancel, ChangeAttributes, Close, UpdateDelegatedWork
from problem_tracker.domain.events import (
    DelegatedWorkFailed,
    EscalationEnded,
    EscalationRaised,
    JeopardyRaised,
    ReportEvent,
)
from problem_tracker.domain.report import (
    DelegatedStatus,
    Owner,
    OwnerRole,
    ProgressUpdate,
    Severity,
    Status,
)
from problem_tracker.domain.sla.jeopardy import JeopardyCause, JeopardyLevel
from problem_tracker.domain.sla.ladder import EscalationReason
from problem_tracker.domain.sla.policy import EscalationKind
from problem_tracker.domain.timekeeping import next_deadline

REQUEST = f"SPR-{REPORT_ID}-1"
ACME = {"res-1": Owner(id="acme", role=OwnerRole.PARTNER)}
"""A partner without an OLA of its own: the default, 8 hours."""
PARTNER_1 = {"res-1": partner_owner()}
"""A partner with a 2 hour OLA, escalated to partner-1-manager."""


def _update(
    status: DelegatedStatus,
    expected: datetime | None = None,
    request_id: str = REQUEST,
    partner_id: str = "acme",
) -> UpdateDelegatedWork:
    return UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=request_id,
        partner_id=partner_id,
        update=ProgressUpdate(status=status, expected_resolution_date=expected),
    )


def _calls(events: Sequence[ReportEvent]) -> list[tuple[int, str, EscalationReason, int | None]]:
    return [
        (e.level, e.target, e.reason, e.ladder_step)
        for e in events
        if isinstance(e, EscalationRaised)
    ]


def _jeopardies(events: Sequence[ReportEvent]) -> list[tuple[int | None, JeopardyLevel]]:
    return [(e.threshold_percent, e.level) for e in events if isinstance(e, JeopardyRaised)]


def _with_service() -> Timeline:
    timeline = Timeline()
    timeline.create(entities=(a_service(),))
    return timeline


def test_each_threshold_warns_once_then_puts_the_report_in_jeopardy() -> None:
    timeline = _with_service()

    (warning,) = timeline.tick()
    (jeopardy,) = timeline.tick()

    assert isinstance(warning, JeopardyRaised)
    assert (warning.occurred_at, warning.cause) == (T0 + 4 * H, JeopardyCause.THRESHOLD)
    assert (warning.threshold_percent, warning.level) == (50, JeopardyLevel.WARNING)
    assert (warning.percent_elapsed, warning.due_at) == (50.0, T0 + 8 * H)
    assert _jeopardies([jeopardy]) == [(75, JeopardyLevel.JEOPARDY)]
    assert timeline.sla.jeopardy is JeopardyLevel.JEOPARDY


def test_the_breach_calls_the_first_level_and_the_ladder_climbs_with_time() -> None:
    timeline = _with_service()
    timeline.ticks_until(T0 + 6 * H)

    at_breach = timeline.tick()
    climbed = timeline.ticks_until(T0 + 19 * H)

    assert _jeopardies(at_breach) == [(100, JeopardyLevel.BREACHED)]
    assert _calls(at_breach) == [(1, "second-line", EscalationReason.SLA_BREACHED, 1)]
    assert [(c[0], c[1], c[3]) for c in _calls(climbed)] == [
        (2, "duty-manager", 2),  # 1 h after the breach
        (3, "head-of-operations", 3),  # 2 h later
        (3, "head-of-operations", 4),  # the top level again, every 4 h
        (3, "head-of-operations", 5),
    ]
    assert timeline.sla.jeopardy is JeopardyLevel.BREACHED
    assert timeline.sla.clock.escalation_level == 3


def test_a_late_tick_signals_everything_it_missed_once() -> None:
    timeline = _with_service()

    events = timeline.tick(late=12 * H)  # due at 4 h, arrives at 16 h: 8 h past the breach

    assert _jeopardies(events) == [
        (50, JeopardyLevel.WARNING),
        (75, JeopardyLevel.JEOPARDY),
        (100, JeopardyLevel.BREACHED),
    ]
    assert [(c[0], c[3]) for c in _calls(events)] == [(1, 1), (2, 2), (3, 4)]
    assert next_deadline(timeline.report) == T0 + 19 * H


def test_a_report_without_customer_updates_escalates_to_the_service_desk_once() -> None:
    timeline = Timeline()
    timeline.create(entities=(a_service(),), ticket_type="request")  # an update every hour
    partner_news = UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id="STR-svc-1-1",
        update=ProgressUpdate(
            status=DelegatedStatus.IN_PROGRESS, note="the customer does not see this"
        ),
    )
    timeline.send(partner_news, T0 + 30 * M)

    events = timeline.tick()

    assert events[0].occurred_at == T0 + H
    assert _calls(events) == [
        (1, "service-desk-lead", EscalationReason.CUSTOMER_UPDATE_OVERDUE, None)
    ]
    assert (timeline.sla.jeopardy, timeline.sla.clock.escalation_level) == (JeopardyLevel.NONE, 1)
    assert next_deadline(timeline.report) == T0 + 4 * H


def test_a_notification_to_the_customer_restarts_the_update_interval() -> None:
    timeline = Timeline()
    timeline.create(entities=(a_service(),), ticket_type="request")
    timeline.tick()
    timeline.send(
        ChangeAttributes(event_id=next_event_id(), report_id=REPORT_ID, notes=(a_note(),)),
        T0 + 90 * M,
    )

    assert next_deadline(timeline.report) == T0 + 150 * M
    assert _calls(timeline.tick())[0][2] is EscalationReason.CUSTOMER_UPDATE_OVERDUE


def test_a_rejected_delegated_report_escalates_functionally_at_once() -> None:
    timeline = Timeline(context=sla_context(ACME))
    timeline.create(entities=(a_resource(),))

    events = timeline.send(_update(DelegatedStatus.REJECTED), T0 + H)
    again = timeline.send(_update(DelegatedStatus.REJECTED), T0 + 2 * H)

    failed = next(e for e in events if isinstance(e, DelegatedWorkFailed))
    (call,) = [e for e in events if isinstance(e, EscalationRaised)]
    assert events.index(failed) < events.index(call)
    assert (call.level, call.kind, call.target) == (
        1,
        EscalationKind.FUNCTIONAL,
        "service-desk-lead",
    )
    assert (call.reason, call.request_id) == (EscalationReason.DELEGATION_REJECTED, REQUEST)
    assert signals(again) == []


def test_a_cancelled_delegated_report_escalates_with_the_level_the_report_is_on() -> None:
    timeline = Timeline(context=sla_context(ACME))
    timeline.create(entities=(a_resource(),))
    timeline.ticks_until(T0 + 8 * H)  # breached, level 1

    events = timeline.send(_update(DelegatedStatus.CANCELLED), T0 + 8 * H + 30 * M)

    assert _calls(events) == [(1, "service-desk-lead", EscalationReason.DELEGATION_CANCELLED, None)]


def test_a_partner_past_its_ola_is_escalated_to_its_manager_and_puts_the_report_at_risk() -> None:
    timeline = Timeline(context=sla_context(PARTNER_1))
    timeline.create(entities=(a_resource(),))

    assert next_deadline(timeline.report) == T0 + 2 * H
    events = timeline.tick()

    jeopardy, call = events
    assert isinstance(jeopardy, JeopardyRaised)
    assert (jeopardy.cause, jeopardy.level) == (
        JeopardyCause.PARTNER_OLA_OVERDUE,
        JeopardyLevel.JEOPARDY,
    )
    assert (jeopardy.threshold_percent, jeopardy.percent_elapsed) == (None, 25.0)
    assert isinstance(call, EscalationRaised)
    assert (call.target, call.reason, call.request_id) == (
        "partner-1-manager",
        EscalationReason.PARTNER_OLA_OVERDUE,
        REQUEST,
    )
    assert timeline.sla.jeopardy is JeopardyLevel.JEOPARDY
    assert next_deadline(timeline.report) == T0 + 4 * H


def test_a_partner_that_resolves_in_time_is_no_longer_watched() -> None:
    timeline = Timeline(context=sla_context(PARTNER_1))
    timeline.create(entities=(a_service(), a_resource()))

    timeline.send(_update(DelegatedStatus.RESOLVED, partner_id=partner_owner().id), T0 + H)

    assert timeline.sla.partner_legs == ()
    assert next_deadline(timeline.report) == T0 + 4 * H


def test_a_forecast_beyond_the_due_time_puts_the_report_in_jeopardy_at_once() -> None:
    timeline = Timeline(context=sla_context(ACME))
    timeline.create(entities=(a_resource(),))

    in_time = timeline.send(_update(DelegatedStatus.IN_PROGRESS, T0 + 7 * H), T0 + H)
    late = timeline.send(_update(DelegatedStatus.IN_PROGRESS, T0 + 9 * H), T0 + 2 * H)
    later = timeline.send(_update(DelegatedStatus.IN_PROGRESS, T0 + 10 * H), T0 + 3 * H)

    assert signals(in_time) == []
    (raised,) = signals(late)
    assert isinstance(raised, JeopardyRaised)
    assert (raised.cause, raised.level) == (JeopardyCause.FORECAST, JeopardyLevel.JEOPARDY)
    assert (raised.percent_elapsed, raised.due_at) == (25.0, T0 + 8 * H)
    assert signals(later) == []


def test_resolving_a_report_in_jeopardy_ends_its_escalation_once() -> None:
    timeline = Timeline(context=sla_context(ACME))
    timeline.create(entities=(a_resource(),))
    timeline.tick()

    resolved = timeline.send(_update(DelegatedStatus.RESOLVED), T0 + 5 * H)
    closed = timeline.send(Close(event_id=next_event_id(), report_id=REPORT_ID), T0 + 6 * H)

    ended = resolved[-1]
    assert isinstance(ended, EscalationEnded)
    assert (ended.reason, ended.level) == (Status.RESOLVED, 0)
    assert signals(closed) == []
    assert next_deadline(timeline.report) is None


def test_a_report_never_at_risk_ends_without_an_escalation_end() -> None:
    timeline = Timeline(context=sla_context(ACME))
    timeline.create(entities=(a_resource(),))

    assert signals(timeline.send(_update(DelegatedStatus.RESOLVED), T0 + H)) == []


def test_cancelling_an_escalated_report_ends_its_escalation_at_the_level_reached() -> None:
    timeline = _with_service()
    timeline.ticks_until(T0 + 9 * H)
    cancel = Cancel(event_id=next_event_id(), report_id=REPORT_ID, reason="duplicate")

    events = timeline.send(cancel, T0 + 9 * H + M)

    assert signals(events) == [events[-1]]
    assert isinstance(events[-1], EscalationEnded)
    assert (events[-1].reason, events[-1].level) == (Status.CANCELLED, 2)


def test_a_critical_report_is_signalled_on_its_own_shorter_target() -> None:
    timeline = Timeline()
    timeline.create(entities=(a_service(),), severity=Severity.CRITICAL)

    assert timeline.tick()[0].occurred_at == T0 + H
