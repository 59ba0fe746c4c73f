"""What an SRE scrapes from a worker: open reports by status, priority, jeopardy and
escalation level; time to acknowledge and to resolve; Faust's and the process's own."""

from __future__ import annotations

import json

import pytest
from pipeline import Pipeline

from problem_tracker.simulate.messages import CLOSE, Topic

pytestmark = pytest.mark.integration

OPEN = "problem_tracker_open_reports"


def test_open_reports_are_counted_as_they_move_and_leave_when_closed(pipeline: Pipeline) -> None:
    pipeline.own("svc-gauge-1", "noc", "internal")
    pipeline.create("CPR-gauge-1", services=["svc-gauge-1"], priority=1)
    pipeline.create("CPR-gauge-2", services=["svc-gauge-1"], priority=3)
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-gauge-1")
    for report_id in ("CPR-gauge-1", "CPR-gauge-2"):
        pipeline.wait_status(report_id, "inProgress")

    pipeline.wait_for(
        "both counted in progress",
        lambda: (
            pipeline.metric(OPEN, status="inProgress", priority="1") == 1
            and pipeline.metric(OPEN, status="inProgress", priority="3") == 1
        ),
    )
    assert pipeline.metric("problem_tracker_open_reports_in_jeopardy", jeopardy="none") == 2
    assert (
        pipeline.metric("problem_tracker_open_reports_by_escalation_level", escalation_level="0")
        == 2
    )
    assert pipeline.metric("problem_tracker_time_to_acknowledge_seconds_count") == 2

    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    pipeline.wait_status("CPR-gauge-1", "resolved")
    pipeline.customer(CLOSE, "CPR-gauge-1")
    pipeline.wait_status("CPR-gauge-1", "closed")

    pipeline.wait_for(
        "the closed one gone, the resolved one counted",
        lambda: (
            pipeline.metric(OPEN, status="resolved", priority="1") == 0
            and pipeline.metric(OPEN, status="resolved", priority="3") == 1
            and pipeline.metric(OPEN, status="inProgress", priority="1") == 0
        ),
    )
    assert pipeline.metric("problem_tracker_time_to_resolve_seconds_count", priority="1") == 1
    assert pipeline.metric("problem_tracker_faust_messages_received_total") > 0
    assert pipeline.metric("problem_tracker_faust_consumer_commit_latency_count") > 0
    assert pipeline.metric("process_resident_memory_bytes") > 0


def test_every_line_the_worker_writes_is_a_json_log_record(pipeline: Pipeline) -> None:
    lines = pipeline.worker.log_path.read_text().splitlines()
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON log line: {line!r}")

    assert [r for r in records if not (isinstance(r, dict) and {"level", "msg"} <= r.keys())] == []
    assert any(record["msg"].endswith("Ready") for record in records)


def test_the_worker_logs_its_effective_configuration_once_at_start(pipeline: Pipeline) -> None:
    lines = [
        json.loads(line)
        for line in pipeline.worker.log_path.read_text().splitlines()
        if '"starting worker"' in line
    ]

    assert len(lines) == 1
    settings = lines[0]["settings"]
    assert settings["worker"]["app_id"] == pipeline.worker.settings.worker.app_id
    assert settings["kafka"]["bootstrap_servers"] == pipeline.bootstrap
