"""A table value as stored: an aggregate's state and the records its recent decisions sent.

The state alone cannot make a crash harmless. A worker saves a report's new state and then
sends what the decision caused; the input's offset is committed only after those records
were delivered. Killed in between, the worker reads the input again, finds its event id
already in the state (a redelivery) and would publish nothing: the outputs would be lost.
So each decision's records are kept with the state, exactly as they were sent, until the
offset of the input that caused them is committed; a redelivered input sends them again,
byte for byte (see ``streaming.processors``).

Layout: a value that starts with ``{`` is a bare state (``translation.state``), as every
value was before outputs were kept, and as a value is when nothing is pending. Otherwise::

    MAGIC | u32 length of the state | state | u32 length of the heads | heads | records

(lengths big-endian). ``heads`` is a JSON list with one ``[event id, topic, partition,
offset, length of its records]`` per decided input; ``records`` is each input's records
one after the other, each a JSON list of ``[topic, partition, key, value, [[header, value],
...], timestamp]`` with bytes as base64 (``null`` for none). Every state load reads the
heads (to drop what was committed) but records are parsed only when one is sent again: a
kept input's records are carried into the next value as the bytes they were.

Values written by earlier versions (``LEGACY_MAGIC``) have no heads: ``MAGIC | u32 length
of the state | state | JSON list of {"e", "t", "p", "o", "r": records}``; they still read.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

MAGIC: Final = b"PTS\x02"
LEGACY_MAGIC: Final = b"PTS\x01"
_LENGTH = struct.Struct(">I")
_COMPACT = (",", ":")


class StoredDecodeError(ValueError):
    """A table value this version cannot read."""


@dataclass(frozen=True, slots=True)
class SentRecord:
    """One record as it was handed to the producer."""

    topic: str
    partition: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    timestamp: float | None = None


@dataclass(frozen=True, slots=True)
class DecidedInput:
    """The records one decision sent (as their stored JSON), and the input that caused
    them."""

    event_id: str
    topic: str
    partition: int
    offset: int
    records_json: bytes

    @classmethod
    def of(
        cls, event_id: str, topic: str, partition: int, offset: int, records: Iterable[SentRecord]
    ) -> DecidedInput:
        encoded = json.dumps([_record(record) for record in records], separators=_COMPACT)
        return cls(event_id, topic, partition, offset, encoded.encode())

    @property
    def records(self) -> tuple[SentRecord, ...]:
        """The records, parsed: only a replay needs them."""
        try:
            return _records(json.loads(self.records_json))
        except (ValueError, TypeError) as exc:
            raise StoredDecodeError(f"invalid stored value: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Stored:
    state: bytes
    decided: tuple[DecidedInput, ...] = ()

    def decided_for(self, event_id: str) -> DecidedInput | None:
        return next((entry for entry in self.decided if entry.event_id == event_id), None)


def encode_stored(stored: Stored) -> bytes:
    if not stored.decided:
        return stored.state
    heads = json.dumps(
        [[e.event_id, e.topic, e.partition, e.offset, len(e.records_json)] for e in stored.decided],
        separators=_COMPACT,
    ).encode()
    return b"".join(
        (
            MAGIC,
            _LENGTH.pack(len(stored.state)),
            stored.state,
            _LENGTH.pack(len(heads)),
            heads,
            *(entry.records_json for entry in stored.decided),
        )
    )


def decode_stored(raw: bytes) -> Stored:
    if not raw.startswith((MAGIC, LEGACY_MAGIC)):
        return Stored(raw)
    try:
        state, rest = _cut(raw, len(MAGIC))
        if raw.startswith(LEGACY_MAGIC):
            return Stored(state, tuple(_legacy_entry(entry) for entry in json.loads(rest)))
        return Stored(state, _decided(rest))
    except (ValueError, TypeError, KeyError, struct.error) as exc:
        raise StoredDecodeError(f"invalid stored value: {exc}") from exc


def _cut(raw: bytes, at: int) -> tuple[bytes, bytes]:
    """The length-prefixed part at ``at``, and what follows it."""
    (length,) = _LENGTH.unpack_from(raw, at)
    start = at + _LENGTH.size
    if start + length > len(raw):
        raise ValueError("a part is cut short")
    return raw[start : start + length], raw[start + length :]


def _decided(rest: bytes) -> tuple[DecidedInput, ...]:
    heads, records = _cut(rest, 0)
    decided = []
    position = 0
    for event_id, topic, partition, offset, length in json.loads(heads):
        end = position + _int(length)
        if end > len(records):
            raise ValueError("the records are cut short")
        decided.append(
            DecidedInput(
                _str(event_id), _str(topic), _int(partition), _int(offset), records[position:end]
            )
        )
        position = end
    if position != len(records):
        raise ValueError("bytes left after the records")
    return tuple(decided)


def _legacy_entry(entry: dict[str, Any]) -> DecidedInput:
    return DecidedInput.of(
        _str(entry["e"]), _str(entry["t"]), _int(entry["p"]), _int(entry["o"]), _records(entry["r"])
    )


def _record(record: SentRecord) -> list[Any]:
    return [
        record.topic,
        record.partition,
        _b64(record.key),
        _b64(record.value),
        [[name, _b64(value)] for name, value in record.headers],
        record.timestamp,
    ]


def _records(rows: list[Any]) -> tuple[SentRecord, ...]:
    return tuple(
        SentRecord(
            topic=_str(topic),
            partition=None if partition is None else _int(partition),
            key=_bytes(key),
            value=_bytes(value),
            headers=tuple((_str(name), _bytes(data) or b"") for name, data in headers),
            timestamp=None if timestamp is None else float(timestamp),
        )
        for topic, partition, key, value, headers, timestamp in rows
    )


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _bytes(text: object) -> bytes | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"expected base64 text, got {type(text).__name__}")
    return base64.b64decode(text, validate=True)


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value
