"""A mass outage on the real broker: Service Problem Management hears the impact of the
shared service trouble (contract v1.1), a handful of times however many customers call,
and the last update is exact. Customers are an outside producer at its client's defaults;
the worker tells a changed impact 2 s after the first change since its last update."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from pipeline import Pipeline

from problem_tracker.simulate.messages import Topic

pytestmark = pytest.mark.integration

INTERVAL_SECONDS = 2
UPDATE = "UpdateServiceTroubleReportRequest"
CANCEL = "CustomerProblemCancelRequestEvent"
CHANGE = "CustomerProblemReportAttributeValueChangeEvent"


@pytest.fixture(scope="module")
def pipeline(pipeline_factory: Callable[..., Pipeline]) -> Pipeline:
    return pipeline_factory(
        PROBLEM_TRACKER_WORKER__IMPACT_UPDATE_INTERVAL_SECONDS=str(INTERVAL_SECONDS)
    )


def impact_updates(pipeline: Pipeline, request_id: str) -> list[dict[str, Any]]:
    return [
        o.value["event"]["serviceTroubleReport"]
        for o in pipeline.outputs(Topic.SERVICE_TROUBLE_REQUESTS, request_id)
        if o.event_type == UPDATE
    ]


def test_a_flood_of_reports_on_one_service_gives_few_impact_updates_and_the_last_is_exact(
    pipeline: Pipeline,
) -> None:
    service = "svc-outage-1"
    report_ids = [f"CPR-outage-{n}" for n in range(120)]
    urgent = report_ids[70]
    cancelled = set(report_ids[10:15])
    started = time.monotonic()
    for batch in range(12):
        pipeline.send_many(
            pipeline.create_message(
                r,
                services=[service],
                priority=1 if r == urgent else 3,
                severity="critical" if r == urgent else "minor",
            )
            for r in report_ids[batch * 10 : (batch + 1) * 10]
        )
        time.sleep(0.5)
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, service)
    for report_id in sorted(cancelled):
        pipeline.customer(CANCEL, report_id, statusChangeReason="called about another line")
    flood_seconds = time.monotonic() - started
    expected = sorted(set(report_ids) - cancelled)

    def told_exactly() -> bool:
        updates = impact_updates(pipeline, request_id)
        return bool(updates) and updates[-1]["customerProblemReportIds"] == expected

    pipeline.wait_for("the exact impact told", told_exactly, timeout=120)
    pipeline.settle(quiet=INTERVAL_SECONDS + 1.0, timeout=60)

    updates = impact_updates(pipeline, request_id)
    last = updates[-1]
    assert (last["impactCount"], last["priority"], last["severity"]) == (115, 1, "critical")
    assert last["affectedService"]["id"] == service
    elapsed = time.monotonic() - started
    sent = [
        o.value["eventId"] for o in pipeline.outputs(Topic.SERVICE_TROUBLE_REQUESTS, request_id)
    ]
    assert len(set(sent)) == len(sent), "an impact update was sent twice"
    assert len(updates) <= elapsed / INTERVAL_SECONDS + 2, (len(updates), elapsed)
    assert len(updates) < len(report_ids) / 10
    assert len(pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, service)) == 1
    print(f"{len(report_ids)} reports over {flood_seconds:.1f}s: {len(updates)} impact updates")


def test_a_linked_report_raised_to_priority_one_is_told_as_the_new_impact(
    pipeline: Pipeline,
) -> None:
    service = "svc-outage-2"
    for report_id in ("CPR-rerate-1", "CPR-rerate-2"):
        pipeline.create(report_id, services=[service], priority=3, severity="minor")
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, service)
    pipeline.wait_for(
        "both reports told",
        lambda: any(u["impactCount"] == 2 for u in impact_updates(pipeline, request_id)),
        timeout=60,
    )

    pipeline.customer(CHANGE, "CPR-rerate-2", priority=1, severity="major")

    def raised() -> dict[str, Any] | None:
        updates = impact_updates(pipeline, request_id)
        return updates[-1] if updates and updates[-1]["priority"] == 1 else None

    last = pipeline.wait_for("the raised priority told", raised, timeout=60)
    assert (last["impactCount"], last["severity"]) == (2, "major")
    assert last["customerProblemReportIds"] == ["CPR-rerate-1", "CPR-rerate-2"]
