"""One line per output record: when, what, which report, and where it stands.

Read from the JSON as it is on the wire, leniently: a record of a newer contract version,
or one that is not JSON at all, is still shown (``status`` says what is wrong with it).
Only ids, types, statuses and reason codes are shown, never the report's contents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from problem_tracker.ops.reading import Record

Kind = Literal["notifications", "escalations", "dlq"]
NONE = "-"


@dataclass(frozen=True)
class Summary:
    """What ``tail`` prints of a record; ``value`` is the whole value for ``--json``."""

    time: str
    event_type: str
    key: str
    status: str
    value: Any

    def as_json(self, record: Record) -> dict[str, Any]:
        return {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestamp": _iso(record.timestamp),
            "key": None if record.key is None else self.key,
            "time": self.time,
            "eventType": self.event_type,
            "status": self.status,
            "value": self.value,
        }


def summarise(kind: Kind, record: Record) -> Summary:
    key = NONE if record.key is None else record.key.decode("utf-8", "replace")
    fallback = _iso(record.timestamp) or NONE
    if record.value is None:
        return Summary(fallback, NONE, key, "null value", None)
    try:
        value = json.loads(record.value)
    except ValueError:
        text = record.value.decode("utf-8", "replace")
        return Summary(fallback, NONE, key, "unreadable: not JSON", text)
    if not isinstance(value, dict):
        return Summary(fallback, NONE, key, "unreadable: not a JSON object", value)
    if kind == "dlq":
        return _dead_letter(value, key, fallback)
    time = _text(value.get("eventTime")) or fallback
    event_type = _text(value.get("eventType")) or NONE
    event = value.get("event")
    status = _escalation(event) if kind == "escalations" else _report_status(event)
    return Summary(time, event_type, key, status, value)


def _report_status(event: Any) -> str:
    report = _field(event, "customerProblemReport")
    return _text(_field(report, "status")) or NONE


def _escalation(event: Any) -> str:
    if (jeopardy := _field(event, "customerProblemJeopardy")) is not None:
        level = _text(_field(jeopardy, "jeopardy")) or NONE
        elapsed = _field(jeopardy, "percentElapsed")
        return f"{level} ({elapsed:g} % elapsed)" if isinstance(elapsed, int | float) else level
    if (escalation := _field(event, "customerProblemEscalation")) is not None:
        level = _field(escalation, "level")
        kind = _text(_field(escalation, "kind")) or ""
        target = _text(_field(escalation, "target"))
        to = f" to {target}" if target else ""
        return f"level {level} {kind}{to}".replace("  ", " ")
    if (end := _field(event, "customerProblemEscalationEnd")) is not None:
        return f"ended: {_text(_field(end, 'reason')) or NONE}"
    return NONE


def _dead_letter(value: dict[str, Any], key: str, fallback: str) -> Summary:
    error = value.get("error")
    code = _text(_field(error, "code")) or "unknown code"
    where = f"{value.get('originalTopic')}/{value.get('partition')}@{value.get('offset')}"
    truncated = " (truncated)" if value.get("valueTruncated") or value.get("keyTruncated") else ""
    time = _text(value.get("receivedAt")) or fallback
    return Summary(time, _original_type(value), key, f"{code} {where}{truncated}", value)


def _original_type(value: dict[str, Any]) -> str:
    """The eventType of the rejected record, when its text is a JSON object that has one."""
    original = value.get("value")
    if not isinstance(original, str) or value.get("valueEncoding") is not None:
        return NONE
    try:
        document = json.loads(original)
    except ValueError:
        return NONE
    return _text(_field(document, "eventType")) or NONE


def _field(container: Any, name: str) -> Any:
    return container.get(name) if isinstance(container, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
