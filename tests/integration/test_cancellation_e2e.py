"""Cancel Customer Problem on the real broker: a cancelled report withdraws its partner
requests at once, while the shared service trouble is withdrawn only with the last report
that needs it."""

from __future__ import annotations

import pytest
from pipeline import Pipeline, now

from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import CANCEL, Topic

pytestmark = pytest.mark.integration


def test_cancelling_reports_withdraws_partner_work_at_once_and_the_shared_trouble_with_the_last(
    pipeline: Pipeline,
) -> None:
    pipeline.own("res-cx-1", "partner-acme", "partner", referred_type="Resource")
    pipeline.create("CPR-cx-1", services=["svc-cx-1"], resources=["res-cx-1"])
    pipeline.create("CPR-cx-2", services=["svc-cx-1"])
    service_request = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-cx-1")
    partner_request = pipeline.wait_request(Topic.PARTNER_PROBLEM_REQUESTS, "res-cx-1")
    pipeline.wait_for(
        "both reports linked",
        lambda: all(_linked(pipeline, r) for r in ("CPR-cx-1", "CPR-cx-2")),
    )

    pipeline.customer(CANCEL, "CPR-cx-1", statusChangeReason="reported on the wrong line")
    pipeline.wait_status("CPR-cx-1", "cancelled")
    pipeline.wait_for(
        "partner request withdrawn",
        lambda: partner_request in pipeline.cancelled_requests(Topic.PARTNER_PROBLEM_REQUESTS),
    )
    pipeline.settle()
    assert service_request not in pipeline.cancelled_requests(Topic.SERVICE_TROUBLE_REQUESTS)
    assert _withdrawal(pipeline, partner_request)["statusChangeReason"] == (
        "reported on the wrong line"
    )

    pipeline.customer(CANCEL, "CPR-cx-2", statusChangeReason="duplicate of another ticket")
    pipeline.wait_status("CPR-cx-2", "cancelled")

    pipeline.wait_for(
        "service trouble withdrawn with the last report",
        lambda: service_request in pipeline.cancelled_requests(Topic.SERVICE_TROUBLE_REQUESTS),
    )
    assert pipeline.statuses("CPR-cx-1") == ["acknowledged", "inProgress", "cancelled"]
    assert pipeline.statuses("CPR-cx-2") == ["acknowledged", "inProgress", "cancelled"]
    assert pipeline.cancelled_requests(Topic.SERVICE_TROUBLE_REQUESTS).count(service_request) == 1


def _linked(pipeline: Pipeline, report_id: str) -> bool:
    return bool((pipeline.view(report_id) or {}).get("serviceTroubleReport"))


def _withdrawal(pipeline: Pipeline, request_id: str) -> dict:
    return next(
        o.value["event"]["partnerProblemReport"]
        for o in pipeline.outputs(Topic.PARTNER_PROBLEM_REQUESTS, request_id)
        if o.event_type == "CancelPartnerProblemReportRequest"
    )


def test_a_report_cancelled_before_its_service_trouble_was_linked_still_withdraws_it(
    pipeline: Pipeline,
) -> None:
    create = pipeline.create_message("CPR-cx-3", services=["svc-cx-3"])
    cancel = messages.status_request(
        pipeline.event_id(), now(), CANCEL, "CPR-cx-3", "customer called back: all fine"
    )
    pipeline.send_many([create, cancel])

    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-cx-3")
    pipeline.wait_for(
        "the service trouble withdrawn",
        lambda: request_id in pipeline.cancelled_requests(Topic.SERVICE_TROUBLE_REQUESTS),
    )
    pipeline.wait_statuses("CPR-cx-3", ["acknowledged", "inProgress", "cancelled"])
    pipeline.settle()
    assert [d for d in pipeline.dead_letters() if d["key"] in {"CPR-cx-3", "svc-cx-3"}] == []
