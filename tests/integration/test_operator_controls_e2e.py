"""Operator controls (contract v1.1) on the real broker, with the second-scale SLA policy
and an outside producer at its client's defaults.

Priority 1 in ``deploy/policies/sla-policy.fast.yaml``: resolution in 8 s, jeopardy at
50 % and 75 %, then the ladder (tier-2 support, the duty manager 3 s later, then the
head of operations 5 s after that).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pipeline import Pipeline, now

from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import Topic

pytestmark = pytest.mark.integration

FAST_POLICY = Path(__file__).resolve().parents[2] / "deploy/policies/sla-policy.fast.yaml"
RESOLVE = "CustomerProblemResolveRequestEvent"
RESOLVED = "CustomerProblemReportResolvedEvent"
ESCALATION = "CustomerProblemEscalationEvent"
ESCALATION_END = "CustomerProblemEscalationEndEvent"
ACKNOWLEDGE = "CustomerProblemEscalationAcknowledgeEvent"
ACKNOWLEDGED = "CustomerProblemEscalationAcknowledgedEvent"


@pytest.fixture(scope="module")
def pipeline(pipeline_factory: Callable[..., Pipeline]) -> Pipeline:
    return pipeline_factory(PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE=str(FAST_POLICY))


BOUNDED_POLICY = """
version: 1
escalationLadders:
  bounded:
    levels:
      - {kind: functional, target: tier-2-support, repeatAfter: 1s}
      - {kind: hierarchical, target: head-of-operations, repeatAfter: 1s, maxRepeats: 2}
    delegationFailure: {target: service-desk-lead}
partners:
  escalateTo: partner-manager
  default: {resolution: 60s}
rules:
  - name: bounded-default
    targets: {resolution: 3s}
    escalation: bounded
