"""Reading a table value with one RocksDB read.

Faust's ``Table.get(key)`` goes through ``Table.__getitem__``, which asks its store
``key in data`` and then ``data[key]``: two RocksDB reads for every key it holds. The
store itself (``table.data``) answers ``get`` with one. Only Faust's per-table "get"
sensor, which nothing here reads, is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import faust

Read = Callable[[bytes], bytes | None]


def read_once(table: Mapping[bytes, bytes]) -> Read:
    """``table.get`` for a plain mapping; one store read for a Faust table."""
    if isinstance(table, faust.Table):
        faust_table: Any = table

        def read(key: bytes) -> bytes | None:
            value: bytes | None = faust_table.data.get(key)
            return value

        return read
    return table.get
