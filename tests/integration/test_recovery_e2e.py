"""A worker that stops or crashes mid-flow loses nothing: its successor continues every
report from the state tables (local RocksDB, or the changelog topics when the disk is
gone) and processes what arrived while no worker ran."""

from __future__ import annotations

import time

import pytest
from pipeline import Pipeline

from problem_tracker.simulate.messages import CLOSE, Topic

pytestmark = pytest.mark.integration


def _delegated(pipeline: Pipeline, report_id: str, service_id: str) -> str:
    """Create a report on ``service_id`` and wait until its service trouble is linked."""
    pipeline.create(report_id, services=[service_id])
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, service_id)
    pipeline.wait_for(
        "service trouble linked",
        lambda: (pipeline.view(report_id) or {}).get("serviceTroubleReport"),
    )
    return request_id


def test_a_worker_stopped_mid_flow_is_continued_by_its_successor_with_nothing_lost(
    pipeline: Pipeline,
) -> None:
    request_id = _delegated(pipeline, "CPR-rec-1", "svc-rec-1")
    pipeline.worker.stop()
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")

    pipeline.restart_worker()

    pipeline.wait_status("CPR-rec-1", "resolved", timeout=60)
    pipeline.customer(CLOSE, "CPR-rec-1")
    pipeline.wait_statuses("CPR-rec-1", ["acknowledged", "inProgress", "resolved", "closed"])
    assert len(pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rec-1")) == 1


def test_a_killed_worker_is_continued_from_the_changelog_by_a_successor_with_an_empty_disk(
    pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory
) -> None:
    request_id = _delegated(pipeline, "CPR-rec-2", "svc-rec-2")
    time.sleep(2)  # past the worker's 1 s commit interval: the kill is not a replay test
    pipeline.worker.kill()

    pipeline.restart_worker(tmp_path_factory.mktemp("worker-empty-disk"))

    restored = pipeline.view("CPR-rec-2")
    assert restored is not None
    assert restored["status"] == "inProgress"
    assert restored["serviceTroubleReport"][0]["requestId"] == request_id
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    pipeline.wait_status("CPR-rec-2", "resolved", timeout=60)
    distinct = list(dict.fromkeys(pipeline.statuses("CPR-rec-2")))
    assert distinct == ["acknowledged", "inProgress", "resolved"]
