"""The query API's pure parts: filters and pages over the deadlines table's summaries, the
token check, contact data left out, and the committed OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import SecretStr

from problem_tracker.streaming.query_api import (
    ListQuery,
    _local_page,
    access,
    render_openapi,
    without_contact_data,
)
from problem_tracker.streaming.ticks import Summary, encode_entry

OPENAPI_FILE = Path(__file__).parents[3] / "schemas" / "query-api.openapi.json"


def entries() -> dict[bytes, bytes]:
    return {
        f"CPR-{n}".encode(): encode_entry(
            None, Summary("inProgress" if n % 2 else "pending", str(1 + n % 3), "none", "0")
        )
        for n in range(10)
    }


def test_a_page_holds_the_matching_reports_after_the_cursor_in_id_order() -> None:
    query = ListQuery.parse({"status": "inProgress", "limit": "2", "cursor": "CPR-1"})

    page = _local_page(entries(), lambda key: True, query)

    assert [item["id"] for item in page] == ["CPR-3", "CPR-5"]
    assert page[0] == {
        "id": "CPR-3",
        "status": "inProgress",
        "priority": 1,
        "jeopardy": "none",
        "escalationLevel": 0,
        "href": "/v1/customer-problems/CPR-3",
    }


def test_only_active_partitions_are_listed_and_filters_combine() -> None:
    query = ListQuery.parse({"priority": "1,2", "status": "pending,inProgress"})
    page = _local_page(entries(), lambda key: key != b"CPR-0", query)

    assert [item["id"] for item in page] == ["CPR-1", "CPR-3", "CPR-4", "CPR-6", "CPR-7", "CPR-9"]
    assert query.params() == {"status": "inProgress,pending", "priority": "1,2", "limit": "100"}


@pytest.mark.parametrize("limit", ["0", "1001", "many"])
def test_a_bad_limit_is_refused(limit: str) -> None:
    with pytest.raises(ValueError, match="limit"):
        ListQuery.parse({"limit": limit})


def test_the_token_is_checked_and_opens_contact_data() -> None:
    def request(header: str | None) -> object:
        return SimpleNamespace(headers={} if header is None else {"Authorization": header})

    token = SecretStr("t0k")
    assert access(request(None), None) is False  # type: ignore[arg-type]
    assert access(request("Bearer t0k"), token) is True  # type: ignore[arg-type]
    assert access(request("Bearer nope"), token) is None  # type: ignore[arg-type]
    assert access(request(None), token) is None  # type: ignore[arg-type]
    body = {"relatedParty": [{"id": "c-1", "name": "Ada Lovelace", "role": "customer"}]}
    assert without_contact_data(body) == {"relatedParty": [{"id": "c-1", "role": "customer"}]}


def test_the_committed_openapi_document_is_the_one_served() -> None:
    assert OPENAPI_FILE.read_text(encoding="utf-8") == render_openapi()
    assert json.loads(render_openapi())["openapi"].startswith("3.")
