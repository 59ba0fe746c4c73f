"""The report's SLA clock: which rule applies, when the clock runs, re-measuring after a
change, new cycles, and ticks acted on only for the report's current deadline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from jeopardy_builders import (
    OFFICE,
    POLICY,
    STANDARD,
    T0,
    H,
    M,
    Timeline,
    a_rule,
    sla_context,
    tick_for,
)

from builders import (
    REPORT_ID,
    a_context,
    a_create,
    a_customer,
    a_report,
    a_resource,
    a_service,
    next_event_id,
    run,
)
from problem_tracker.application.process import handle_report
from problem_tracker.domain.commands import (
    ChangeAttributes,
    Hold,
    ProvideInformation,
    Reopen,
    Resume,
    UpdateDelegatedWork,
)
from problem_tracker.domain.context import DecisionContext, StaticReferenceData
from problem_tracker.domain.events import DeadlineRescheduled, JeopardyRaised
from problem_tracker.domain.report import (
    DelegatedStatus,
    Owner,
    OwnerRole,
    ProgressUpdate,
    Severity,
    Status,
)
from problem_tracker.domain.sla.builtin import BUILTIN_SLA_POLICY
from problem_tracker.domain.sla.jeopardy import JeopardyLevel
from problem_tracker.domain.sla.policy import SlaPolicy, SlaRule
from problem_tracker.domain.timekeeping import next_deadline, rule_for
from problem_tracker.policy import builtin_policy

SERVICE = (a_service(),)


def _only(rule: SlaRule) -> SlaPolicy:
    return SlaPolicy(rules=(rule,), default_ola=POLICY.default_ola)


def test_without_a_policy_file_reports_are_measured_against_the_builtin_policy() -> None:
    assert DecisionContext(reference=StaticReferenceData()).sla_policy == builtin_policy()
    assert builtin_policy() == BUILTIN_SLA_POLICY

    report, _ = run(None, a_create(entities=SERVICE), context=a_context())

    assert report is not None
    assert report.sla is not None
    assert rule_for(report, BUILTIN_SLA_POLICY).name == "priority-2"


@pytest.mark.parametrize(
    ("attributes", "rule"),
    [
        ({}, "standard"),
        ({"severity": Severity.CRITICAL, "priority": 1}, "gold-critical"),
        ({"severity": Severity.CRITICAL, "parties": (a_customer(segment="silver"),)}, "standard"),
        ({"priority": 1}, "p1-incident"),
        ({"priority": 1, "ticket_type": "complaint"}, "complaint"),
    ],
    ids=["default", "first match wins", "segment", "priority and type", "ticket type"],
)
def test_the_first_rule_matching_priority_severity_segment_and_ticket_type_applies(
    attributes: dict[str, Any], rule: str
) -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE, **attributes)

    assert timeline.rule.name == rule


def test_the_clock_starts_at_create_and_asks_for_a_tick_at_the_first_threshold() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)

    assert (timeline.sla.clock.cycle_start, timeline.sla.due_at) == (T0, T0 + 8 * H)
    assert next_deadline(timeline.report) == T0 + 4 * H


def test_the_rules_calendar_sets_the_due_time() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE, ticket_type="complaint")  # Monday 10:00 in Berlin

    assert timeline.sla.due_at == T0 + 24 * H  # 8 h on Monday, 2 h on Tuesday morning


def test_waiting_on_the_customer_stops_the_clock() -> None:
    timeline = Timeline()
    timeline.create()  # no affected entity: the customer is asked

    assert timeline.report.status is Status.PENDING
    assert (timeline.sla.due_at, next_deadline(timeline.report)) == (None, None)
    timeline.send(
        ProvideInformation(event_id=next_event_id(), report_id=REPORT_ID, notes=()), T0 + 2 * H
    )
    assert timeline.sla.due_at == T0 + 10 * H


def test_a_hold_stops_the_clock_when_the_rule_says_so() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)
    timeline.send(Hold(event_id=next_event_id(), report_id=REPORT_ID), T0 + H)

    assert next_deadline(timeline.report) is None
    timeline.send(Resume(event_id=next_event_id(), report_id=REPORT_ID), T0 + 3 * H)
    assert timeline.sla.due_at == T0 + 10 * H
    assert next_deadline(timeline.report) == T0 + 6 * H


def test_a_hold_leaves_the_clock_running_when_the_rule_says_so() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE, severity=Severity.CRITICAL)
    timeline.send(Hold(event_id=next_event_id(), report_id=REPORT_ID), T0 + 30 * M)

    assert timeline.report.status is Status.HELD
    assert (timeline.sla.due_at, next_deadline(timeline.report)) == (T0 + 2 * H, T0 + H)


def test_a_priority_change_applies_the_new_target_from_the_start_of_the_cycle() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)

    events = timeline.send(
        ChangeAttributes(event_id=next_event_id(), report_id=REPORT_ID, priority=1),
        T0 + 4 * H + 30 * M,
    )

    assert timeline.rule.name == "p1-incident"
    assert timeline.sla.due_at == T0 + 4 * H
    raised = [e for e in events if isinstance(e, JeopardyRaised)]
    assert [(e.threshold_percent, e.percent_elapsed) for e in raised] == [
        (50, 112.5),
        (75, 112.5),
        (100, 112.5),
    ]


def test_a_segment_change_selects_another_rule_and_what_was_signalled_stays() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE, severity=Severity.CRITICAL)
    timeline.tick()  # 50 % of gold-critical's 2 hours

    silver = (a_customer(segment="silver"),)
    events = timeline.send(
        ChangeAttributes(event_id=next_event_id(), report_id=REPORT_ID, parties=silver), T0 + 90 * M
    )

    assert timeline.rule.name == "standard"
    assert timeline.sla.clock.thresholds_fired == (50,)
    assert not [e for e in events if isinstance(e, JeopardyRaised)]
    assert next_deadline(timeline.report) == T0 + 6 * H


def test_a_reopened_report_starts_a_new_cycle_with_a_fresh_clock() -> None:
    timeline = Timeline(context=sla_context({"res-1": Owner(id="acme", role=OwnerRole.PARTNER)}))
    timeline.create(entities=(a_resource(),))
    timeline.tick()  # 50 %
    resolved = UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=f"SPR-{REPORT_ID}-1",
        partner_id="acme",
        update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
    )
    timeline.send(resolved, T0 + 5 * H)
    assert timeline.sla.stopped

    timeline.send(
        Reopen(event_id=next_event_id(), report_id=REPORT_ID, reason="still no dial tone"),
        T0 + 6 * H,
    )

    clock = timeline.sla.clock
    assert (clock.cycle, clock.cycle_start, clock.thresholds_fired) == (2, T0 + 6 * H, ())
    assert timeline.sla.jeopardy is JeopardyLevel.NONE
    assert timeline.sla.due_at == T0 + 14 * H
    assert next_deadline(timeline.report) == T0 + 10 * H


def test_a_report_stored_before_slas_were_tracked_starts_one_when_reopened() -> None:
    legacy = a_report(Status.RESOLVED)
    context = sla_context()

    held = handle_report(
        a_report(Status.IN_PROGRESS),
        Hold(event_id=next_event_id(), report_id=REPORT_ID),
        T0,
        context,
    ).state
    reopened = handle_report(
        legacy,
        Reopen(event_id=next_event_id(), report_id=REPORT_ID, reason="still broken"),
        T0,
        context,
    ).state

    assert held is not None
    assert held.sla is None
    assert reopened is not None
    assert reopened.sla is not None
    assert (reopened.sla.clock.cycle, reopened.sla.clock.cycle_start) == (2, T0)


def test_a_tick_for_a_deadline_the_report_no_longer_has_does_nothing() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)

    assert timeline.send(tick_for(T0 + 3 * H), T0 + 5 * H) == []
    assert next_deadline(timeline.report) == T0 + 4 * H


def test_a_tick_before_its_deadline_does_nothing() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)

    assert timeline.send(tick_for(T0 + 4 * H), T0 + 4 * H - timedelta(seconds=1)) == []


def test_a_tick_sent_twice_acts_once() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)
    tick = tick_for(T0 + 4 * H)

    assert timeline.send(tick, T0 + 4 * H)
    again = handle_report(timeline.report, tick, T0 + 4 * H, timeline.context)
    late = timeline.send(tick_for(T0 + 4 * H), T0 + 5 * H)

    assert again.duplicate
    assert late == []


def test_deadlines_are_rounded_up_to_the_tenth_of_a_second() -> None:
    timeline = Timeline()
    timeline.create(at=T0 + timedelta(microseconds=1), entities=SERVICE)

    assert next_deadline(timeline.report) == T0 + 4 * H + timedelta(milliseconds=100)


def test_a_due_tick_under_a_changed_policy_records_the_new_deadline() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)
    slower = a_rule("standard", 16 * H)
    timeline.context = sla_context(policy=_only(slower))

    events = timeline.tick()

    assert [type(e) for e in events] == [DeadlineRescheduled]
    assert next_deadline(timeline.report) == T0 + 8 * H


def test_a_rule_whose_calendar_changed_re_measures_the_cycle_on_the_new_calendar() -> None:
    sunday = T0 - 24 * H
    timeline = Timeline()
    timeline.create(at=sunday, entities=SERVICE)
    timeline.send(Hold(event_id=next_event_id(), report_id=REPORT_ID), sunday + 2 * H)
    office_hours = a_rule("standard", 8 * H, calendar=OFFICE)
    timeline.context = sla_context(policy=_only(office_hours))

    timeline.send(Resume(event_id=next_event_id(), report_id=REPORT_ID), sunday + 3 * H)

    assert timeline.sla.clock.consumed == timedelta(0)  # Sunday is not a working day
    assert timeline.sla.due_at == T0 + 6 * H  # Monday 08:00-16:00 in Berlin


def test_a_rule_the_policy_no_longer_has_gives_way_to_the_rule_matching_now() -> None:
    timeline = Timeline()
    timeline.create(entities=SERVICE)
    renamed = a_rule("everything", STANDARD.targets.resolution * 2)
    timeline.context = sla_context(policy=_only(renamed))

    timeline.tick()

    assert timeline.rule.name == "everything"
    assert next_deadline(timeline.report) == T0 + 8 * H
