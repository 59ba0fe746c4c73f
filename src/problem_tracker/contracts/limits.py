"""The limits decoding applies besides the schema: how large a record may be and which
date-times are plausible. A frozen value the shell builds once from its settings, so that
decoders stay pure functions of their input (no settings, no clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

DEFAULT_MAX_MESSAGE_BYTES: Final = 256 * 1024
DEFAULT_EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
DEFAULT_LATEST: Final = datetime(2100, 1, 1, tzinfo=UTC)
DAYS_PER_YEAR: Final = 365.25


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodeLimits:
    """``max_message_bytes``: a larger value is ``oversized``. Every inbound date-time
    must lie in ``[earliest, latest]`` (UTC) or the message is a ``schema-violation``."""

    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    earliest: datetime = DEFAULT_EARLIEST
    latest: datetime = DEFAULT_LATEST

    def __post_init__(self) -> None:
        if self.earliest.tzinfo is None or self.latest.tzinfo is None:
            raise ValueError("the date-time window needs aware bounds")
        if self.earliest >= self.latest:
            raise ValueError("the date-time window is empty")

    def plausible(self, moment: datetime) -> bool:
        return self.earliest <= moment <= self.latest


def decode_limits(
    *, max_message_bytes: int, earliest: datetime, years_ahead: float, now: datetime
) -> DecodeLimits:
    """The limits a worker started at ``now`` applies: dates from ``earliest`` to
    ``years_ahead`` years after its start."""
    latest = now.astimezone(UTC) + timedelta(days=DAYS_PER_YEAR * years_ahead)
    return DecodeLimits(
        max_message_bytes=max_message_bytes, earliest=earliest.astimezone(UTC), latest=latest
    )
