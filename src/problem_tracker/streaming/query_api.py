"""The query API (``/v1``): one report from any worker, and the open reports of all workers.

A report lives on the worker that processes its partition. Asked elsewhere, a worker
forwards the request to that owner (found in the group's assignment, which every worker
knows) and relays its answer. A list is gathered from every worker: each filters its own
open reports by the summaries of the deadlines table (status, priority, jeopardy,
escalation level: no report is decoded), the one asked merges them. Pages are in report-id
order; ``cursor`` is the last id of the previous page, so a page never repeats nor skips
a report that stayed open.

With ``WORKER__API_TOKEN`` set, every ``/v1`` request needs ``Authorization: Bearer
<token>``, and only then are contact data (a party's name) shown; without a token the API
is open and contact data are left out.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import faust
from faust.web import Request, Response, View
from pydantic import SecretStr

from problem_tracker.contracts.stored import decode_stored
from problem_tracker.streaming.partitioning import partition_for
from problem_tracker.streaming.ticks import Summary, decode_entry
from problem_tracker.translation.snapshot import snapshot
from problem_tracker.translation.state import decode_report

log = logging.getLogger(__name__)

PREFIX = "/v1/customer-problems"
LOCAL = "local"
"""Query flag of a request forwarded by another worker: answer from here, forward nothing."""
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
FILTERS = {"status": "status", "priority": "priority", "jeopardy": "jeopardy"}
FILTERS["escalationLevel"] = "level"


@dataclass(frozen=True, slots=True)
class Owners:
    """Where a report's partition is processed, as the group's assignment says."""

    app: faust.App
    changelog: Callable[[], str]
    partitions: int

    def partition(self, report_id: str) -> int:
        return partition_for(report_id.encode(), self.partitions)

    def owner_of(self, report_id: str) -> str | None:
        wanted = self.partition(report_id)
        topic = self.changelog()
        for url, topics in self.app.assignor.tables_metadata().items():
            if wanted in topics.get(topic, ()):
                return str(url)
        return None

    def workers(self) -> list[str]:
        return sorted(str(url) for url in self.app.assignor.tables_metadata())

    def me(self) -> str:
        return str(self.app.conf.canonical_url)


def register_query_api(
    app: faust.App,
    reports: Mapping[bytes, bytes],
    entries: Mapping[bytes, bytes],
    owners: Owners,
    is_active: Callable[[bytes], bool],
    token: SecretStr | None,
) -> None:
    def authorised(request: Request) -> bool | None:
        return access(request, token)

    @app.page(PREFIX)
    async def list_reports(web: View, request: Request) -> Response:
        access = authorised(request)
        if access is None:
            return _unauthorised(web)
        try:
            query = ListQuery.parse(request.query)
        except ValueError as exc:
            return web.json({"error": str(exc)}, status=400)
        if request.query.get(LOCAL):
            return web.json({"items": _local_page(entries, is_active, query)})
        pages = await asyncio.gather(
            *(
                _local_or_forwarded(app, owners, entries, is_active, query, url, request)
                for url in owners.workers() or [owners.me()]
            )
        )
        if any(page is None for page in pages):
            return web.json({"error": "a worker did not answer; try again"}, status=503)
        merged = sorted((i for page in pages for i in page or ()), key=lambda i: i["id"])
        items = merged[: query.limit]
        cursor = items[-1]["id"] if len(merged) > query.limit else None
        return web.json({"items": items, "next": cursor})

    @app.page(PREFIX + "/{report_id}")
    async def one_report(web: View, request: Request, report_id: str) -> Response:
        access = authorised(request)
        if access is None:
            return _unauthorised(web)
        key = report_id.encode()
        if is_active(key):
            raw = reports.get(key)
            if raw is None:
                return web.json({"error": f"no report {report_id}"}, status=404)
            body = snapshot(decode_report(decode_stored(raw).state)).model_dump(
                mode="json", by_alias=True, exclude_none=True
            )
            if not access:
                without_contact_data(body)
            return web.bytes(json.dumps(body).encode(), content_type="application/json")
        owner = owners.owner_of(report_id)
        if request.query.get(LOCAL) or owner is None or owner == owners.me():
            problem = f"the partition of report {report_id} has no active owner now; try again"
            return web.json({"error": problem}, status=503)
        status, text = await _forward(app, owner, f"{PREFIX}/{report_id}", {}, request)
        return web.bytes(text.encode(), content_type="application/json", status=status)

    @app.page("/v1/openapi.json")
    async def openapi(web: View, request: Request) -> Response:
        return web.json(OPENAPI)


def access(request: Request, token: SecretStr | None) -> bool | None:
    """``None``: refused; ``True``: may see contact data; ``False``: the API is open."""
    if token is None:
        return False
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {token.get_secret_value()}"
    return True if hmac.compare_digest(given.encode(), expected.encode()) else None


def without_contact_data(body: dict[str, Any]) -> dict[str, Any]:
    for party in body.get("relatedParty", ()):
        party.pop("name", None)
    return body


@dataclass(frozen=True, slots=True)
class ListQuery:
    wanted: dict[str, set[str]]
    limit: int
    cursor: str | None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> ListQuery:
        wanted = {
            field: set(query[name].split(",")) for name, field in FILTERS.items() if query.get(name)
        }
        try:
            limit = int(query.get("limit", DEFAULT_LIMIT))
        except ValueError:
            raise ValueError("limit must be a whole number") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        return cls(wanted, limit, query.get("cursor") or None)

    def params(self) -> dict[str, str]:
        params = {name: ",".join(sorted(self.wanted.get(f, ()))) for name, f in FILTERS.items()}
        params = {name: value for name, value in params.items() if value}
        params["limit"] = str(self.limit)
        if self.cursor:
            params["cursor"] = self.cursor
        return params

    def admits(self, summary: Summary) -> bool:
        return all(getattr(summary, field) in values for field, values in self.wanted.items())


def _local_page(
    entries: Mapping[bytes, bytes], is_active: Callable[[bytes], bool], query: ListQuery
) -> list[dict[str, Any]]:
    found = []
    for key, value in entries.items():
        report_id = key.decode()
        if query.cursor is not None and report_id <= query.cursor:
            continue
        _, summary = decode_entry(value)
        if summary is not None and query.admits(summary) and is_active(key):
            found.append(_item(report_id, summary))
    found.sort(key=lambda item: item["id"])
    return found[: query.limit]


def _item(report_id: str, summary: Summary) -> dict[str, Any]:
    return {
        "id": report_id,
        "status": summary.status,
        "priority": int(summary.priority),
        "jeopardy": summary.jeopardy,
        "escalationLevel": int(summary.level),
        "href": f"{PREFIX}/{report_id}",
    }


async def _local_or_forwarded(
    app: faust.App,
    owners: Owners,
    entries: Mapping[bytes, bytes],
    is_active: Callable[[bytes], bool],
    query: ListQuery,
    url: str,
    request: Request,
) -> list[dict[str, Any]] | None:
    if url == owners.me():
        return _local_page(entries, is_active, query)
    status, text = await _forward(app, url, PREFIX, {**query.params(), LOCAL: "1"}, request)
    if status != 200:
        return None
    return list(json.loads(text)["items"])


async def _forward(
    app: faust.App, url: str, path: str, params: Mapping[str, str], request: Request
) -> tuple[int, str]:
    """Ask another worker (its answer, or 503 when it cannot be reached)."""
    headers = {}
    if "Authorization" in request.headers:
        headers["Authorization"] = request.headers["Authorization"]
    target = url.rstrip("/") + path
    query = dict(params) if params else {LOCAL: "1"}
    try:
        async with app.http_client.get(target, params=query, headers=headers) as response:
            return response.status, await response.text()
    except Exception as exc:
        log.warning("a worker did not answer a query", extra={"url": url, "error": repr(exc)})
        return 503, json.dumps({"error": f"worker {url} did not answer"})


def _unauthorised(web: View) -> Response:
    return web.json(
        {"error": "this API needs Authorization: Bearer <WORKER__API_TOKEN>"}, status=401
    )


def _schema_of_item() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "status", "priority", "jeopardy", "escalationLevel", "href"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string"},
            "priority": {"type": "integer"},
            "jeopardy": {"enum": ["none", "warning", "jeopardy", "breached"]},
            "escalationLevel": {"type": "integer", "minimum": 0},
            "href": {"type": "string"},
        },
    }


def _parameters() -> list[dict[str, Any]]:
    listed = [
        ("status", "Statuses, comma-separated (acknowledged, inProgress, pending, held, resolved)"),
        ("priority", "Priorities, comma-separated"),
        ("jeopardy", "Jeopardy levels, comma-separated (none, warning, jeopardy, breached)"),
        ("escalationLevel", "Escalation levels reached, comma-separated (0: none)"),
        ("cursor", "The last id of the previous page"),
    ]
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "query", "required": False, "description": text}
        | {"schema": {"type": "string"}}
        for name, text in listed
    ]
    limit = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}
    parameters.append({"name": "limit", "in": "query", "required": False, "schema": limit})
    return parameters


def _errors(*codes: int) -> dict[str, Any]:
    text = {401: "No or wrong bearer token", 404: "Unknown report", 400: "Bad query"}
    text[503] = "The owning worker cannot answer now (rebalancing, or unreachable)"
    error = {"type": "object", "properties": {"error": {"type": "string"}}}
    return {
        str(code): {
            "description": text[code],
            "content": {"application/json": {"schema": error}},
        }
        for code in codes
    }


OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "problem-tracker query API",
        "version": "1",
        "description": (
            "Open customer problem reports, read from any worker. Bearer token when "
            "WORKER__API_TOKEN is set; contact data only with it."
        ),
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "security": [{}, {"bearer": []}],
    "paths": {
        PREFIX: {
            "get": {
                "summary": "Open reports of all workers, filtered, in report-id order",
                "parameters": _parameters(),
                "responses": {
                    "200": {
                        "description": "A page; next is the cursor of the next page, or null",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items", "next"],
                                    "properties": {
                                        "items": {"type": "array", "items": _schema_of_item()},
                                        "next": {"type": "string", "nullable": True},
                                    },
                                }
                            }
                        },
                    },
                    **_errors(400, 401, 503),
                },
            }
        },
        PREFIX + "/{id}": {
            "get": {
                "summary": "One report as its snapshot (schemas/README.md), from its owner",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "The report's snapshot (TMF656 CustomerProblemReport)",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_errors(401, 404, 503),
                },
            }
        },
    },
}


def render_openapi() -> str:
    return json.dumps(OPENAPI, indent=2, sort_keys=True) + "\n"
