"""Track & Manage Customer Problem end to end on the real broker, one scenario per test."""

from __future__ import annotations

import pytest
from pipeline import Pipeline

from problem_tracker.simulate.messages import Topic

pytestmark = pytest.mark.integration

ATTRIBUTES_CHANGED = "CustomerProblemReportAttributeValueChangeEvent"


def str_requests(pipeline: Pipeline, service: str) -> list[dict]:
    return [
        o.value
        for o in pipeline.outputs(Topic.SERVICE_TROUBLE_REQUESTS)
        if o.event_type == "CreateServiceTroubleReportRequest"
        and o.value["event"]["serviceTroubleReport"]["affectedService"]["id"] == service
    ]


def test_a_new_report_is_acknowledged_through_kafka(pipeline: Pipeline) -> None:
    pipeline.create("CPR-ack-1", services=["svc-ack-1"])

    statuses = pipeline.wait_status("CPR-ack-1", "acknowledged")

    assert statuses[0] == "acknowledged"


def test_an_internal_fault_is_resolved_when_its_service_trouble_is_then_closed(
    pipeline: Pipeline,
) -> None:
    pipeline.own("svc-int-1", "noc", "internal")
    pipeline.create("CPR-int-1", services=["svc-int-1"])

    request = pipeline.wait_for("STR request", lambda: str_requests(pipeline, "svc-int-1"))[0]
    request_id = request["event"]["serviceTroubleReport"]["requestId"]
    pipeline.wait_status("CPR-int-1", "inProgress")
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "inProgress")
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    pipeline.wait_status("CPR-int-1", "resolved")
    resolved = [
        o
        for o in pipeline.outputs(Topic.NOTIFICATIONS, "CPR-int-1")
        if o.event_type == "CustomerProblemReportResolvedEvent"
    ]
    assert len(resolved) == 1
    pipeline.customer("CustomerProblemReportCloseEvent", "CPR-int-1")

    assert pipeline.wait_status("CPR-int-1", "closed") == [
        "acknowledged",
        "inProgress",
        "resolved",
        "closed",
    ]


def test_a_known_error_is_attached_and_the_report_still_follows_its_service_trouble_to_closed(
    pipeline: Pipeline,
) -> None:
    pipeline.known_error("KE-fibre-1", "SYM-FIBRE-CUT", "use the 4G backup router")
    pipeline.create("CPR-ke-1", services=["svc-ke-1"], symptomCode="SYM-FIBRE-CUT")

    attached = pipeline.wait_for(
        "known error attached",
        lambda: [
            o.report["knownError"]
            for o in pipeline.notifications("CPR-ke-1", ATTRIBUTES_CHANGED)
            if "knownError" in o.report
        ],
    )
    assert attached[0] == {"id": "KE-fibre-1", "workaround": "use the 4G backup router"}
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-ke-1")
    pipeline.wait_status("CPR-ke-1", "inProgress")
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    pipeline.wait_status("CPR-ke-1", "resolved")
    pipeline.customer("CustomerProblemReportCloseEvent", "CPR-ke-1")

    assert pipeline.wait_status("CPR-ke-1", "closed") == [
        "acknowledged",
        "inProgress",
        "resolved",
        "closed",
    ]
    resolved = pipeline.notifications("CPR-ke-1", "CustomerProblemReportResolvedEvent")
    assert [o.report["status"] for o in resolved] == ["resolved"]
    assert pipeline.latest_snapshot("CPR-ke-1")["knownError"]["id"] == "KE-fibre-1"
