from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from problem_tracker.simulate.customers import (
    INFORMATION_REQUIRED,
    CustomerSide,
    Due,
    Verdict,
    retry,
)
from problem_tracker.simulate.plans import Action, FollowUp, ReportPlan
from problem_tracker.simulate.scenario import ScenarioGenerator

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _plan(**changes: Any) -> ReportPlan:
    plan = next(ScenarioGenerator(9).plans(1))
    return replace(plan, **changes)


def _side(plan: ReportPlan) -> CustomerSide:
    side = CustomerSide(ScenarioGenerator(9).ids, seed=9)
    side.created(plan, at=100.0)
    return side


def _notification(report_id: str, event_type: str, status: str, event_id: str) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "eventType": event_type,
        "event": {"customerProblemReport": {"id": report_id, "status": status}},
    }


def test_scripted_follow_ups_fall_due_after_the_report_was_created() -> None:
    steps = (FollowUp(0.5, Action.NOTE, "hi"), FollowUp(1.0, Action.CANCEL, "wrong account"))
    plan = _plan(follow_ups=steps)
    side = CustomerSide(ScenarioGenerator(9).ids, seed=9)
    due = side.created(plan, at=100.0)
    assert [(d.at, d.action) for d in due] == [(100.5, Action.NOTE), (101.0, Action.CANCEL)]


def test_a_request_for_information_is_answered_then_isolation_names_the_entities() -> None:
    plan = _plan(names_entities=False)
    side = _side(plan)
    notification = _notification(
        plan.report_id, "CustomerProblemReportInformationRequiredEvent", "pending", "n1"
    )
    answer, isolation = side.observe(notification, at=200.0)
    assert answer.action is Action.PROVIDE_INFORMATION
    assert isolation.action is Action.ISOLATION_COMPLETED
    assert 200.0 < answer.at < isolation.at
    _, message = side.render(isolation, NOW)
    assert message is not None
    entities = message.value["event"]["customerProblemReport"]["relatedEntity"]
    assert entities[0] == {
        "role": "affectedService",
        "id": plan.service.id,
        "referredType": "Service",
        "name": plan.service.name,
    }


def test_a_resolved_report_is_closed() -> None:
    plan = _plan(reopens=False)
    side = _side(plan)
    resolved = _notification(plan.report_id, "CustomerProblemReportResolvedEvent", "resolved", "n")
    (close,) = side.observe(resolved, at=300.0)
    verdict, message = side.render(close, NOW)
    assert verdict is Verdict.SEND
    assert message.value["eventType"] == "CustomerProblemReportCloseEvent"


def test_a_customer_who_rejects_the_resolution_reopens_once_then_closes() -> None:
    plan = _plan(reopens=True)
    side = _side(plan)
    first = _notification(plan.report_id, "CustomerProblemReportResolvedEvent", "resolved", "n1")
    second = _notification(plan.report_id, "CustomerProblemReportResolvedEvent", "resolved", "n2")
    (reopen,) = side.observe(first, at=300.0)
    (close,) = side.observe(second, at=400.0)
    assert reopen.action is Action.REOPEN
    assert close.action is Action.CLOSE
    _, message = side.render(reopen, NOW)
    assert message.value["event"]["customerProblemReport"]["statusChangeReason"]


def test_a_notification_seen_twice_is_acted_on_once() -> None:
    plan = _plan()
    side = _side(plan)
    resolved = _notification(plan.report_id, "CustomerProblemReportResolvedEvent", "resolved", "n")
    assert len(side.observe(resolved, at=1.0)) == 1
    assert side.observe(resolved, at=2.0) == []


def test_notifications_about_other_reports_are_ignored() -> None:
    side = _side(_plan())
    other = _notification("CPR-someone-else", "CustomerProblemReportResolvedEvent", "resolved", "x")
    assert side.observe(other, at=1.0) == []


def test_an_action_the_status_no_longer_allows_is_skipped() -> None:
    plan = _plan()
    side = _side(plan)
    side.observe(_notification(plan.report_id, "X", "resolved", "n"), at=1.0)
    verdict, message = side.render(Due(2.0, plan.report_id, Action.HOLD, "away"), NOW)
    assert verdict is Verdict.SKIP
    assert message is None


def test_with_no_status_known_yet_the_action_is_sent() -> None:
    plan = _plan()
    verdict, message = _side(plan).render(Due(2.0, plan.report_id, Action.AMEND, 1), NOW)
    assert verdict is Verdict.SEND
    assert message.value["event"]["customerProblemReport"] == {"id": plan.report_id, "priority": 1}


def test_a_resume_waits_for_the_hold_to_show_then_gives_up() -> None:
    plan = _plan()
    side = _side(plan)
    side.observe(_notification(plan.report_id, "X", "inProgress", "n"), at=1.0)
    resume = Due(2.0, plan.report_id, Action.RESUME)
    assert side.render(resume, NOW)[0] is Verdict.WAIT
    for attempt in range(20):
        resume = retry(resume, 3.0 + attempt)
    assert side.render(resume, NOW)[0] is Verdict.SKIP


def test_a_report_stays_open_until_seen_closed_or_cancelled() -> None:
    plan = _plan()
    side = _side(plan)
    assert side.open_reports == 1
    side.observe(_notification(plan.report_id, "X", "resolved", "n1"), at=1.0)
    assert side.open_reports == 1
    side.observe(_notification(plan.report_id, "X", "closed", "n2"), at=2.0)
    assert side.open_reports == 0
    assert side.status(plan.report_id) == "closed"


def test_event_ids_of_reactions_are_reproducible() -> None:
    plan = _plan()
    due = Due(1.0, plan.report_id, Action.NOTE, "again")
    first = _side(plan).render(due, NOW)[1]
    again = _side(plan).render(due, NOW)[1]
    assert first.value["eventId"] == again.value["eventId"]


def test_a_notification_without_a_report_snapshot_is_ignored() -> None:
    side = _side(_plan())
    assert side.observe({"eventId": "x", "event": "not a snapshot"}, at=1.0) == []
    assert side.observe({"event": {"customerProblemReport": []}}, at=1.0) == []
    assert side.open_reports == 1


def test_an_operator_assigns_the_report_by_id_and_role() -> None:
    plan = _plan()
    verdict, message = _side(plan).render(
        Due(1.0, plan.report_id, Action.ASSIGN, "anna.schmidt"), NOW
    )
    assert verdict is Verdict.SEND
    assert message.event_type == "CustomerProblemReportAssignEvent"
    assert message.value["event"]["customerProblemReport"]["assignee"] == {
        "id": "anna.schmidt",
        "role": "second-line",
    }


def test_an_operator_asks_only_a_customer_not_already_asked_and_then_the_customer_answers() -> None:
    plan = _plan()
    side = _side(plan)
    ask = Due(1.0, plan.report_id, Action.ASK_CUSTOMER, "When did it last work?")
    side.observe(_notification(plan.report_id, "X", "inProgress", "n1"), at=1.0)
    verdict, message = side.render(ask, NOW)
    assert verdict is Verdict.SEND
    assert message.event_type == "CustomerProblemInformationRequestEvent"

    asked = _notification(plan.report_id, INFORMATION_REQUIRED, "pending", "n2")
    answers = side.observe(asked, at=2.0)

    assert Action.PROVIDE_INFORMATION in [due.action for due in answers]
    assert side.render(ask, NOW)[0] is Verdict.SKIP
