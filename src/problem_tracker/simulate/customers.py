"""The customer side of Track & Manage: channels, customers and Close Customer Problem.

It follows each report through the processor's notifications and acts the way the other
side of eTOM 1.3.7.3 would: amend, hold and resume, cancel, answer a request for
information (then Isolate Customer Problem reports the affected entities), an operator
assigning the report or asking the customer (contract v1.1), and, once the
report is resolved, Close Customer Problem closes it or the customer rejects the
resolution and reopens it. Actions are only sent while the report's last known status
allows them, so good traffic stays good; with no notification seen yet, the status is
unknown and the action is sent.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from problem_tracker.simulate import messages as m
from problem_tracker.simulate.plans import Action, ReportPlan
from problem_tracker.simulate.scenario import OPERATORS, EventIds

OPEN = frozenset({"acknowledged", "inProgress", "pending", "held"})
TERMINAL = frozenset({"closed", "cancelled"})
RESUME_PATIENCE = 20
"""How many times a resume waits for the hold to show before it gives up."""

INFORMATION_REQUIRED = "CustomerProblemReportInformationRequiredEvent"
RESOLVED = "CustomerProblemReportResolvedEvent"


class Verdict(Enum):
    SEND = "send"
    WAIT = "wait"
    SKIP = "skip"


@dataclass(frozen=True)
class Due:
    """An action on a report, due at ``at`` (monotonic seconds)."""

    at: float
    report_id: str
    action: Action
    detail: str | int | None = None
    attempt: int = 0


ALLOWED: Mapping[Action, frozenset[str]] = {
    Action.AMEND: OPEN,
    Action.NOTE: OPEN,
    Action.HOLD: frozenset({"acknowledged", "inProgress", "pending"}),
    Action.RESUME: frozenset({"held"}),
    Action.CANCEL: OPEN,
    Action.PROVIDE_INFORMATION: frozenset({"pending"}),
    Action.ISOLATION_COMPLETED: OPEN,
    Action.CLOSE: frozenset({"resolved"}),
    Action.REOPEN: frozenset({"resolved"}),
    Action.ASSIGN: OPEN | {"resolved"},
    Action.ASK_CUSTOMER: frozenset({"acknowledged", "inProgress"}),
}


class CustomerSide:
    """Reacts to notifications of the reports it created; pure, time comes in."""

    def __init__(self, ids: EventIds, *, seed: int, follow_up_window: float = 2.0) -> None:
        self._ids = ids
        self._rng = random.Random(f"{seed}/customers")
        self._window = follow_up_window
        self._plans: dict[str, ReportPlan] = {}
        self._status: dict[str, str] = {}
        self._sent: Counter[tuple[str, str]] = Counter()
        self._seen_notifications: set[str] = set()
        self._reopened: set[str] = set()
        self._isolated: set[str] = set()
        self._open = 0

    def created(self, plan: ReportPlan, at: float) -> list[Due]:
        """The report was created at ``at``: schedule its scripted follow-ups."""
        self._plans[plan.report_id] = plan
        self._open += 1
        return [Due(at + s.after, plan.report_id, s.action, s.detail) for s in plan.follow_ups]

    def observe(self, notification: Mapping[str, Any], at: float) -> list[Due]:
        """Learn the report's status from a notification; react to the ones that ask."""
        report = _snapshot(notification)
        report_id, event_id = report.get("id"), notification.get("eventId")
        if report_id not in self._plans or event_id in self._seen_notifications:
            return []
        if isinstance(event_id, str):
            self._seen_notifications.add(event_id)
        if isinstance(report.get("status"), str):
            self._set_status(report_id, report["status"])
        event_type = notification.get("eventType")
        if event_type == INFORMATION_REQUIRED:
            return self._answer(report_id, at)
        if event_type == RESOLVED:
            self._set_status(report_id, "resolved")
            return [self._settle(report_id, at)]
        return []

    def render(self, due: Due, now: datetime) -> tuple[Verdict, m.SimMessage | None]:
        """The message for a due action, if the report's status still allows it."""
        verdict = self._verdict(due)
        if verdict is not Verdict.SEND:
            return verdict, None
        self._sent[due.report_id, due.action] += 1
        event_id = self._ids.event_id(
            due.report_id, due.action, self._sent[due.report_id, due.action]
        )
        return verdict, _message(self._plans[due.report_id], due, event_id, now)

    def status(self, report_id: str) -> str | None:
        return self._status.get(report_id)

    @property
    def open_reports(self) -> int:
        """Reports created and not yet seen closed or cancelled."""
        return self._open

    def _set_status(self, report_id: str, status: str) -> None:
        was_open = self._status.get(report_id) not in TERMINAL
        self._status[report_id] = status
        self._open -= int(was_open and status in TERMINAL)

    def _verdict(self, due: Due) -> Verdict:
        status = self._status.get(due.report_id)
        if status is None or status in ALLOWED[due.action]:
            return Verdict.SEND
        hold_pending = due.action == Action.RESUME and status in OPEN
        return Verdict.WAIT if hold_pending and due.attempt < RESUME_PATIENCE else Verdict.SKIP

    def _answer(self, report_id: str, at: float) -> list[Due]:
        text = self._rng.choice(("The modem is the grey one in the hall.", "It is the home line."))
        answer_at = at + self._rng.uniform(0.1, 0.4) * self._window
        answers = [Due(answer_at, report_id, Action.PROVIDE_INFORMATION, text)]
        if report_id not in self._isolated:
            self._isolated.add(report_id)
            isolated_at = answer_at + self._rng.uniform(0.1, 0.3) * self._window
            answers.append(Due(isolated_at, report_id, Action.ISOLATION_COMPLETED))
        return answers

    def _settle(self, report_id: str, at: float) -> Due:
        """Close Customer Problem, unless this customer rejects the first resolution."""
        delay = self._rng.uniform(0.1, 0.5) * self._window
        if self._plans[report_id].reopens and report_id not in self._reopened:
            self._reopened.add(report_id)
            return Due(at + delay, report_id, Action.REOPEN, "The customer says it still fails.")
        return Due(at + delay, report_id, Action.CLOSE)


