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

    MAGIC | u32 big-endian length of the state | state | JSON list of decided inputs

where each decided input is ``{"e": event id, "t": topic, "p": partition, "o": offset,
"r": [[topic, partition, key, value, [[header, value], ...], timestamp], ...]}`` with
bytes as base64 (``null`` for none).
"""

from __future__ import annotations

import base64
import json
import struct
from dataclasses import dataclass
from typing import Any, Final

MAGIC: Final = b"PTS\x01"
_LENGTH = struct.Struct(">I")


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
    """The records one decision sent, and the input record that caused them."""

    event_id: str
    topic: str
    partition: int
    offset: int
    records: tuple[SentRecord, ...]


@dataclass(frozen=True, slots=True)
class Stored:
    state: bytes
    decided: tuple[DecidedInput, ...] = ()

    def decided_for(self, event_id: str) -> DecidedInput | None:
        return next((entry for entry in self.decided if entry.event_id == event_id), None)


def encode_stored(stored: Stored) -> bytes:
    if not stored.decided:
        return stored.state
    pending = json.dumps([_entry(entry) for entry in stored.decided], separators=(",", ":"))
    return MAGIC + _LENGTH.pack(len(stored.state)) + stored.state + pending.encode()


def decode_stored(raw: bytes) -> Stored:
    if not raw.startswith(MAGIC):
        return Stored(raw)
    try:
        start = len(MAGIC) + _LENGTH.size
        (length,) = _LENGTH.unpack_from(raw, len(MAGIC))
        if start + length > len(raw):
            raise ValueError("the state is cut short")
        pending = json.loads(raw[start + length :])
        decided = tuple(_decided(entry) for entry in pending)
    except (ValueError, TypeError, KeyError, struct.error) as exc:
        raise StoredDecodeError(f"invalid stored value: {exc}") from exc
    return Stored(raw[start : start + length], decided)


def _entry(entry: DecidedInput) -> dict[str, Any]:
    return {
        "e": entry.event_id,
        "t": entry.topic,
        "p": entry.partition,
        "o": entry.offset,
        "r": [
            [
                record.topic,
                record.partition,
                _b64(record.key),
                _b64(record.value),
                [[name, _b64(value)] for name, value in record.headers],
                record.timestamp,
            ]
            for record in entry.records
        ],
    }


def _decided(entry: dict[str, Any]) -> DecidedInput:
    records = tuple(
        SentRecord(
            topic=_str(topic),
            partition=None if partition is None else _int(partition),
            key=_bytes(key),
            value=_bytes(value),
            headers=tuple((_str(name), _bytes(data) or b"") for name, data in headers),
            timestamp=None if timestamp is None else float(timestamp),
        )
        for topic, partition, key, value, headers, timestamp in entry["r"]
    )
    return DecidedInput(
        event_id=_str(entry["e"]),
        topic=_str(entry["t"]),
        partition=_int(entry["p"]),
        offset=_int(entry["o"]),
        records=records,
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
