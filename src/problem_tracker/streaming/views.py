"""HTTP endpoints for SREs: liveness, readiness, Prometheus metrics, one report's state."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, MutableMapping

import faust
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from problem_tracker.contracts.snapshot import snapshot
from problem_tracker.contracts.state import decode_report
from problem_tracker.observability.metrics import Metrics


class Readiness:
    """Ready once partitions are assigned and recovered and reference data is loaded, and
    as long as the reference loader is alive (a dead one no longer follows the data)."""

    def __init__(
        self,
        reference_loaded: threading.Event,
        reference_alive: Callable[[], bool] = lambda: True,
    ) -> None:
        self._reference_loaded = reference_loaded
        self._reference_alive = reference_alive
        self.rebalanced = False

    def problems(self) -> list[str]:
        problems = []
        if not self.rebalanced:
            problems.append("partitions not assigned and recovered yet")
        if not self._reference_loaded.is_set():
            problems.append("reference data not loaded yet")
        if not self._reference_alive():
            problems.append("the reference data loader has stopped")
        return problems


def register_views(
    app: faust.App,
    readiness: Readiness,
    metrics: Metrics,
    reports: MutableMapping[bytes, bytes],
    refresh_gauges: Callable[[], None],
) -> None:
    @app.page("/health")
    async def health(web: View, request: Request) -> Response:
        return web.json({"status": "up"})

    @app.page("/ready")
    async def ready(web: View, request: Request) -> Response:
        problems = readiness.problems()
        return web.json(
            {"ready": not problems, "problems": problems}, status=503 if problems else 200
        )

    @app.page("/metrics")
    async def prometheus(web: View, request: Request) -> Response:
        refresh_gauges()
        # aiohttp refuses a charset inside ``content_type``; Prometheus' type carries one.
        headers = {"Content-Type": CONTENT_TYPE_LATEST}
        return web.bytes(generate_latest(metrics.registry), headers=headers)

    @app.page("/reports/{report_id}")
    async def report(web: View, request: Request, report_id: str) -> Response:
        raw = reports.get(report_id.encode())
        if raw is None:
            return web.json({"error": f"no report {report_id} on this worker"}, status=404)
        body = snapshot(decode_report(raw)).model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        return web.bytes(json.dumps(body).encode(), content_type="application/json")
