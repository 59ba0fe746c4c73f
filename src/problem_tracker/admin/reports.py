"""``problem-tracker reports get|list``: the query API (``/v1``) of any worker, for a NOC.

Exit codes: 0 found, 4 no such report (``get``), 1 the worker could not answer.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from problem_tracker.config import Settings

NOT_FOUND = 4
PATH = "/v1/customer-problems"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("reports", help="read reports through a worker's /v1 API")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    get = actions.add_parser("get", help="one report's snapshot")
    get.add_argument("report_id")
    _common(get)
    get.set_defaults(handler=_get)
    listed = actions.add_parser("list", help="open reports of all workers, filtered")
    listed.add_argument("--status", help="comma-separated, e.g. inProgress,pending")
    listed.add_argument("--priority", help="comma-separated, e.g. 1,2")
    listed.add_argument("--jeopardy", help="none, warning, jeopardy, breached (comma-separated)")
    listed.add_argument("--escalation-level", help="comma-separated levels (0: none)")
    listed.add_argument("--limit", type=int, default=100, help="reports per page (max 1000)")
    listed.add_argument("--all", action="store_true", help="follow every page")
    _common(listed)
    listed.set_defaults(handler=_list)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="a worker (default: WORKER__ADVERTISED_URL or web port)")
    parser.add_argument("--json", action="store_true", help="JSON instead of text")


def _get(args: argparse.Namespace, settings: Settings) -> int:
    status, body = _ask(args, settings, f"{PATH}/{urllib.parse.quote(args.report_id)}", {})
    if status == 404:
        print(f"no report {args.report_id}", file=sys.stderr)
        return NOT_FOUND
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    parties = ", ".join(p.get("id", "?") for p in body.get("relatedParty", ()))
    print(f"{body['id']}  {body['status']}  priority {body.get('priority')}  parties {parties}")
    print(f"  {body.get('description', '')}")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    query = {
        name: value
        for name, value in (
            ("status", args.status),
            ("priority", args.priority),
            ("jeopardy", args.jeopardy),
            ("escalationLevel", args.escalation_level),
            ("limit", str(args.limit)),
        )
        if value
    }
    items: list[dict[str, Any]] = []
    while True:
        _, body = _ask(args, settings, PATH, query)
        items.extend(body["items"])
        if not args.all or body["next"] is None:
            break
        query["cursor"] = body["next"]
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    for item in items:
        print(
            f"{item['id']:<24} {item['status']:<12} P{item['priority']} "
            f"{item['jeopardy']:<9} level {item['escalationLevel']}"
        )
    print(f"{len(items)} report(s)", file=sys.stderr)
    return 0


def _ask(
    args: argparse.Namespace, settings: Settings, path: str, query: dict[str, str]
) -> tuple[int, Any]:
    worker = settings.worker
    base = args.url or worker.advertised_url or f"http://{worker.web_host}:{worker.web_port}"
    url = base.rstrip("/") + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
    request = urllib.request.Request(url)
    if worker.api_token is not None:
        request.add_header("Authorization", f"Bearer {worker.api_token.get_secret_value()}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return 404, None
        problem = error.read().decode(errors="replace")
        raise RuntimeError(f"{base} answered {error.code}: {problem}") from None
    except OSError as exc:
        raise RuntimeError(f"cannot reach {base}: {exc}") from None
