"""An operator asks the customer (contract v1.1 ``CustomerProblemInformationRequestEvent``):
the report waits in ``pending`` with its SLA clock stopped, the customer is reminded once
at the rule's interval, and without an answer by ``respondBy`` the rule's
``onNoResponse`` resolves the report (``noFaultFound``) or resumes the work."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jeopardy_builders import POLICY, STANDARD, T0, H, M, Timeline, sla_context

from builders import (
    REPORT_ID,
    a_note,
    a_report,
    a_resource,
    a_service,
    kinds,
    next_event_id,
    partner_owner,
    run,
)
from problem_tracker.domain.commands import Hold, ProvideInformation, RequestInformation, Resume
from problem_tracker.domain.events import (
    CommandRejected,
    InformationRequired,
    RejectionCode,
    ReportResolved,
    ServiceTroubleReleased,
    StatusChanged,
)
from problem_tracker.domain.evolution import evolve
from problem_tracker.domain.information_request import next_information_deadline
from problem_tracker.domain.lifecycle import Trigger, allows
from problem_tracker.domain.report import EntityRef, InformationRequest, ResolutionCode, Status
from problem_tracker.domain.sla.policy import InformationRequestTerms, NoResponseAction
from problem_tracker.domain.timekeeping import next_deadline

QUESTION = "which socket is the router plugged into?"
TERMS = InformationRequestTerms(respond_within=48 * H, remind_after=24 * H)


def _line(terms: InformationRequestTerms = TERMS, entity: EntityRef | None = None) -> Timeline:
    rule = replace(STANDARD, information_request=terms)
    policy = replace(POLICY, rules=(*POLICY.rules[:-1], rule))
    line = Timeline(context=sla_context({"res-1": partner_owner()}, policy=policy))
    line.create(entities=(entity or a_service(),))
    return line


def _ask(respond_by: datetime | None = None) -> RequestInformation:
    return RequestInformation(
        event_id=next_event_id(), report_id=REPORT_ID, reason=QUESTION, respond_by=respond_by
    )


def _answer() -> ProvideInformation:
    return ProvideInformation(event_id=next_event_id(), report_id=REPORT_ID, notes=(a_note(),))


def test_asking_the_customer_makes_the_report_pending_and_stops_the_clock() -> None:
    line = _line()

    events = line.send(_ask(), T0 + H)

    assert kinds(events) == ["StatusChanged", "InformationRequired"]
    changed, asked = events
    assert isinstance(changed, StatusChanged)
    assert (changed.from_status, changed.to_status, changed.reason) == (
        Status.IN_PROGRESS,
        Status.PENDING,
        QUESTION,
    )
    assert isinstance(asked, InformationRequired)
    assert (asked.reason, asked.respond_by, asked.remind_at) == (QUESTION, T0 + 49 * H, T0 + 25 * H)
    assert line.report.information_request == InformationRequest(
        reason=QUESTION, asked_at=T0 + H, respond_by=T0 + 49 * H, remind_at=T0 + 25 * H
    )
    assert not line.sla.clock.running
    assert next_deadline(line.report) == T0 + 25 * H


def test_the_operators_deadline_wins_over_the_rules() -> None:
    line = _line()

    line.send(_ask(respond_by=T0 + 10 * H), T0 + H)

    assert line.report.information_request is not None
    assert line.report.information_request.respond_by == T0 + 10 * H
    assert line.report.information_request.remind_at is None  # the reminder would come after


def test_the_customer_is_reminded_once_then_the_report_resumes_without_an_answer() -> None:
    line = _line()
    line.send(_ask(), T0 + H)

    reminded = line.tick()
    resumed = line.tick()

    assert kinds(reminded) == ["InformationRequired"]
    assert isinstance(reminded[0], InformationRequired)
    assert (reminded[0].reason, reminded[0].reminder, reminded[0].occurred_at) == (
        QUESTION,
        True,
        T0 + 25 * H,
    )
    assert kinds(resumed) == ["StatusChanged"]
    assert isinstance(resumed[0], StatusChanged)
    assert (resumed[0].to_status, resumed[0].occurred_at) == (Status.IN_PROGRESS, T0 + 49 * H)
    assert resumed[0].reason == f"no answer from the customer by {(T0 + 49 * H).isoformat()}"
    assert line.report.information_request is None
    assert line.sla.clock.running


def test_without_an_answer_the_rule_may_resolve_the_report_as_no_fault_found() -> None:
    line = _line(replace(TERMS, on_no_response=NoResponseAction.RESOLVE, remind_after=None))
    line.send(_ask(), T0 + H)

    events = line.tick()

    assert kinds(events)[:3] == ["StatusChanged", "ReportResolved", "ServiceTroubleReleased"]
    resolved = events[1]
    assert isinstance(resolved, ReportResolved)
    assert resolved.resolution_code is ResolutionCode.NO_FAULT_FOUND
    assert isinstance(events[2], ServiceTroubleReleased)
    assert line.report.status is Status.RESOLVED
    assert line.sla.clock.met is True


def test_the_customers_answer_ends_the_question_and_its_timers() -> None:
    line = _line()
    line.send(_ask(), T0 + H)

    events = line.send(_answer(), T0 + 2 * H)

    assert kinds(events) == ["InformationReceived", "StatusChanged"]
    assert line.report.status is Status.IN_PROGRESS
    assert line.report.information_request is None
    assert next_information_deadline(line.report) is None


def test_a_hold_keeps_the_question_but_its_timers_wait_for_the_resume() -> None:
    line = _line()
    line.send(_ask(), T0 + H)
    line.send(Hold(event_id=next_event_id(), report_id=REPORT_ID), T0 + 2 * H)

    assert line.report.information_request is not None
    assert next_information_deadline(line.report) is None

    line.send(Resume(event_id=next_event_id(), report_id=REPORT_ID), T0 + 30 * H)

    assert line.report.status is Status.PENDING
    assert next_information_deadline(line.report) == T0 + 25 * H  # overdue: due at once
    assert kinds(line.tick()) == ["InformationRequired"]


def test_a_partner_overdue_while_the_customer_is_asked_leaves_the_question_alone() -> None:
    line = _line(entity=a_resource())
    line.send(_ask(), T0 + H)

    events = line.tick()  # the partner's 2 hour OLA

    assert events[0].occurred_at == T0 + 2 * H
    assert "InformationRequired" not in kinds(events)
    assert next_information_deadline(line.report) == T0 + 25 * H


def test_without_terms_or_a_deadline_the_question_has_no_timers() -> None:
    line = _line(InformationRequestTerms())

    line.send(_ask(), T0 + H)

    assert line.report.status is Status.PENDING
    assert line.report.information_request is None
    assert next_deadline(line.report) is None


def test_asking_again_replaces_the_earlier_question() -> None:
    line = _line()
    line.send(_ask(), T0 + H)

    events = line.send(_ask(respond_by=T0 + 5 * H), T0 + 2 * H)

    assert kinds(events) == ["InformationRequired"]
    assert line.report.information_request is not None
    assert line.report.information_request.respond_by == T0 + 5 * H

    line.send(_ask(), T0 + 3 * H)
    assert line.report.information_request is not None
    assert line.report.information_request.respond_by == T0 + 51 * H


def test_asking_again_without_timers_clears_the_earlier_ones() -> None:
    line = _line()
    line.send(_ask(), T0 + H)
    line.context = replace(line.context, sla_policy=POLICY)

    line.send(_ask(), T0 + 2 * H)

    assert line.report.information_request is None


def test_a_deadline_that_is_not_in_the_future_is_refused() -> None:
    line = _line()

    events = line.send(_ask(respond_by=T0 + H), T0 + H)

    assert kinds(events) == ["CommandRejected"]
    assert isinstance(events[0], CommandRejected)
    assert events[0].code is RejectionCode.SCHEMA_VIOLATION
    assert line.report.status is Status.IN_PROGRESS


@pytest.mark.parametrize("status", sorted(Status))
def test_the_customer_is_asked_only_while_the_report_is_acknowledged_in_progress_or_pending(
    status: Status,
) -> None:
    fits = status in (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.PENDING)

    after, events = run(a_report(status), _ask())

    assert allows(status, Trigger.REQUEST_INFORMATION) is fits
    assert (kinds(events) != ["CommandRejected"]) is fits
    assert after is not None
    assert (after.status is Status.PENDING) is (fits or status is Status.PENDING)


def test_a_reminder_for_a_question_already_gone_changes_nothing() -> None:
    report = a_report(Status.PENDING)

    assert evolve(report, InformationRequired(reason=QUESTION, reminder=True)) == report


@settings(max_examples=30, deadline=None)
@given(
    respond_hours=st.integers(min_value=2, max_value=200),
    remind_hours=st.integers(min_value=1, max_value=200),
    resolve=st.booleans(),
)
def test_an_unanswered_question_ends_exactly_at_its_deadline_after_at_most_one_reminder(
    respond_hours: int, remind_hours: int, resolve: bool
) -> None:
    action = NoResponseAction.RESOLVE if resolve else NoResponseAction.RESUME
    line = _line(
        InformationRequestTerms(
            respond_within=timedelta(hours=respond_hours),
            remind_after=timedelta(hours=remind_hours),
            on_no_response=action,
        )
    )
    line.send(_ask(), T0 + H)

    events = line.ticks_until(T0 + H + timedelta(hours=respond_hours))

    reminders = [e for e in events if isinstance(e, InformationRequired)]
    assert len(reminders) == (1 if remind_hours < respond_hours else 0)
    assert line.report.status is (Status.RESOLVED if resolve else Status.IN_PROGRESS)
    assert line.report.status_change_date == T0 + H + timedelta(hours=respond_hours)


def test_information_request_terms_must_be_positive() -> None:
    with pytest.raises(ValueError, match="respond within must be positive"):
        InformationRequestTerms(respond_within=timedelta(0))
    with pytest.raises(ValueError, match="remind after must be positive"):
        InformationRequestTerms(remind_after=-M)