"""


@pytest.fixture(scope="module")
def bounded(
    pipeline_factory: Callable[..., Pipeline], tmp_path_factory: pytest.TempPathFactory
) -> Pipeline:
    """A worker whose only rule breaches after 3 s and whose top rung repeats twice."""
    policy = tmp_path_factory.mktemp("policy") / "bounded.yaml"
    policy.write_text(BOUNDED_POLICY, encoding="utf-8")
    return pipeline_factory(PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE=str(policy))


def escalation_types(pipeline: Pipeline, report_id: str) -> list[str | None]:
    return [o.event_type for o in pipeline.outputs(Topic.ESCALATIONS, report_id)]


def breach_calls(pipeline: Pipeline, report_id: str) -> list[dict[str, Any]]:
    return [
        o.value["event"]["customerProblemEscalation"]
        for o in pipeline.outputs(Topic.ESCALATIONS, report_id)
        if o.event_type == ESCALATION
        and o.value["event"]["customerProblemEscalation"]["reason"] == "sla-breached"
    ]


def test_an_operator_resolve_stops_the_sla_ends_the_escalation_and_releases_shared_work(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-rsv-1", services=["svc-rsv-1"], priority=1)
    pipeline.create("CPR-rsv-2", services=["svc-rsv-1"])
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rsv-1")
    pipeline.wait_for("CPR-rsv-1 breached", lambda: breach_calls(pipeline, "CPR-rsv-1"))

    pipeline.customer(
        RESOLVE,
        "CPR-rsv-1",
        resolutionCode="workaround",
        statusChangeReason="customer moved to the backup line",
    )

    resolved = pipeline.wait_for(
        "CPR-rsv-1 resolved", lambda: pipeline.notifications("CPR-rsv-1", RESOLVED)
    )
    assert resolved[0].report["status"] == "resolved"
    assert resolved[0].report["resolutionCode"] == "workaround"
    assert resolved[0].report["statusChangeReason"] == "customer moved to the backup line"
    pipeline.wait_for(
        "escalation end", lambda: ESCALATION_END in escalation_types(pipeline, "CPR-rsv-1")
    )
    end = next(
        o.value["event"]["customerProblemEscalationEnd"]
        for o in pipeline.outputs(Topic.ESCALATIONS, "CPR-rsv-1")
        if o.event_type == ESCALATION_END
    )
    assert end["reason"] == "resolved"
    # the shared service trouble is still needed by CPR-rsv-2: not cancelled
    assert request_id not in pipeline.cancelled_requests(Topic.SERVICE_TROUBLE_REQUESTS)

    # the SLA stopped: well past the next rungs (3 s and 8 s after the breach) nothing more
    calls_at_resolve = len(breach_calls(pipeline, "CPR-rsv-1"))
    time.sleep(9.0)
    assert len(breach_calls(pipeline, "CPR-rsv-1")) == calls_at_resolve
    assert escalation_types(pipeline, "CPR-rsv-1")[-1] == ESCALATION_END
    assert request_id not in pipeline.cancelled_requests(Topic.SERVICE_TROUBLE_REQUESTS)

    # the last report needing it resolves: now the service trouble is cancelled
    pipeline.customer(
        RESOLVE, "CPR-rsv-2", resolutionCode="noFaultFound", statusChangeReason="line tests clean"
    )
    pipeline.wait_for(
        "the shared service trouble cancelled",
        lambda: request_id in pipeline.cancelled_requests(Topic.SERVICE_TROUBLE_REQUESTS),
    )
    assert pipeline.latest_snapshot("CPR-rsv-2")["resolutionCode"] == "noFaultFound"


def test_kept_work_is_not_cancelled_and_a_normal_resolution_is_fixed(pipeline: Pipeline) -> None:
    pipeline.create("CPR-rsv-3", services=["svc-rsv-3"])
    pipeline.create("CPR-rsv-4", services=["svc-rsv-4"])
    kept = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rsv-3")
    worked = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rsv-4")
    pipeline.wait_status("CPR-rsv-3", "inProgress")

    pipeline.customer(
        RESOLVE,
        "CPR-rsv-3",
        resolutionCode="workaround",
        statusChangeReason="workaround in place, the fix goes on",
        keepDelegatedWork=True,
    )
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, worked, "resolved")

    pipeline.wait_status("CPR-rsv-3", "resolved")
    pipeline.wait_status("CPR-rsv-4", "resolved")
    time.sleep(2.0)
    assert kept not in pipeline.cancelled_requests(Topic.SERVICE_TROUBLE_REQUESTS)
    assert pipeline.latest_snapshot("CPR-rsv-4")["resolutionCode"] == "fixed"


def test_resolving_a_resolved_report_is_an_illegal_transition(pipeline: Pipeline) -> None:
    pipeline.create("CPR-rsv-5")
    pipeline.wait_status("CPR-rsv-5", "pending")
    pipeline.customer(RESOLVE, "CPR-rsv-5", resolutionCode="duplicate", statusChangeReason="dup")
    pipeline.wait_status("CPR-rsv-5", "resolved")

    again = messages.customer_event(
        pipeline.event_id(),
        now(),
        RESOLVE,
        {"id": "CPR-rsv-5", "resolutionCode": "other", "statusChangeReason": "again"},
    )
    dead = pipeline.dead_letter_for(pipeline.send(again))

    assert dead["error"]["code"] == "illegal-transition"
    assert pipeline.latest_snapshot("CPR-rsv-5")["resolutionCode"] == "duplicate"


def test_the_top_rung_of_a_bounded_ladder_is_called_max_repeats_times_then_no_more(
    bounded: Pipeline,
) -> None:
    bounded.create("CPR-max-1", services=["svc-max-1"])

    bounded.wait_for("the last repeat", lambda: len(breach_calls(bounded, "CPR-max-1")) >= 4)
    time.sleep(4.0)  # four more repeat intervals

    calls = [(c["level"], c["target"]) for c in breach_calls(bounded, "CPR-max-1")]
    assert calls == [
        (1, "tier-2-support"),
        (2, "head-of-operations"),
        (2, "head-of-operations"),
        (2, "head-of-operations"),
    ]


HOLDING_POLICY = """
version: 1
escalationLadders:
  holding:
    levels:
      - {kind: functional, target: assignee, repeatAfter: 1s}
      - {kind: hierarchical, target: duty-manager, repeatAfter: 1s}
      - {kind: hierarchical, target: head-of-operations}
    delegationFailure: {target: service-desk-lead}
