"""The worker's own HTTP endpoints, read the way an SRE would: /metrics and /reports/{id}."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from problem_tracker.worker_child import WorkerChild


def metric(worker: WorkerChild, name: str, **labels: str) -> float:
    """The value of the first sample of ``name`` with these labels (0 when absent)."""
    for family in text_string_to_metric_families(worker.metrics_text()):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def report_view(worker: WorkerChild, report_id: str) -> dict[str, Any] | None:
    """The report as the worker's table holds it now; ``None`` when it has no such report."""
    url = f"{worker.base_url}/reports/{report_id}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def ready(worker: WorkerChild) -> tuple[bool, list[str]]:
    """What /ready says now: ready or not, and why not."""
    try:
        with urllib.request.urlopen(f"{worker.base_url}/ready", timeout=5) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = json.loads(error.read())
    return bool(body["ready"]), list(body["problems"])
