"""Coordinate Customer Problem towards partners, on the real broker: a partner-owned
component becomes an S/P problem request, and a report with both internal and partner work
is resolved only when both are."""

from __future__ import annotations

import pytest
from pipeline import Pipeline

from problem_tracker.simulate.messages import Topic

pytestmark = pytest.mark.integration


def test_a_partner_owned_component_is_delegated_to_the_partner_and_resolved_by_its_answer(
    pipeline: Pipeline,
) -> None:
    pipeline.own("res-pp-1", "partner-acme", "partner", referred_type="Resource")
    pipeline.create("CPR-pp-1", resources=["res-pp-1"])

    request = pipeline.wait_for(
        "partner request",
        lambda: pipeline.created_requests(Topic.PARTNER_PROBLEM_REQUESTS, "res-pp-1"),
    )[0]
    assert request["requestId"] == "SPR-CPR-pp-1-1"
    assert request["partner"]["id"] == "partner-acme"
    assert request["customerProblemReportIds"] == ["CPR-pp-1"]
    pipeline.wait_status("CPR-pp-1", "inProgress")
    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, request["requestId"], "inProgress")
    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, request["requestId"], "resolved")

    assert pipeline.wait_status("CPR-pp-1", "resolved") == [
        "acknowledged",
        "inProgress",
        "resolved",
    ]
    assert pipeline.latest_snapshot("CPR-pp-1")["partnerProblemReport"] == [
        {"requestId": "SPR-CPR-pp-1-1", "externalId": "ext-SPR-CPR-pp-1-1", "status": "resolved"}
    ]
    assert pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, "res-pp-1") == []


def test_a_report_with_internal_and_partner_work_is_resolved_only_when_both_are(
    pipeline: Pipeline,
) -> None:
    pipeline.own("res-mix-1", "partner-acme", "partner", referred_type="Resource")
    pipeline.own("svc-mix-1", "noc", "internal")
    pipeline.create("CPR-mix-1", services=["svc-mix-1"], resources=["res-mix-1"])
    service_request = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-mix-1")
    partner_request = pipeline.wait_request(Topic.PARTNER_PROBLEM_REQUESTS, "res-mix-1")
    pipeline.wait_for("service trouble linked", lambda: _linked(pipeline, "CPR-mix-1"))

    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, partner_request, "resolved")
    pipeline.wait_for("partner work recorded", lambda: _work_status(pipeline, "CPR-mix-1"))
    assert _work_status(pipeline, "CPR-mix-1") == {
        service_request: "requested",
        partner_request: "resolved",
    }
    assert pipeline.view("CPR-mix-1")["status"] == "inProgress"  # type: ignore[index]

    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, service_request, "resolved")

    assert pipeline.wait_status("CPR-mix-1", "resolved") == [
        "acknowledged",
        "inProgress",
        "resolved",
    ]


def _linked(pipeline: Pipeline, report_id: str) -> bool:
    view = pipeline.view(report_id) or {}
    return bool(view.get("serviceTroubleReport"))


def _work_status(pipeline: Pipeline, report_id: str) -> dict[str, str]:
    """Delegated work of the report's current cycle as the worker holds it, once the
    partner's answer has been applied."""
    view = pipeline.view(report_id) or {}
    work = [*view.get("serviceTroubleReport", []), *view.get("partnerProblemReport", [])]
    statuses = {item["requestId"]: item["status"] for item in work}
    return statuses if "resolved" in statuses.values() else {}
