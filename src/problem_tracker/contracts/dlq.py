"""Dead letters on ``customer-problem.dlq``: a rejected record, verbatim, with the reason.

The record keeps the original bytes so that an operator can fix and replay it: as UTF-8
text when they decode, otherwise base64 with ``valueEncoding`` (``keyEncoding`` for the key).

A dead letter never exceeds a maximum size (``worker.dlq_max_record_bytes``, below the
producer's and the topic's limit): JSON escaping (six bytes per control character) and
base64 (four bytes per three) can make the record of a record that fitted on its own topic
too big for the DLQ. Then the value (and, if that is not enough, the key) is cut to fit
and the record says so: ``valueTruncated: true`` with ``valueSize`` (bytes of the original)
and ``valueSha256`` (of the original bytes), so an operator can fetch the original from the
source topic and check it is the one.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import Field

from problem_tracker.contracts.common import OutboundModel, UtcDateTime
from problem_tracker.contracts.outcomes import Rejection, RejectionCode

Encoding = Literal["base64"]
BASE64: Encoding = "base64"

DEFAULT_DLQ_MAX_RECORD_BYTES: Final = 900_000
"""Key plus value of a dead letter, comfortably below Kafka's default 1 MiB per record."""

MAX_ERROR_MESSAGE: Final = 4000
"""Characters of ``error.message`` kept (our own messages are far shorter)."""

SHA256_HEX = r"^[0-9a-f]{64}$"


def _absent(value: object) -> bool:
    return value is None


class DeadLetterError(OutboundModel):
    """Why the record was rejected; ``path`` points at the first failing field."""

    code: RejectionCode
    message: str
    path: str | None = Field(default=None, exclude_if=_absent)


class DeadLetterRecord(OutboundModel):
    """One rejected record of an inbound topic (not enveloped: it is not an event).

    ``key`` and ``value`` are always present, ``null`` when the record had none. When the
    record would not fit the DLQ, ``value`` (then ``key``) is a prefix of the original,
    flagged by ``valueTruncated`` (``keyTruncated``) with the original's size in bytes and
    SHA-256.
    """

    original_topic: Annotated[str, Field(min_length=1)]
    partition: Annotated[int, Field(ge=0)]
    offset: Annotated[int, Field(ge=0)]
    key: str | None
    key_encoding: Encoding | None = Field(default=None, exclude_if=_absent)
    key_truncated: Literal[True] | None = Field(default=None, exclude_if=_absent)
    key_size: Annotated[int, Field(ge=0)] | None = Field(default=None, exclude_if=_absent)
    key_sha256: Annotated[str, Field(pattern=SHA256_HEX)] | None = Field(
        default=None, exclude_if=_absent
    )
    value: str | None
    value_encoding: Encoding | None = Field(default=None, exclude_if=_absent)
    value_truncated: Literal[True] | None = Field(default=None, exclude_if=_absent)
    value_size: Annotated[int, Field(ge=0)] | None = Field(default=None, exclude_if=_absent)
    value_sha256: Annotated[str, Field(pattern=SHA256_HEX)] | None = Field(
        default=None, exclude_if=_absent
    )
    error: DeadLetterError
    received_at: UtcDateTime


@dataclass(frozen=True, slots=True)
class _Kept:
    """What the record shows of some original bytes: all of them, or the first ``size``."""

    raw: bytes | None
    size: int | None = None

    @property
    def truncated(self) -> bool:
        return self.size is not None and self.raw is not None and len(self.raw) < self.size

    def cut(self, size: int) -> _Kept:
        original = self.raw or b""
        return _Kept(original[:size], len(original))

    def fields(self, name: str, original: bytes | None) -> dict[str, object]:
        text, encoding = _as_text(self.raw, original)
        fields: dict[str, object] = {name: text, f"{name}_encoding": encoding}
        if self.truncated and original is not None:
            fields[f"{name}_truncated"] = True
            fields[f"{name}_size"] = len(original)
            fields[f"{name}_sha256"] = hashlib.sha256(original).hexdigest()
        return fields


def _as_text(raw: bytes | None, original: bytes | None) -> tuple[str | None, Encoding | None]:
    """UTF-8 text when the original is text (a cut in the middle of a character drops
    that character), otherwise base64."""
    if raw is None:
        return None, None
    if original is not None and _is_utf8(original):
        return raw.decode("utf-8", errors="ignore"), None
    return base64.b64encode(raw).decode("ascii"), BASE64


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def dead_letter(
    original_topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    rejection: Rejection,
    received_at: datetime,
) -> DeadLetterRecord:
    """The DLQ record for a rejected record of ``original_topic``, whole."""
    return _record(
        original_topic,
        partition,
        offset,
        (key, _Kept(key)),
        (value, _Kept(value)),
        rejection,
        received_at,
    )


def _record(
    original_topic: str,
    partition: int,
    offset: int,
    key: tuple[bytes | None, _Kept],
    value: tuple[bytes | None, _Kept],
    rejection: Rejection,
    received_at: datetime,
) -> DeadLetterRecord:
    error = DeadLetterError(
        code=rejection.code, message=rejection.message[:MAX_ERROR_MESSAGE], path=rejection.path
    )
    return DeadLetterRecord.model_validate(
        {
            "original_topic": original_topic,
            "partition": partition,
            "offset": offset,
            **key[1].fields("key", key[0]),
            **value[1].fields("value", value[0]),
            "error": error,
            "received_at": received_at,
        }
    )


def dlq_headers() -> list[tuple[str, bytes]]:
    """The Kafka headers of a dead letter: it has no envelope, hence no ``eventType``."""
    return [("content-type", b"application/json")]


def dlq_record(
    original_topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    rejection: Rejection,
    received_at: datetime,
    max_record_bytes: int = DEFAULT_DLQ_MAX_RECORD_BYTES,
) -> bytes:
    """The encoded DLQ value for a rejected record (its Kafka key stays the original key).

    The Kafka key and this value together stay within ``max_record_bytes``: the value is
    cut first, then the copy of the key in the record. The size is measured on the final
    encoding (escapes and base64 included), not estimated.
    """

    def encoded(kept_key: _Kept, kept_value: _Kept) -> bytes:
        record = _record(
            original_topic,
            partition,
            offset,
            (key, kept_key),
            (value, kept_value),
            rejection,
            received_at,
        )
        return record.model_dump_json(by_alias=True).encode("utf-8")

    budget = max_record_bytes - len(key or b"")
    whole = encoded(_Kept(key), _Kept(value))
    if len(whole) <= budget:
        return whole
    if value is not None:
        fitted = _largest_fitting(
            len(value), lambda n: encoded(_Kept(key), _Kept(value).cut(n)), budget
        )
        if fitted is not None:
            return fitted
    empty_value = _Kept(value).cut(0) if value is not None else _Kept(None)
    if key is not None:
        fitted = _largest_fitting(
            len(key), lambda n: encoded(_Kept(key).cut(n), empty_value), budget
        )
        if fitted is not None:
            return fitted
        return encoded(_Kept(key).cut(0), empty_value)
    return encoded(_Kept(None), empty_value)


def _largest_fitting(size: int, encode_prefix: Callable[[int], bytes], budget: int) -> bytes | None:
    """The encoding of the longest prefix (in bytes) whose record fits ``budget``."""
    best = None
    low, high = 0, size - 1
    while low <= high:
        middle = (low + high) // 2
        candidate = encode_prefix(middle)
        if len(candidate) <= budget:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best
