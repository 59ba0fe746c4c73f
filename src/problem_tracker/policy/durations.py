"""Durations as operators write them in the SLA policy: ``4h``, ``30m``, ``2d``, ``90s``,
combinations such as ``1h30m``, or ISO-8601 such as ``PT4H`` and ``P1DT2H``.

A day is 24 hours of the rule's calendar: on business hours of 10 hours a day, ``1d`` is
2.4 working days; write ``10h`` for one such day.
"""

from __future__ import annotations

import re
from datetime import timedelta

_SHORT = re.compile(
    r"(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
EXAMPLES = "e.g. 4h, 30m, 2d, 90s, 1h30m or ISO-8601 PT4H"


def parse_duration(text: object) -> timedelta:
    """A positive duration; ``ValueError`` saying what is wrong otherwise."""
    if isinstance(text, timedelta):
        duration = text
    elif isinstance(text, str):
        duration = _parse_text(text)
    else:
        raise ValueError(f"{text!r} is not a duration: give a unit, {EXAMPLES}")
    if duration <= timedelta(0):
        raise ValueError(f"{text!r}: a duration must be longer than zero")
    return duration


def _parse_text(text: str) -> timedelta:
    compact = text.replace(" ", "")
    is_iso = compact[:1] in ("P", "p")
    found = (_ISO if is_iso else _SHORT).fullmatch(compact)
    if not compact or found is None or not any(found.groupdict().values()):
        raise ValueError(f"{text!r} is not a duration: {EXAMPLES}")
    parts = {_UNITS[unit]: float(value) for unit, value in found.groupdict().items() if value}
    return timedelta(**parts)


def format_duration(duration: timedelta) -> str:
    """The short form: whole days as ``2d``, anything else in hours and below (``30h``,
    ``1h30m``, ``90s`` → ``1m30s``), as a day of business time is easy to misread."""
    seconds = int(duration.total_seconds())
    if seconds and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    parts = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"