partners:
  escalateTo: partner-manager
  default: {resolution: 60s}
rules:
  - name: holding-default
    targets: {resolution: 3s}
    acknowledgeFor: 4s
    escalation: holding
"""


@pytest.fixture(scope="module")
def holding(
    pipeline_factory: Callable[..., Pipeline], tmp_path_factory: pytest.TempPathFactory
) -> Pipeline:
    """A worker whose only rule breaches after 3 s, calls the assignee first, climbs
    every second, and holds the ladder 4 s after an acknowledgement."""
    policy = tmp_path_factory.mktemp("policy") / "holding.yaml"
    policy.write_text(HOLDING_POLICY, encoding="utf-8")
    return pipeline_factory(PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE=str(policy))


def test_an_acknowledged_escalation_holds_the_ladder_then_it_climbs_again(
    holding: Pipeline,
) -> None:
    holding.create("CPR-ack-1", services=["svc-ack-1"])
    holding.wait_for("the breach call", lambda: len(breach_calls(holding, "CPR-ack-1")) >= 1)

    acknowledged_at = time.monotonic()
    holding.customer(ACKNOWLEDGE, "CPR-ack-1", acknowledgedBy="duty-manager-anna")
    holding.wait_for(
        "the acknowledgement", lambda: ACKNOWLEDGED in escalation_types(holding, "CPR-ack-1")
    )
    held = len(breach_calls(holding, "CPR-ack-1"))
    holding.wait_for("the next call", lambda: len(breach_calls(holding, "CPR-ack-1")) > held)
    waited = time.monotonic() - acknowledged_at

    (ack,) = [
        o.value["event"]["customerProblemEscalationAcknowledgement"]
        for o in holding.outputs(Topic.ESCALATIONS, "CPR-ack-1")
        if o.event_type == ACKNOWLEDGED
    ]
    assert (ack["acknowledgedBy"], ack["level"]) == ("duty-manager-anna", held)
    assert "until" in ack
    assert waited >= 3.0  # held for 4 s of SLA time, not the 1 s of the ladder
    assert breach_calls(holding, "CPR-ack-1")[held]["level"] == held + 1


def test_acknowledging_without_an_escalation_is_an_illegal_transition(pipeline: Pipeline) -> None:
    pipeline.create("CPR-ack-2")
    pipeline.wait_status("CPR-ack-2", "pending")

    acknowledge = messages.customer_event(
        pipeline.event_id(), now(), ACKNOWLEDGE, {"id": "CPR-ack-2", "acknowledgedBy": "anna"}
    )
    dead = pipeline.dead_letter_for(pipeline.send(acknowledge))

    assert dead["error"]["code"] == "illegal-transition"


REDELEGATE = "CustomerProblemRedelegateRequestEvent"


def failure_calls(pipeline: Pipeline, report_id: str) -> list[dict[str, Any]]:
    return [
        o.value["event"]["customerProblemEscalation"]
        for o in pipeline.outputs(Topic.ESCALATIONS, report_id)
        if o.event_type == ESCALATION
        and o.value["event"]["customerProblemEscalation"]["reason"].startswith("delegated-report")
    ]


def partner_requests(pipeline: Pipeline, resource: str) -> list[dict[str, Any]]:
    return pipeline.created_requests(Topic.PARTNER_PROBLEM_REQUESTS, resource)


def test_rejected_partner_work_redelegated_to_another_partner_resolves_the_report(
    pipeline: Pipeline,
) -> None:
    pipeline.own("res-rdg-1", "partner-acme", "partner", referred_type="Resource")
    pipeline.create("CPR-rdg-1", resources=["res-rdg-1"])
    first = pipeline.wait_request(Topic.PARTNER_PROBLEM_REQUESTS, "res-rdg-1")
    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, first, "rejected", statusChangeReason="not ours")
    pipeline.wait_for("the failure escalation", lambda: failure_calls(pipeline, "CPR-rdg-1"))

    pipeline.customer(
        REDELEGATE, "CPR-rdg-1", requestId=first, partner={"id": "partner-bravo", "name": "Bravo"}
    )

    second = pipeline.wait_for(
        "the new request", lambda: partner_requests(pipeline, "res-rdg-1")[1:]
    )[0]
    assert (second["requestId"], second["partner"]["id"]) == ("SPR-CPR-rdg-1-2", "partner-bravo")
    pipeline.answer(
        Topic.PARTNER_PROBLEM_EVENTS, second["requestId"], "resolved", partner="partner-bravo"
    )
    pipeline.wait_status("CPR-rdg-1", "resolved")
    assert pipeline.latest_snapshot("CPR-rdg-1")["partnerProblemReport"] == [
        {"requestId": "SPR-CPR-rdg-1-2", "externalId": "ext-SPR-CPR-rdg-1-2", "status": "resolved"}
    ]


def test_a_rejected_service_trouble_redelegated_starts_a_new_generation(pipeline: Pipeline) -> None:
    pipeline.create("CPR-rdg-2", services=["svc-rdg-2"])
    first = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rdg-2")
    pipeline.wait_status("CPR-rdg-2", "inProgress")
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, first, "rejected", statusChangeReason="no fault")
    pipeline.wait_for("the failure escalation", lambda: failure_calls(pipeline, "CPR-rdg-2"))

    pipeline.customer(REDELEGATE, "CPR-rdg-2", requestId=first)

    requests = pipeline.wait_for(
        "the next generation",
        lambda: pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rdg-2")[1:],
    )
    second = requests[0]["requestId"]
    assert (first, second) == ("STR-svc-rdg-2-1", "STR-svc-rdg-2-2")
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, second, "resolved")
    pipeline.wait_status("CPR-rdg-2", "resolved")


def test_redelegating_work_that_has_not_failed_or_is_unknown_is_dead_lettered(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-rdg-3", services=["svc-rdg-3"])
    working = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rdg-3")
    pipeline.wait_status("CPR-rdg-3", "inProgress")

    def redelegation(request_id: str) -> Any:
        payload = {"id": "CPR-rdg-3", "requestId": request_id}
        return messages.customer_event(pipeline.event_id(), now(), REDELEGATE, payload)

    not_failed = pipeline.dead_letter_for(pipeline.send(redelegation(working)))
    unknown = pipeline.dead_letter_for(pipeline.send(redelegation("SPR-CPR-rdg-3-9")))

    assert not_failed["error"]["code"] == "illegal-transition"
    assert "only rejected or cancelled work is requested again" in not_failed["error"]["message"]
    assert unknown["error"]["code"] == "unknown-correlation"
    assert len(pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rdg-3")) == 1


def test_the_rule_retries_rejected_work_once_before_the_failure_escalates(
    pipeline: Pipeline,
) -> None:
    """Priority 1 of the fast policy: ``delegation: {retry: 1, after: 2s}``."""
    pipeline.own("res-rdg-4", "partner-acme", "partner", referred_type="Resource")
    pipeline.create("CPR-rdg-4", resources=["res-rdg-4"], priority=1)
    first = pipeline.wait_request(Topic.PARTNER_PROBLEM_REQUESTS, "res-rdg-4")

    rejected_at = time.monotonic()
    pipeline.answer(Topic.PARTNER_PROBLEM_EVENTS, first, "rejected", statusChangeReason="busy")
    second = pipeline.wait_for(
        "the automatic retry", lambda: partner_requests(pipeline, "res-rdg-4")[1:]
    )[0]
    waited = time.monotonic() - rejected_at

    assert second["requestId"] == "SPR-CPR-rdg-4-2"
    assert second["partner"]["id"] == "partner-acme"
    assert waited >= 1.5
    assert failure_calls(pipeline, "CPR-rdg-4") == []

    pipeline.answer(
        Topic.PARTNER_PROBLEM_EVENTS, second["requestId"], "rejected", statusChangeReason="busy"
    )
    calls = pipeline.wait_for(
        "the failure escalation", lambda: failure_calls(pipeline, "CPR-rdg-4")
    )
    assert [(c["reason"], c["requestId"], c["target"]) for c in calls] == [
        ("delegated-report-rejected", "SPR-CPR-rdg-4-2", "service-desk-lead")
    ]
    time.sleep(3.0)  # past another retry interval: no third request
    assert len(partner_requests(pipeline, "res-rdg-4")) == 2


ASK = "CustomerProblemInformationRequestEvent"
INFORMATION_REQUIRED = "CustomerProblemReportInformationRequiredEvent"
PROVIDE = "CustomerProblemInformationProvidedEvent"
JEOPARDY = "CustomerProblemJeopardyEvent"


def jeopardies(pipeline: Pipeline, report_id: str) -> list[str | None]:
    return [
        o.event_type
        for o in pipeline.outputs(Topic.ESCALATIONS, report_id)
        if o.event_type == JEOPARDY
    ]


def test_an_unanswered_question_reminds_the_customer_then_work_resumes_with_the_clock(
    pipeline: Pipeline,
) -> None:
    """Priority 1 of the fast policy: answer within 4 s, reminded after 2 s, then resume;
    its clock (8 s, warning at 4 s) stands still while the customer has the question."""
    pipeline.create("CPR-ask-1", services=["svc-ask-1"], priority=1)
    pipeline.wait_status("CPR-ask-1", "inProgress")

    asked_at = time.monotonic()
    pipeline.customer(ASK, "CPR-ask-1", statusChangeReason="which socket is the router on?")

    pipeline.wait_status("CPR-ask-1", "pending")
    asked = pipeline.wait_for(
        "the reminder", lambda: pipeline.notifications("CPR-ask-1", INFORMATION_REQUIRED)[1:]
    )
    reminded_after = time.monotonic() - asked_at
    statuses = pipeline.wait_for(
        "the resume", lambda: pipeline.statuses("CPR-ask-1")[3:] and pipeline.statuses("CPR-ask-1")
    )
    resumed_after = time.monotonic() - asked_at
    jeopardy_at_resume = jeopardies(pipeline, "CPR-ask-1")

    first = pipeline.notifications("CPR-ask-1", INFORMATION_REQUIRED)[0].report
    assert first["statusChangeReason"] == "which socket is the router on?"
    assert "respondBy" in first
    assert asked[0].report["status"] == "pending"
    assert statuses == ["acknowledged", "inProgress", "pending", "inProgress"]
    assert 1.5 <= reminded_after < resumed_after
    assert resumed_after >= 3.5
    resumed = pipeline.latest_snapshot("CPR-ask-1")
    assert resumed["statusChangeReason"].startswith("no answer from the customer by ")
    assert "respondBy" not in resumed
    # 4 s paused of an 8 s target: its 50 % warning had not come by the resume
    assert jeopardy_at_resume == []
    pipeline.wait_for("the warning once the clock runs", lambda: jeopardies(pipeline, "CPR-ask-1"))


def test_without_an_answer_by_respond_by_the_rule_resolves_the_report_as_no_fault_found(
    pipeline: Pipeline,
) -> None:
    """The fast policy's default rule: onNoResponse resolve."""
    pipeline.create("CPR-ask-2", services=["svc-ask-2"])
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-ask-2")
    pipeline.wait_status("CPR-ask-2", "inProgress")

    respond_by = messages.iso(now() + timedelta(seconds=2))
    pipeline.customer(ASK, "CPR-ask-2", statusChangeReason="is it fixed now?", respondBy=respond_by)

    resolved = pipeline.wait_for(
        "the resolution", lambda: pipeline.notifications("CPR-ask-2", RESOLVED)
    )[0].report
    assert resolved["resolutionCode"] == "noFaultFound"
    assert pipeline.statuses("CPR-ask-2") == ["acknowledged", "inProgress", "pending", "resolved"]
    pipeline.wait_for(
        "the service trouble cancelled",
        lambda: request_id in pipeline.cancelled_requests(Topic.SERVICE_TROUBLE_REQUESTS),
    )


