"""One faulty service, many customers: Coordinate Customer Problem opens a single service
trouble report for all of them, and its resolution resolves every report, on the real
broker."""

from __future__ import annotations

import pytest
from pipeline import Pipeline

from problem_tracker.simulate.messages import Topic

pytestmark = pytest.mark.integration

CUSTOMERS = 50


def test_fifty_reports_on_one_faulty_service_share_one_service_trouble_and_all_resolve_with_it(
    pipeline: Pipeline,
) -> None:
    report_ids = [f"CPR-shared-{n}" for n in range(CUSTOMERS)]
    pipeline.send_many(pipeline.create_message(r, services=["svc-shared-1"]) for r in report_ids)

    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-shared-1")
    pipeline.wait_for(
        "every report linked to the service trouble",
        lambda: all(_linked_to(pipeline, r) == request_id for r in report_ids),
        timeout=90,
    )
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "inProgress")
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")

    pipeline.wait_for(
        "every report resolved",
        lambda: all("resolved" in pipeline.statuses(r) for r in report_ids),
        timeout=90,
    )
    assert len(pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, "svc-shared-1")) == 1
    resolved = [
        o.key
        for r in report_ids
        for o in pipeline.notifications(r, "CustomerProblemReportResolvedEvent")
    ]
    assert sorted(resolved) == sorted(report_ids)


def _linked_to(pipeline: Pipeline, report_id: str) -> str | None:
    view = pipeline.view(report_id) or {}
    work = view.get("serviceTroubleReport", [])
    return work[0]["requestId"] if work else None


def test_a_report_arriving_while_the_service_trouble_is_worked_on_joins_it(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-late-1", services=["svc-late-1"])
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-late-1")
    pipeline.wait_for("first report linked", lambda: _linked_to(pipeline, "CPR-late-1"))
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "inProgress")
    pipeline.wait_for(
        "work in progress",
        lambda: _work(pipeline, "CPR-late-1").get("status") == "inProgress",
    )

    pipeline.create("CPR-late-2", services=["svc-late-1"])

    pipeline.wait_for("late report linked", lambda: _linked_to(pipeline, "CPR-late-2"))
    assert _work(pipeline, "CPR-late-2") == {
        "requestId": request_id,
        "externalId": f"ext-{request_id}",
        "status": "inProgress",
    }
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    pipeline.wait_status("CPR-late-1", "resolved")
    pipeline.wait_status("CPR-late-2", "resolved")
    assert len(pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, "svc-late-1")) == 1


def _work(pipeline: Pipeline, report_id: str) -> dict:
    view = pipeline.view(report_id) or {}
    work = view.get("serviceTroubleReport", [])
    return dict(work[0]) if work else {}
