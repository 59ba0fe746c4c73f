"""A worker that stops or crashes mid-flow loses nothing: its successor continues every
report from the state tables (local RocksDB, or the changelog topics when the disk is
gone) and processes what arrived while no worker ran."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest
from pipeline import Pipeline
from worker_process import start_ready, worker_in

from problem_tracker.simulate.messages import CLOSE, Topic
from problem_tracker.streaming.views import COPY_HEADER
from problem_tracker.worker_child import WorkerChild

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


def _ask(worker: WorkerChild, report_id: str, query: str = "") -> tuple[int, str | None, dict]:
    url = f"{worker.base_url}/reports/{report_id}{query}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers.get(COPY_HEADER), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get(COPY_HEADER), json.loads(error.read())


def test_with_two_workers_a_report_is_read_from_its_active_copy_and_a_standby_says_so(
    pipeline_factory: Callable[..., Pipeline], tmp_path_factory: pytest.TempPathFactory
) -> None:
    pipeline = pipeline_factory()
    first = pipeline.worker
    second = start_ready(
        worker_in(tmp_path_factory.mktemp("second-worker"), first.settings, first.overrides)
    )
    try:
        first.wait_ready(60)  # it has been through the second one's join
        pipeline.create("CPR-copy-1", services=["svc-copy-1"])
        pipeline.wait_status("CPR-copy-1", "inProgress")

        def answers() -> list[tuple[int, str | None, dict]]:
            return sorted(
                [_ask(first, "CPR-copy-1"), _ask(second, "CPR-copy-1")], key=lambda a: a[0]
            )

        active, standby = pipeline.wait_for(
            "one active answer and one standby refusal",
            lambda: (found := answers())[0][0] == 200 and found[1][0] == 404 and found,
        )
        assert active[1] == "active"
        assert active[2]["status"] == "inProgress"
        assert standby[2]["copy"] == "standby"
        holder = first if _ask(first, "CPR-copy-1")[0] == 404 else second
        status, copy, body = _ask(holder, "CPR-copy-1", "?copy=standby")
        # A standby copy may lag (or not hold the report yet): it answers, but says so.
        if status == 200:
            assert copy == "standby"
            assert body["id"] == "CPR-copy-1"
        else:
            assert (status, body["copy"]) == (404, "standby")
    finally:
        second.stop()


def test_a_worker_killed_before_committing_sends_again_what_its_decisions_sent(
    pipeline_factory: Callable[..., Pipeline], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Killed with every input decided and saved but no offset committed, the worker reads
    the inputs again: each is already in its report's state, and instead of publishing
    nothing it sends the records its decision kept, the same ones. On its own disk, and
    again on an empty disk where the state comes from the changelog."""
    pipeline = pipeline_factory(PROBLEM_TRACKER_WORKER__COMMIT_INTERVAL_SECONDS="300")
    reports = [f"CPR-replay-{n}" for n in range(4)]
    for n, report_id in enumerate(reports):
        pipeline.create(report_id, services=[f"svc-replay-{n}"])
    for report_id in reports:
        pipeline.wait_status(report_id, "inProgress")
    first = {r: [o.value for o in pipeline.notifications(r)] for r in reports}

    for home in (None, tmp_path_factory.mktemp("replay-empty-disk")):
        pipeline.worker.kill()
        pipeline.restart_worker(home)
        pipeline.wait_for(
            "records replayed",
            lambda: pipeline.metric("problem_tracker_replayed_records_total", aggregate="reports"),
            timeout=60,
        )
        pipeline.wait_for(
            "every notification sent again",
            lambda: all(len(pipeline.notifications(r)) > len(first[r]) for r in reports),
            timeout=60,
        )

    for n, report_id in enumerate(reports):
        by_id: dict[str, list[dict]] = {}
        for output in pipeline.notifications(report_id):
            by_id.setdefault(output.value["eventId"], []).append(output.value)
        assert [values[0] for values in by_id.values()] == first[report_id]
        assert all(value == values[0] for values in by_id.values() for value in values)
        requests = pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, f"svc-replay-{n}")
        assert len(requests) >= 1
        assert all(request == requests[0] for request in requests)
