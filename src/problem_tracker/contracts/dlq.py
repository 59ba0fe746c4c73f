"""Dead letters on ``customer-problem.dlq``: a rejected record, verbatim, with the reason.

The record keeps the original bytes so that an operator can fix and replay it: as UTF-8
text when they decode, otherwise base64 with ``valueEncoding`` (``keyEncoding`` for the key).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from problem_tracker.contracts.common import OutboundModel, UtcDateTime
from problem_tracker.contracts.outcomes import Rejection, RejectionCode

Encoding = Literal["base64"]
BASE64: Encoding = "base64"


def _absent(value: object) -> bool:
    return value is None


class DeadLetterError(OutboundModel):
    """Why the record was rejected; ``path`` points at the first failing field."""

    code: RejectionCode
    message: str
    path: str | None = Field(default=None, exclude_if=_absent)


class DeadLetterRecord(OutboundModel):
    """One rejected record of an inbound topic (not enveloped: it is not an event).

    ``key`` and ``value`` are always present, ``null`` when the record had none.
    """

    original_topic: Annotated[str, Field(min_length=1)]
    partition: Annotated[int, Field(ge=0)]
    offset: Annotated[int, Field(ge=0)]
    key: str | None
    key_encoding: Encoding | None = Field(default=None, exclude_if=_absent)
    value: str | None
    value_encoding: Encoding | None = Field(default=None, exclude_if=_absent)
    error: DeadLetterError
    received_at: UtcDateTime


def _as_text(raw: bytes | None) -> tuple[str | None, Encoding | None]:
    if raw is None:
        return None, None
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), BASE64


def dead_letter(
    original_topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    rejection: Rejection,
    received_at: datetime,
) -> DeadLetterRecord:
    """The DLQ record for a rejected record of ``original_topic``."""
    key_text, key_encoding = _as_text(key)
    value_text, value_encoding = _as_text(value)
    return DeadLetterRecord(
        original_topic=original_topic,
        partition=partition,
        offset=offset,
        key=key_text,
        key_encoding=key_encoding,
        value=value_text,
        value_encoding=value_encoding,
        error=DeadLetterError(code=rejection.code, message=rejection.message, path=rejection.path),
        received_at=received_at,
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
) -> bytes:
    """The encoded DLQ value for a rejected record (its Kafka key stays the original key)."""
    record = dead_letter(original_topic, partition, offset, key, value, rejection, received_at)
    return record.model_dump_json(by_alias=True).encode("utf-8")
