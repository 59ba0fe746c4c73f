"""Deliberately bad input, one kind per DLQ reason of CONTRACT.md.

Track & Manage Customer Problem must reject what does not fit the contract or the
report's lifecycle with a DLQ entry, never crash and never drop silently; a duplicate
event id is the exception: acknowledged without effect. Each kind knows the DLQ code it
should earn (``None`` for the duplicate).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from problem_tracker.simulate import messages as m
from problem_tracker.simulate.messages import SimMessage, Topic


class BadKind(StrEnum):
    """A kind of bad input; the value is the DLQ ``error.code`` it should produce."""

    MALFORMED_JSON = "malformed-json"
    SCHEMA_VIOLATION = "schema-violation"
    UNKNOWN_EVENT_TYPE = "unknown-event-type"
    KEY_MISMATCH = "key-mismatch"
    OVERSIZED = "oversized"
    DUPLICATE_EVENT = "duplicate-event"
    ILLEGAL_TRANSITION = "illegal-transition"
    UNKNOWN_REPORT = "unknown-report"
    UNKNOWN_CORRELATION = "unknown-correlation"

    @property
    def expected_code(self) -> str | None:
        """The DLQ code the processor should give it; a duplicate earns none."""
        return None if self is BadKind.DUPLICATE_EVENT else self.value


@dataclass(frozen=True)
class _Context:
    event_id: str
    now: datetime
    report_id: str
    sent_create: SimMessage
    max_bytes: int


def bad_input(
    kind: BadKind,
    *,
    event_id: str,
    now: datetime,
    report_id: str,
    sent_create: SimMessage,
    max_bytes: int,
) -> SimMessage:
    """A bad message about ``report_id``, whose Create ``sent_create`` was just sent.

    ``ILLEGAL_TRANSITION`` closes that report while it is unresolved, so it must not be
    one a known error could resolve at once.
    """
    message = _BUILDERS[kind](_Context(event_id, now, report_id, sent_create, max_bytes))
    return SimMessage(message.topic, message.key, message.value, message.event_type, kind.value)


def _malformed(c: _Context) -> SimMessage:
    text = json.dumps(m.attributes_changed(c.event_id, c.now, c.report_id, priority=2).value)
    return SimMessage(Topic.CUSTOMER_EVENTS, c.report_id, text[: len(text) // 2].encode(), None, "")


def _schema_violation(c: _Context) -> SimMessage:
    return m.attributes_changed(c.event_id, c.now, c.report_id, priority="high")


def _unknown_event_type(c: _Context) -> SimMessage:
    return m.status_request(c.event_id, c.now, "CustomerProblemTeleportRequestEvent", c.report_id)


def _key_mismatch(c: _Context) -> SimMessage:
    message = m.attributes_changed(c.event_id, c.now, f"{c.report_id}-other", priority=3)
    return SimMessage(message.topic, c.report_id, message.value, message.event_type, "")


def _oversized(c: _Context) -> SimMessage:
    text = "The customer pasted a router log: " + "x" * c.max_bytes
    return m.attributes_changed(c.event_id, c.now, c.report_id, note=[m.note("agent", c.now, text)])


def _duplicate(c: _Context) -> SimMessage:
    return c.sent_create


def _illegal_transition(c: _Context) -> SimMessage:
    return m.status_request(c.event_id, c.now, m.CLOSE, c.report_id)


def _unknown_report(c: _Context) -> SimMessage:
    note = m.note("agent", c.now, "Any news?")
    return m.attributes_changed(c.event_id, c.now, f"{c.report_id}-ghost", note=[note])


def _unknown_correlation(c: _Context) -> SimMessage:
    update = m.DelegatedUpdate(status="resolved", note_text="Replaced a line card.")
    request_id, external_id = f"REQ-ghost-{c.report_id}", f"SPM-ghost-{c.report_id}"
    return m.delegated_event(
        m.SERVICE_TROUBLE, c.event_id, c.now, request_id, external_id, update, m.SPM
    )


_BUILDERS: dict[BadKind, Callable[[_Context], SimMessage]] = {
    BadKind.MALFORMED_JSON: _malformed,
    BadKind.SCHEMA_VIOLATION: _schema_violation,
    BadKind.UNKNOWN_EVENT_TYPE: _unknown_event_type,
    BadKind.KEY_MISMATCH: _key_mismatch,
    BadKind.OVERSIZED: _oversized,
    BadKind.DUPLICATE_EVENT: _duplicate,
    BadKind.ILLEGAL_TRANSITION: _illegal_transition,
    BadKind.UNKNOWN_REPORT: _unknown_report,
    BadKind.UNKNOWN_CORRELATION: _unknown_correlation,
}
