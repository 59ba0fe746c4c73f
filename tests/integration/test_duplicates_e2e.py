"""A redelivered event (same ``eventId``) is acknowledged and counted, and produces
nothing: at-least-once delivery upstream never shows twice downstream."""

from __future__ import annotations

import pytest
from pipeline import Pipeline

from problem_tracker.simulate.messages import Topic

pytestmark = pytest.mark.integration

DUPLICATES = "problem_tracker_duplicates_total"


def test_the_same_create_sent_twice_produces_its_outputs_once_and_is_counted(
    pipeline: Pipeline,
) -> None:
    create = pipeline.create_message("CPR-dup-1", services=["svc-dup-1"])
    pipeline.send(create)
    pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-dup-1")
    before = pipeline.settle()
    counted = pipeline.metric(DUPLICATES, aggregate="reports")

    pipeline.send(create)

    pipeline.wait_for(
        "duplicate counted", lambda: pipeline.metric(DUPLICATES, aggregate="reports") == counted + 1
    )
    assert pipeline.settle() == before
    assert pipeline.statuses("CPR-dup-1") == ["acknowledged", "inProgress"]


def test_the_same_service_trouble_answer_sent_twice_is_applied_once(pipeline: Pipeline) -> None:
    pipeline.create("CPR-dup-2", services=["svc-dup-2"])
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-dup-2")
    pipeline.wait_for(
        "linked", lambda: (pipeline.view("CPR-dup-2") or {}).get("serviceTroubleReport")
    )
    counted = pipeline.metric(DUPLICATES, aggregate="service-troubles")
    answer = pipeline.answer_message(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")

    pipeline.send(answer)
    pipeline.wait_status("CPR-dup-2", "resolved")
    before = pipeline.settle()
    pipeline.send(answer)

    pipeline.wait_for(
        "duplicate counted",
        lambda: pipeline.metric(DUPLICATES, aggregate="service-troubles") == counted + 1,
    )
    assert pipeline.settle() == before
