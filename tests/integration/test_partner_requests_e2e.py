"""Partner requests like MEF 124 on the real broker (contract v1.1), with an outside
partner and customer producing at their client's defaults and a second-scale partner OLA:
the request asks for the OLA's due time, a new priority and the customer's notes are
passed on, an overdue partner is called along a bounded partner ladder, its OLA clock
stands still while it is pending on us, and a reopen or close is confirmed on the
partner's own report instead of a new request."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from pipeline import Pipeline, now

from problem_tracker.simulate.messages import CLOSE, REOPEN, Topic

pytestmark = pytest.mark.integration

CHANGE = "CustomerProblemReportAttributeValueChangeEvent"
ESCALATION = "CustomerProblemEscalationEvent"
OLA_SECONDS = 3
POLICY = f"""
version: 1
escalationLadders:
  quiet:
    levels:
      - {{kind: functional, target: tier-2-support}}
    delegationFailure: {{target: service-desk-lead}}
partners:
  escalateTo: partner-manager
  ladder:
    - {{target: supplier-director, after: 1s}}
    - {{target: vendor-executive, after: 1s, repeatAfter: 1s, maxRepeats: 1}}
  default: {{resolution: {OLA_SECONDS}s}}
rules:
  - name: slow-default
    targets: {{resolution: 1h}}
    escalation: quiet
"""
LADDER = ["partner-manager", "supplier-director", "vendor-executive", "vendor-executive"]


@pytest.fixture(scope="module")
def pipeline(
    pipeline_factory: Callable[..., Pipeline], tmp_path_factory: pytest.TempPathFactory
) -> Pipeline:
    policy = tmp_path_factory.mktemp("policy") / "partners.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    return pipeline_factory(PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE=str(policy))


def partner_requests(pipeline: Pipeline, request_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(o.event_type), o.value["event"]["partnerProblemReport"])
        for o in pipeline.outputs(Topic.PARTNER_PROBLEM_REQUESTS, request_id)
    ]


def partner_calls(pipeline: Pipeline, report_id: str) -> list[str]:
    return [
        o.value["event"]["customerProblemEscalation"]["target"]
        for o in pipeline.outputs(Topic.ESCALATIONS, report_id)
        if o.event_type == ESCALATION
        and o.value["event"]["customerProblemEscalation"]["reason"] == "partner-ola-overdue"
    ]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_partner_is_held_to_its_ola_told_of_changes_and_called_along_a_bounded_ladder(
    pipeline: Pipeline,
) -> None:
    pipeline.own("res-mef-1", "partner-acme", "partner", referred_type="Resource")
    asked_at = now()
    pipeline.create(
        "CPR-mef-1", resources=["res-mef-1"], requestedResolutionDate="2030-01-01T00:00:00Z"
    )
    request_id = pipeline.wait_request(Topic.PARTNER_PROBLEM_REQUESTS, "res-mef-1")
    (created,) = pipeline.created_requests(Topic.PARTNER_PROBLEM_REQUESTS, "res-mef-1")
    due = _at(created["requestedResolutionDate"])
    assert 0 < (due - asked_at).total_seconds() < OLA_SECONDS + 5

    pipeline.customer(
        CHANGE,
        "CPR-mef-1",
        priority=1,
        note=[{"author": "customer", "date": "2026-12-01T10:00:00Z", "text": "fails at night"}],
    )
    update = pipeline.wait_for(
        "the partner told of the new priority",
        lambda: [r for t, r in partner_requests(pipeline, request_id) if t.startswith("Update")],
    )[0]
    assert (update["priority"], update["note"][0]["text"]) == (1, "fails at night")

    pipeline.wait_for(
        "the whole partner ladder called",
        lambda: partner_calls(pipeline, "CPR-mef-1") == LADDER,
        timeout=60,
    )
    time.sleep(3)
    assert partner_calls(pipeline, "CPR-mef-1") == LADDER


def test_a_partner_pending_on_us_is_not_called_until_it_goes_on(pipeline: Pipeline) -> None:
    pipeline.own("res-mef-2", "partner-acme", "partner", referred_type="Resource")
    pipeline.create("CPR-mef-2", resources=["res-mef-2"])
    request_id = pipeline.wait_request(Topic.PARTNER_PROBLEM_REQUESTS, "res-mef-2")
    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, request_id, "pending")
    pipeline.wait_for(
        "the partner's pending recorded",
        lambda: _partner_status(pipeline, "CPR-mef-2") == "pending",
    )

    time.sleep(OLA_SECONDS + 3)
    assert partner_calls(pipeline, "CPR-mef-2") == []

    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, request_id, "inProgress")
    pipeline.wait_for(
        "the partner manager called once the partner went on",
        lambda: partner_calls(pipeline, "CPR-mef-2")[:1] == ["partner-manager"],
        timeout=30,
    )


def test_a_reopen_and_a_close_are_confirmed_on_the_partners_own_report(pipeline: Pipeline) -> None:
    pipeline.own("res-mef-3", "partner-acme", "partner", referred_type="Resource")
    pipeline.create("CPR-mef-3", resources=["res-mef-3"])
    request_id = pipeline.wait_request(Topic.PARTNER_PROBLEM_REQUESTS, "res-mef-3")
    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, request_id, "resolved")
    pipeline.wait_status("CPR-mef-3", "resolved")

    pipeline.customer(REOPEN, "CPR-mef-3", statusChangeReason="still no dial tone")
    reopened = pipeline.wait_for(
        "the partner's report reopened",
        lambda: [r for t, r in partner_requests(pipeline, request_id) if t.startswith("Reopen")],
    )[0]
    assert reopened["statusChangeReason"] == "still no dial tone"
    assert reopened["externalId"] == f"ext-{request_id}"
    assert "requestedResolutionDate" in reopened
    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, request_id, "resolved")
    pipeline.wait_statuses(
        "CPR-mef-3", ["acknowledged", "inProgress", "resolved", "inProgress", "resolved"]
    )

    pipeline.customer(CLOSE, "CPR-mef-3", statusChangeReason="works now")
    pipeline.wait_status("CPR-mef-3", "closed")
    pipeline.wait_for(
        "the partner's resolution confirmed",
        lambda: any(t.startswith("Close") for t, _ in partner_requests(pipeline, request_id)),
    )
    assert [t for t, _ in partner_requests(pipeline, request_id)] == [
        "CreatePartnerProblemReportRequest",
        "ReopenPartnerProblemReportRequest",
        "ClosePartnerProblemReportRequest",
    ]
    assert len(pipeline.created_requests(Topic.PARTNER_PROBLEM_REQUESTS, "res-mef-3")) == 1


def _partner_status(pipeline: Pipeline, report_id: str) -> str | None:
    view = pipeline.view(report_id) or {}
    work = view.get("partnerProblemReport", [])
    return work[0]["status"] if work else None
