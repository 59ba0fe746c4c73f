"""The /v1 query API on two workers: any worker serves any report (forwarding to its
owner), and a list gathers the open reports of both, filtered, in stable pages."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pipeline import Pipeline
from worker_process import start_ready, worker_in

from problem_tracker.cli import main
from problem_tracker.worker_child import WorkerChild

pytestmark = pytest.mark.integration

TOKEN = "s3cret-token"
REPORTS = [f"CPR-q-{n:02d}" for n in range(12)]


def get(worker: WorkerChild, path: str, token: str | None = TOKEN) -> tuple[int, Any]:
    request = urllib.request.Request(f"{worker.base_url}{path}")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, json.loads(body) if body.startswith(b"{") else body.decode()


@pytest.fixture(scope="module")
def two_workers(
    pipeline_factory: Callable[..., Pipeline], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Pipeline, WorkerChild, WorkerChild]]:
    pipeline = pipeline_factory(PROBLEM_TRACKER_WORKER__API_TOKEN=TOKEN)
    first = pipeline.worker
    second = start_ready(
        worker_in(tmp_path_factory.mktemp("query-second"), first.settings, first.overrides)
    )
    first.wait_ready(60)
    for n, report_id in enumerate(REPORTS):
        pipeline.create(report_id, priority=1 + n % 3)
    for report_id in REPORTS:
        pipeline.wait_status(report_id, "acknowledged")
    yield pipeline, first, second
    second.stop()


def test_any_worker_serves_any_report_and_only_with_the_token(
    two_workers: tuple[Pipeline, WorkerChild, WorkerChild],
) -> None:
    _, first, second = two_workers
    for report_id in REPORTS:
        answers = [get(worker, f"/v1/customer-problems/{report_id}") for worker in (first, second)]
        assert [status for status, _ in answers] == [200, 200], answers
        assert answers[0][1] == answers[1][1]
        assert answers[0][1]["id"] == report_id
        assert answers[0][1]["relatedParty"][0]["id"] == f"cust-{report_id}"

    assert get(first, f"/v1/customer-problems/{REPORTS[0]}", token=None)[0] == 401
    assert get(second, f"/v1/customer-problems/{REPORTS[0]}", token="wrong")[0] == 401
    assert get(first, "/v1/customer-problems/CPR-nobody")[0] == 404
    assert get(first, "/table/reports/")[0] == 404  # Faust's raw table pages are off


def test_a_list_gathers_both_workers_filtered_and_paged_in_id_order(
    two_workers: tuple[Pipeline, WorkerChild, WorkerChild],
) -> None:
    pipeline, first, second = two_workers
    now_status = pipeline.latest_snapshot(REPORTS[0])["status"]  # no entity: pending
    query = f"/v1/customer-problems?status={now_status},resolved&priority=1,3&limit=50"
    status, body = get(first, query)
    assert status == 200
    ours = [item for item in body["items"] if item["id"].startswith("CPR-q-")]
    expected = [r for n, r in enumerate(REPORTS) if 1 + n % 3 in (1, 3)]
    assert [item["id"] for item in ours] == expected
    assert {(item["status"], item["jeopardy"], item["escalationLevel"]) for item in ours} == {
        (now_status, "none", 0)
    }
    assert get(first, "/v1/customer-problems?status=closed")[1]["items"] == []

    pages, cursor = [], ""
    while True:
        query = "/v1/customer-problems?limit=5" + (f"&cursor={cursor}" if cursor else "")
        status, body = get(second, query)
        assert status == 200
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next"]
        if cursor is None:
            break
    listed = [report_id for page in pages for report_id in page]
    assert listed == sorted(listed)
    assert [r for r in listed if r.startswith("CPR-q-")] == REPORTS
    assert all(len(page) <= 5 for page in pages)
    assert get(first, "/v1/customer-problems?limit=0")[0] == 400


def test_the_openapi_document_is_served(
    two_workers: tuple[Pipeline, WorkerChild, WorkerChild],
) -> None:
    status, document = get(two_workers[1], "/v1/openapi.json", token=None)
    assert status == 200
    assert set(document["paths"]) == {"/v1/customer-problems", "/v1/customer-problems/{id}"}


def test_the_cli_reads_a_report_and_lists_through_any_worker(
    two_workers: tuple[Pipeline, WorkerChild, WorkerChild],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, first, second = two_workers
    monkeypatch.setenv("PROBLEM_TRACKER_WORKER__API_TOKEN", TOKEN)

    assert main(["reports", "get", REPORTS[3], "--url", first.base_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == REPORTS[3]
    assert main(["reports", "get", "CPR-nobody", "--url", second.base_url]) == 4
    capsys.readouterr()

    arguments = ["--priority", "2", "--limit", "2", "--all", "--json", "--url", second.base_url]
    code = main(["reports", "list", *arguments])
    listed = [item["id"] for item in json.loads(capsys.readouterr().out)]
    assert code == 0
    assert [r for r in listed if r.startswith("CPR-q-")] == REPORTS[1::3]

    monkeypatch.setenv("PROBLEM_TRACKER_WORKER__API_TOKEN", "wrong")
    assert main(["reports", "get", REPORTS[0], "--url", first.base_url]) == 1
    assert "401" in capsys.readouterr().err


class ReadinessProbe:
    """Polls a worker's /ready the way a kubelet would, only faster, and keeps the answers."""

    def __init__(self, worker: WorkerChild) -> None:
        self.worker = worker
        self.answers: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ReadinessProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _poll(self) -> None:
        while not self._stop.wait(0.05):
            try:
                with urllib.request.urlopen(f"{self.worker.base_url}/ready", timeout=1) as answer:
                    self.answers.append(answer.status)
            except urllib.error.HTTPError as error:
                self.answers.append(error.code)
            except OSError:
                self.answers.append(0)


def test_workers_are_not_ready_while_a_member_joins_and_ready_again_after(
    two_workers: tuple[Pipeline, WorkerChild, WorkerChild], tmp_path: Path
) -> None:
    _, first, second = two_workers
    third = worker_in(tmp_path, first.settings, first.overrides)
    with ReadinessProbe(first) as probe:
        start_ready(third)
        first.wait_ready(60)
        second.wait_ready(60)
    third.stop()

    assert 503 in probe.answers, "the first worker stayed ready through the rebalance"
    assert probe.answers[-1] == 200
    first.wait_ready(60)
    second.wait_ready(60)
    assert get(first, f"/v1/customer-problems/{REPORTS[0]}")[0] == 200
