"""Jeopardy & Escalate/End on the real broker, with the second-scale SLA policy.

Priority 1 in ``deploy/policies/sla-policy.fast.yaml``: resolution in 8 s, jeopardy at
50 % and 75 %, then the ladder (tier-2 support, then the duty manager 3 s later).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pipeline import Output, Pipeline

from problem_tracker.simulate.messages import Topic

pytestmark = pytest.mark.integration

FAST_POLICY = Path(__file__).resolve().parents[2] / "deploy/policies/sla-policy.fast.yaml"
JEOPARDY = "CustomerProblemJeopardyEvent"
ESCALATION = "CustomerProblemEscalationEvent"
ESCALATION_END = "CustomerProblemEscalationEndEvent"


@pytest.fixture(scope="module")
def pipeline(pipeline_factory: Callable[..., Pipeline]) -> Pipeline:
    return pipeline_factory(PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE=str(FAST_POLICY))


def escalations(pipeline: Pipeline, report_id: str) -> list[Output]:
    return pipeline.outputs(Topic.ESCALATIONS, report_id)


def of_type(outputs: list[Output], event_type: str) -> list[dict[str, Any]]:
    return [o.value for o in outputs if o.event_type == event_type]


def first_level_escalations(pipeline: Pipeline, report_id: str) -> list[dict[str, Any]]:
    """The first step of the breach ladder, as published (with envelope)."""
    return [
        e
        for e in of_type(escalations(pipeline, report_id), ESCALATION)
        if e["event"]["customerProblemEscalation"]["level"] == 1
        and e["event"]["customerProblemEscalation"]["reason"] == "sla-breached"
    ]


def ladder(pipeline: Pipeline, report_id: str) -> list[dict[str, Any]]:
    """The breach escalations, in order (customer-update escalations run on their own)."""
    return [
        e["event"]["customerProblemEscalation"]
        for e in of_type(escalations(pipeline, report_id), ESCALATION)
        if e["event"]["customerProblemEscalation"]["reason"] == "sla-breached"
    ]


def test_jeopardy_then_breach_escalation_arrive_in_order_and_end_with_the_problem(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-sla-1", services=["svc-sla-1"], priority=1)
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-sla-1")

    pipeline.wait_for("the ladder's second level", lambda: len(ladder(pipeline, "CPR-sla-1")) >= 2)
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    pipeline.wait_for(
        "escalation end", lambda: of_type(escalations(pipeline, "CPR-sla-1"), ESCALATION_END)
    )

    published = escalations(pipeline, "CPR-sla-1")
    thresholds = [
        e["event"]["customerProblemJeopardy"]["thresholdPercent"]
        for e in of_type(published, JEOPARDY)
        if e["event"]["customerProblemJeopardy"]["cause"] == "threshold"
    ]
    assert thresholds == [50, 75, 100]
    steps = [(e["level"], e["kind"], e["target"]) for e in ladder(pipeline, "CPR-sla-1")]
    assert steps[:2] == [(1, "functional", "tier-2-support"), (2, "hierarchical", "duty-manager")]
    breach_at = next(
        i
        for i, o in enumerate(published)
        if o.event_type == JEOPARDY
        and o.value["event"]["customerProblemJeopardy"]["thresholdPercent"] == 100
    )
    first_step_at = next(
        i
        for i, o in enumerate(published)
        if o.event_type == ESCALATION
        and o.value["event"]["customerProblemEscalation"]["reason"] == "sla-breached"
    )
    assert breach_at < first_step_at
    assert published[-1].event_type == ESCALATION_END
    assert pipeline.latest_snapshot("CPR-sla-1")["status"] == "resolved"


def test_a_worker_killed_between_jeopardy_and_breach_still_escalates_exactly_once(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-sla-2", services=["svc-sla-2"], priority=1)
    pipeline.wait_for(
        "first jeopardy",
        lambda: of_type(escalations(pipeline, "CPR-sla-2"), JEOPARDY),
        timeout=30,
    )
    assert first_level_escalations(pipeline, "CPR-sla-2") == []

    pipeline.worker.kill()
    pipeline.restart_worker()

    pipeline.wait_for(
        "breach escalation after the restart",
        lambda: first_level_escalations(pipeline, "CPR-sla-2"),
        timeout=60,
    )
    pipeline.settle(quiet=3.0)
    published = first_level_escalations(pipeline, "CPR-sla-2")
    assert len({e["eventId"] for e in published}) == 1
    assert len(published) == 1
