"""The SLA a snapshot shows, on the real broker with the second-scale policy
(``deploy/policies/sla-policy.fast.yaml``: priority 1 resolves in 8 s, anything else in
15 s, warned at 50 %): the rule, time used and left, the breach instant, a downgrade
after the breach taking the report out of breach, and each cycle kept across a reopen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pipeline import Pipeline

from problem_tracker.simulate.messages import REOPEN, Topic

pytestmark = pytest.mark.integration

FAST_POLICY = Path(__file__).resolve().parents[2] / "deploy/policies/sla-policy.fast.yaml"
ATTRIBUTES_CHANGED = "CustomerProblemReportAttributeValueChangeEvent"
RESOLVED = "CustomerProblemReportResolvedEvent"
BREACH = "CustomerProblemJeopardyEvent"


@pytest.fixture(scope="module")
def pipeline(pipeline_factory: Callable[..., Pipeline]) -> Pipeline:
    return pipeline_factory(PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE=str(FAST_POLICY))


def breached(pipeline: Pipeline, report_id: str) -> bool:
    return any(
        o.event_type == BREACH
        and o.value["event"]["customerProblemJeopardy"]["jeopardy"] == "breached"
        for o in pipeline.outputs(Topic.ESCALATIONS, report_id)
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_downgrade_after_the_breach_shows_the_new_rule_and_leaves_breach(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-truth-1", services=["svc-truth-1"], priority=1)
    pipeline.wait_for("the breach", lambda: breached(pipeline, "CPR-truth-1"), timeout=30)
    before = pipeline.wait_for(
        "the breach in the worker's table",
        lambda: (view := pipeline.view("CPR-truth-1")) and view["jeopardy"] == "breached" and view,
    )
    assert before["sla"]["rule"] == "fast-priority-1"
    assert at(before["sla"]["breachedAt"]) - at(before["sla"]["cycles"][0]["start"]) == (
        timedelta(seconds=8)
    )

    pipeline.customer(ATTRIBUTES_CHANGED, "CPR-truth-1", priority=3)
    changed = pipeline.wait_for(
        "the downgrade's notification",
        lambda: pipeline.notifications("CPR-truth-1", ATTRIBUTES_CHANGED),
    )

    after: dict[str, Any] = changed[-1].report
    sla = after["sla"]
    assert after["jeopardy"] == "warning"
    assert sla["rule"] == "fast-default"
    assert "breachedAt" not in sla
    assert at(sla["dueTime"]) - at(sla["cycles"][0]["start"]) == timedelta(seconds=15)
    assert sla["remaining"] != "PT0S"
    assert sla["pausedFor"] == "PT0S"


def test_a_reopen_keeps_the_breached_cycle_and_starts_a_new_one(pipeline: Pipeline) -> None:
    pipeline.create("CPR-truth-2", services=["svc-truth-2"], priority=1)
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-truth-2")
    pipeline.wait_for("the breach", lambda: breached(pipeline, "CPR-truth-2"), timeout=30)
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    resolved = pipeline.wait_for(
        "resolved", lambda: pipeline.notifications("CPR-truth-2", RESOLVED)
    )[-1].report
    sla = resolved["sla"]
    assert at(sla["breachedAt"]) - at(sla["cycles"][0]["start"]) == timedelta(seconds=8)
    assert "dueTime" not in sla  # the clock has stopped
    assert sla["remaining"] == "PT0S"
    assert sla["cycles"][0]["met"] is False

    pipeline.customer(REOPEN, "CPR-truth-2", statusChangeReason="still down")
    pipeline.wait_for(
        "the second cycle",
        lambda: len(pipeline.latest_snapshot("CPR-truth-2")["sla"]["cycles"]) == 2,
    )

    cycles = pipeline.latest_snapshot("CPR-truth-2")["sla"]["cycles"]
    first, second = cycles
    assert (first["cycle"], first["met"]) == (1, False)
    assert at(first["end"]) >= at(sla["breachedAt"])
    assert second["cycle"] == 2
    assert "end" not in second
    assert "met" not in second
