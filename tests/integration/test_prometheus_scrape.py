"""A real Prometheus scrapes a running worker and loads the alert rules of deploy/.

Debian's ``prometheus`` package provides the server (``.ci/run`` installs it); without it
the test skips, saying so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from worker_process import isolated_settings, start_ready, worker_in

from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.kafka_local import free_port
from problem_tracker.worker_child import WorkerChild

pytestmark = pytest.mark.integration

ALERTS = Path(__file__).parents[2] / "deploy" / "prometheus" / "alerts.yaml"
SCRAPED_WITHIN_SECONDS = 60.0


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerChild]:
    tag = uuid.uuid4().hex[:8]
    settings = isolated_settings(kafka_bootstrap, f"pt-prom-{tag}", f"prom{tag}.")
    ensure_topics(settings.kafka, topic_plan(settings.topics))
    child = worker_in(Path(tmp_path_factory.mktemp(f"prom-worker-{tag}")), settings, {})
    start_ready(child)
    yield child
    child.stop()


@pytest.fixture
def prometheus(worker: WorkerChild, tmp_path: Path) -> Iterator[str]:
    """A Prometheus scraping ``worker`` every second with the rules of deploy/; its URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip(
            "prometheus not found on PATH: install Debian's `prometheus` package "
            "(apt-get install prometheus; .ci/run does)"
        )
    target = worker.base_url.removeprefix("http://")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS)],
        "scrape_configs": [
            {"job_name": "problem-tracker", "static_configs": [{"targets": [target]}]}
        ],
    }
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config))
    address = f"127.0.0.1:{free_port()}"
    with (tmp_path / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config_file}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address={address}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://{address}"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def api(base: str, path: str, **params: str) -> Any:
    url = f"{base}/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.loads(response.read())
    assert body["status"] == "success", body
    return body["data"]


def eventually(check: Callable[[], Any], what: str) -> Any:
    """``check()``'s first truthy result, retried until the scrape deadline."""
    deadline = time.monotonic() + SCRAPED_WITHIN_SECONDS
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except OSError as exc:  # Prometheus still starting
            last = exc
        else:
            if last:
                return last
        time.sleep(0.5)
    raise AssertionError(f"{what} within {SCRAPED_WITHIN_SECONDS:.0f} s; last: {last!r}")


def test_prometheus_scrapes_the_ready_gauge_of_a_running_worker(
    prometheus: str, worker: WorkerChild
) -> None:
    def ready() -> list[dict[str, Any]]:
        return list(api(prometheus, "query", query="problem_tracker_ready")["result"])

    (series,) = eventually(ready, "problem_tracker_ready scraped")
    (up,) = api(prometheus, "query", query='up{job="problem-tracker"}')["result"]

    assert series["metric"]["job"] == "problem-tracker"
    assert series["metric"]["instance"] == worker.base_url.removeprefix("http://")
    assert series["value"][1] == "1"
    assert up["value"][1] == "1"


def test_prometheus_loads_every_alert_rule_and_the_ready_worker_raises_no_readiness_alert(
    prometheus: str,
) -> None:
    expected = [rule["alert"] for rule in yaml.safe_load(ALERTS.read_text())["groups"][0]["rules"]]

    def evaluated() -> list[dict[str, Any]]:
        groups = api(prometheus, "rules", type="alert")["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        return (
            rules
            if rules and all(rule.get("lastEvaluation", "").startswith("2") for rule in rules)
            else []
        )

    rules = eventually(evaluated, "every rule evaluated")
    assert [rule["name"] for rule in rules] == expected
    assert {rule["name"]: rule["health"] for rule in rules} == dict.fromkeys(expected, "ok")

    readiness = {
        "ProblemTrackerWorkerDown",
        "ProblemTrackerNotReady",
        "ProblemTrackerNoWorkerReady",
    }

    def quiet() -> bool:
        active = {alert["labels"]["alertname"] for alert in api(prometheus, "alerts")["alerts"]}
        return not active & readiness

    eventually(quiet, "no readiness alert active")