def _snapshot(notification: Mapping[str, Any]) -> Mapping[str, Any]:
    event = notification.get("event")
    report = event.get("customerProblemReport") if isinstance(event, dict) else None
    return report if isinstance(report, dict) else {}


def retry(due: Due, at: float) -> Due:
    """The same action, tried again later."""
    return Due(at, due.report_id, due.action, due.detail, due.attempt + 1)


def _message(plan: ReportPlan, due: Due, event_id: str, now: datetime) -> m.SimMessage:
    rid, detail = plan.report_id, due.detail
    match due.action:
        case Action.AMEND:
            return m.attributes_changed(event_id, now, rid, priority=detail)
        case Action.NOTE:
            return m.attributes_changed(
                event_id, now, rid, note=[m.note("agent", now, str(detail))]
            )
        case Action.HOLD:
            return m.status_request(event_id, now, m.HOLD, rid, str(detail))
        case Action.RESUME:
            return m.status_request(event_id, now, m.RESUME, rid)
        case Action.CANCEL:
            return m.status_request(event_id, now, m.CANCEL, rid, str(detail))
        case Action.PROVIDE_INFORMATION:
            return m.information_provided(event_id, now, rid, str(detail))
        case Action.ISOLATION_COMPLETED:
            cause = f"Line test located the fault on {plan.resource.name}."
            return m.isolation_completed(event_id, now, rid, plan.related_entities(), cause)
        case Action.REOPEN:
            return m.status_request(event_id, now, m.REOPEN, rid, str(detail))
        case Action.CLOSE:
            return m.status_request(event_id, now, m.CLOSE, rid)
        case Action.ASSIGN:
            assignee = str(detail)
            role = dict(OPERATORS).get(assignee, "service-desk")
            return m.assigned(event_id, now, rid, assignee, role)
        case Action.ASK_CUSTOMER:
            return m.information_request(event_id, now, rid, str(detail))
    raise ValueError(f"no message for {due.action}")