def test_the_customers_answer_resumes_the_report_and_ends_the_question(pipeline: Pipeline) -> None:
    pipeline.create("CPR-ask-3", services=["svc-ask-3"])
    pipeline.wait_status("CPR-ask-3", "inProgress")
    pipeline.customer(ASK, "CPR-ask-3", statusChangeReason="when did it start?")
    pipeline.wait_status("CPR-ask-3", "pending")

    pipeline.customer(
        PROVIDE,
        "CPR-ask-3",
        note=[{"author": "customer", "date": messages.iso(now()), "text": "yesterday 9 pm"}],
    )

    pipeline.wait_statuses("CPR-ask-3", ["acknowledged", "inProgress", "pending", "inProgress"])
    time.sleep(2.0)
    assert len(pipeline.notifications("CPR-ask-3", INFORMATION_REQUIRED)) == 1
    assert "respondBy" not in pipeline.latest_snapshot("CPR-ask-3")


def test_a_deadline_in_the_past_is_dead_lettered(pipeline: Pipeline) -> None:
    pipeline.create("CPR-ask-4", services=["svc-ask-4"])
    pipeline.wait_status("CPR-ask-4", "inProgress")

    late = messages.customer_event(
        pipeline.event_id(),
        now(),
        ASK,
        {
            "id": "CPR-ask-4",
            "statusChangeReason": "too late",
            "respondBy": messages.iso(now() - timedelta(minutes=1)),
        },
    )
    dead = pipeline.dead_letter_for(pipeline.send(late))

    assert dead["error"]["code"] == "schema-violation"
    assert pipeline.statuses("CPR-ask-4") == ["acknowledged", "inProgress"]


