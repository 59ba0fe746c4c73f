"""The customer side of Track & Manage Customer Problem on the real broker: information
requests, isolation results, operator hold and resume, and reopening a resolved report."""

from __future__ import annotations

import pytest
from pipeline import Pipeline, now

from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import HOLD, REOPEN, RESUME, Topic

pytestmark = pytest.mark.integration

INFORMATION_REQUIRED = "CustomerProblemReportInformationRequiredEvent"


def test_a_report_naming_nothing_affected_asks_the_customer_and_proceeds_once_answered(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-info-1")
    pipeline.wait_status("CPR-info-1", "pending")
    asked = pipeline.wait_for(
        "information request", lambda: pipeline.notifications("CPR-info-1", INFORMATION_REQUIRED)
    )
    assert asked[0].report["status"] == "pending"
    assert asked[0].report["statusChangeReason"] == "no affected service, product or resource named"

    answer = messages.information_provided(
        pipeline.event_id(), now(), "CPR-info-1", "It is the fibre line at home"
    )
    pipeline.send(answer)

    assert pipeline.wait_status("CPR-info-1", "inProgress") == [
        "acknowledged",
        "pending",
        "inProgress",
    ]
    notes = pipeline.latest_snapshot("CPR-info-1")["note"]
    assert [note["text"] for note in notes] == ["It is the fibre line at home"]


def test_isolation_naming_the_faulty_service_takes_a_pending_report_to_its_service_trouble(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-iso-1")
    pipeline.wait_status("CPR-iso-1", "pending")
    entity = {"role": "affectedService", "id": "svc-iso-1", "referredType": "Service"}
    isolated = messages.isolation_completed(
        pipeline.event_id(), now(), "CPR-iso-1", [entity], "broken splitter"
    )
    pipeline.send(isolated)

    assert pipeline.wait_status("CPR-iso-1", "inProgress") == [
        "acknowledged",
        "pending",
        "inProgress",
    ]
    request = pipeline.wait_for(
        "service trouble request",
        lambda: pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, "svc-iso-1"),
    )[0]
    assert request["customerProblemReportIds"] == ["CPR-iso-1"]
    snapshot = pipeline.latest_snapshot("CPR-iso-1")
    assert snapshot["rootCause"] == "broken splitter"
    assert [e["id"] for e in snapshot["relatedEntity"]] == ["svc-iso-1"]


def test_a_held_report_resumes_to_the_status_it_was_held_in(pipeline: Pipeline) -> None:
    pipeline.create("CPR-hold-1", services=["svc-hold-1"])
    pipeline.create("CPR-hold-2")
    pipeline.wait_status("CPR-hold-1", "inProgress")
    pipeline.wait_status("CPR-hold-2", "pending")

    for report_id in ("CPR-hold-1", "CPR-hold-2"):
        pipeline.customer(HOLD, report_id, statusChangeReason="customer on holiday")
        pipeline.wait_status(report_id, "held")
        pipeline.customer(RESUME, report_id)

    pipeline.wait_statuses("CPR-hold-1", ["acknowledged", "inProgress", "held", "inProgress"])
    pipeline.wait_statuses("CPR-hold-2", ["acknowledged", "pending", "held", "pending"])
    history = pipeline.latest_snapshot("CPR-hold-1")["statusChangeHistory"]
    assert history[2]["statusChangeReason"] == "customer on holiday"


def test_a_reopened_report_goes_back_to_work_with_a_new_service_trouble_request(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-reopen-1", services=["svc-reopen-1"])
    first = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-reopen-1")
    pipeline.wait_status("CPR-reopen-1", "inProgress")
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, first, "resolved")
    pipeline.wait_status("CPR-reopen-1", "resolved")

    pipeline.customer(REOPEN, "CPR-reopen-1", statusChangeReason="still no dial tone")

    requests = pipeline.wait_for(
        "a second service trouble request",
        lambda: pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, "svc-reopen-1")[1:],
    )
    second = requests[0]["requestId"]
    assert (first, second) == ("STR-svc-reopen-1-1", "STR-svc-reopen-1-2")
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, second, "resolved")

    pipeline.wait_statuses(
        "CPR-reopen-1", ["acknowledged", "inProgress", "resolved", "inProgress", "resolved"]
    )


def test_a_report_whose_work_is_done_while_held_is_resolved_when_resumed(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-hold-3", services=["svc-hold-3"])
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-hold-3")
    pipeline.wait_for(
        "service trouble linked",
        lambda: (pipeline.view("CPR-hold-3") or {}).get("serviceTroubleReport"),
    )
    pipeline.customer(HOLD, "CPR-hold-3", statusChangeReason="customer abroad")
    pipeline.wait_status("CPR-hold-3", "held")
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    pipeline.settle()
    assert pipeline.statuses("CPR-hold-3") == ["acknowledged", "inProgress", "held"]

    pipeline.customer(RESUME, "CPR-hold-3")

    pipeline.wait_statuses(
        "CPR-hold-3", ["acknowledged", "inProgress", "held", "inProgress", "resolved"]
    )
    assert len(pipeline.notifications("CPR-hold-3", "CustomerProblemReportResolvedEvent")) == 1
