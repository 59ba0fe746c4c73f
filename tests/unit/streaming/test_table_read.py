"""A Faust table's value is read with one store read (``Table.get`` asks ``in`` first),
a plain mapping as it is."""

from __future__ import annotations

from typing import Any

import faust
import pytest

from problem_tracker.streaming.table_read import read_once


@pytest.fixture
def table() -> Any:
    app = faust.App("pt-table-read-test", store="memory://", autodiscover=False)
    table = app.Table("values", key_type=bytes, value_type=bytes)
    table.data[b"held"] = b"value"
    return table


def test_a_faust_table_is_read_without_asking_whether_it_holds_the_key(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def asked(self: object, key: object) -> bool:
        raise AssertionError("a second read: `in` before `[]`")

    assert table.get(b"held") == b"value"
    monkeypatch.setattr(type(table.data), "__contains__", asked)
    with pytest.raises(AssertionError, match="a second read"):
        table.get(b"held")
    read = read_once(table)

    assert read(b"held") == b"value"
    assert read(b"missing") is None


def test_a_plain_mapping_is_read_with_its_own_get() -> None:
    read = read_once({b"held": b"value"})

    assert read(b"held") == b"value"
    assert read(b"missing") is None