ASSIGN = "CustomerProblemReportAssignEvent"


def test_escalations_name_the_assignee_and_the_first_level_calls_him(holding: Pipeline) -> None:
    holding.create("CPR-asg-1", services=["svc-asg-1"])
    holding.create("CPR-asg-2", services=["svc-asg-2"])
    holding.wait_status("CPR-asg-1", "inProgress")

    holding.customer(ASSIGN, "CPR-asg-1", assignee={"id": "anna", "role": "second-line"})

    assigned = holding.wait_for(
        "the assignment",
        lambda: [
            o.report
            for o in holding.notifications(
                "CPR-asg-1", "CustomerProblemReportAttributeValueChangeEvent"
            )
        ],
    )[0]
    assert (assigned["assignee"], assigned["assigneeRole"]) == ("anna", "second-line")
    holding.wait_for("two levels", lambda: breach_calls(holding, "CPR-asg-1")[1:])
    calls = breach_calls(holding, "CPR-asg-1")
    assert [(c["level"], c["target"], c["assignee"], c["assigneeRole"]) for c in calls[:2]] == [
        (1, "anna", "anna", "second-line"),
        (2, "duty-manager", "anna", "second-line"),
    ]
    unassigned = holding.wait_for("the other breach", lambda: breach_calls(holding, "CPR-asg-2"))
    assert (unassigned[0]["target"], "assignee" in unassigned[0]) == ("service-desk-lead", False)
