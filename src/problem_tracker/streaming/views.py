"""HTTP endpoints for SREs: liveness, readiness, Prometheus metrics, one report's state."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, MutableMapping

import faust
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr

from problem_tracker.contracts.stored import decode_stored
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.query_api import access, without_contact_data
from problem_tracker.translation.snapshot import snapshot
from problem_tracker.translation.state import decode_report

ACTIVE = "active"
STANDBY = "standby"
COPY_HEADER = "X-Problem-Tracker-Copy"
"""Which copy a ``/reports/{id}`` answer was read from: ``active`` or ``standby``."""


class Readiness:
    """Ready once partitions are assigned and recovered and reference data is loaded, and
    as long as the reference loader is alive (a dead one no longer follows the data)."""

    def __init__(
        self,
        reference_loaded: threading.Event,
        reference_alive: Callable[[], bool] = lambda: True,
        rebalancing: Callable[[], bool] = lambda: False,
        broker: Callable[[], str | None] = lambda: None,
    ) -> None:
        self._reference_loaded = reference_loaded
        self._reference_alive = reference_alive
        self._rebalancing = rebalancing
        self._broker = broker
        self.rebalanced = False

    def problems(self) -> list[str]:
        problems = []
        if not self.rebalanced:
            problems.append("partitions not assigned and recovered yet")
        elif self._rebalancing():
            problems.append("the group is rebalancing: partitions are moving")
        if not self._reference_loaded.is_set():
            problems.append("reference data not loaded yet")
        if not self._reference_alive():
            problems.append("the reference data loader has stopped")
        broker = self._broker()
        if broker is not None:
            problems.append(broker)
        return problems


def register_views(
    app: faust.App,
    readiness: Readiness,
    metrics: Metrics,
    reports: MutableMapping[bytes, bytes],
    refresh_gauges: Callable[[], None],
    copy_of: Callable[[bytes], str] = lambda key: ACTIVE,
    token: SecretStr | None = None,
) -> None:
    """``copy_of(key)`` says which copy of the key's partition this worker holds:
    ``active`` (it processes it), ``standby`` (a replica, possibly behind) or ``none``."""

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
        key = report_id.encode()
        copy = copy_of(key)
        wanted = request.query.get("copy", ACTIVE)
        if copy != ACTIVE and not (copy == STANDBY and wanted == STANDBY):
            problem = f"report {report_id} is not processed by this worker"
            if copy == STANDBY:
                problem += " (it holds a standby copy, possibly behind: add ?copy=standby)"
            return web.json({"error": problem, "copy": copy}, status=404)
        allowed = access(request, token)
        if allowed is None:
            return web.json({"error": "Authorization: Bearer <WORKER__API_TOKEN>"}, status=401)
        raw = reports.get(key)
        if raw is None:
            return web.json({"error": f"no report {report_id}", "copy": copy}, status=404)
        body = snapshot(decode_report(decode_stored(raw).state)).model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        if not allowed:
            without_contact_data(body)
        return web.bytes(
            json.dumps(body).encode(),
            content_type="application/json",
            headers={COPY_HEADER: copy},
        )
