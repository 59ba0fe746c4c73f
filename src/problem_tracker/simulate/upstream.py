"""Everything upstream of Track & Manage in one paced stream: Create/Isolate Customer
Problem opening reports, customers and agents following up, Close Customer Problem
closing them, and now and then a deliberately bad record.

Pure: the caller passes monotonic ``at`` and wall-clock ``now``, hands over the records
the processor emitted, and produces what ``due`` returns.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from problem_tracker.simulate import messages as m
from problem_tracker.simulate.customers import CustomerSide, Due, Verdict, retry
from problem_tracker.simulate.faults import BadKind, bad_input
from problem_tracker.simulate.pacing import Schedule, TokenBucket
from problem_tracker.simulate.plans import ReportPlan
from problem_tracker.simulate.scenario import ScenarioGenerator

RETRY_AFTER = 0.5
BAD_LABELS = frozenset(kind.value for kind in BadKind)


class Upstream:
    """Sends ``count`` reports and their follow-ups at ``rate`` events per second."""

    def __init__(
        self, generator: ScenarioGenerator, *, count: int, rate: float, max_bytes: int
    ) -> None:
        self.generator = generator
        self.count = count
        self._plans: Iterator[ReportPlan] = generator.plans(count)
        self._plans_left = count
        self._bucket = TokenBucket(rate)
        self._max_bytes = max_bytes
        self._customers = CustomerSide(
            generator.ids, seed=generator.seed, follow_up_window=generator.mix.follow_up_window
        )
        self._schedule: Schedule[Due] = Schedule()
        self._ready: deque[Due | m.SimMessage] = deque()
        self.keys: set[str] = set()
        self.sent: Counter[str] = Counter()
        self.bad: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.notifications: Counter[str] = Counter()
        self.dlq: Counter[str] = Counter()
        self.dlq_stale: Counter[str] = Counter()
        """Dead letters of well-formed customer actions sent on a stale view of the status
        (the report moved on before the action reached it): a race any real customer has."""
        self._valid_event_ids: set[str] = set()

    @property
    def reports_created(self) -> int:
        return self.count - self._plans_left

    @property
    def open_reports(self) -> int:
        return self._customers.open_reports

    @property
    def all_sent(self) -> bool:
        """Every report created and nothing scripted or reactive waiting to be sent."""
        return self._plans_left == 0 and not self._ready and len(self._schedule) == 0

    @property
    def finished(self) -> bool:
        """Every report created has been seen closed or cancelled."""
        return self.all_sent and self.open_reports == 0

    def next_at(self, at: float) -> float | None:
        """When ``due`` may next have something to send; None when only reactions may."""
        pace = at + self._bucket.wait(at)
        if self._ready or self._plans_left:
            return pace
        scheduled = self._schedule.next_at()
        return None if scheduled is None else max(pace, scheduled)

    def due(self, at: float, now: datetime) -> list[m.SimMessage]:
        """What to send by ``at``, as far as the rate allows."""
        for item in self._schedule.pop_due(at):
            self._ready.append(item)
        out: list[m.SimMessage] = []
        while (self._ready or self._plans_left) and self._bucket.try_take(at):
            message = self._next(at, now)
            if message is not None:
                self._record(message)
                out.append(message)
        return out

    def observe_notification(self, key: str | None, value: bytes | None, at: float) -> None:
        """Learn from the processor's notification about one of our reports."""
        notification = _json(value)
        if key not in self.keys or notification is None:
            return
        self.notifications[str(notification.get("eventType"))] += 1
        for due in self._customers.observe(notification, at):
            self._schedule.add(due.at, due.report_id, due)

    def observe_dead_letter(self, key: str | None, value: bytes | None) -> None:
        """Count a DLQ entry for a record this run sent, by its error code."""
        record = _json(value)
        if key in self.keys and record is not None:
            error = record.get("error")
            code = str(error.get("code") if isinstance(error, dict) else "unknown")
            original = _json(str(record.get("value") or "").encode())
            if original is not None and original.get("eventId") in self._valid_event_ids:
                self.dlq_stale[code] += 1
            else:
                self.dlq[code] += 1

    def _next(self, at: float, now: datetime) -> m.SimMessage | None:
        if not self._ready:
            return self._create(next(self._plans), at, now)
        item = self._ready.popleft()
        if isinstance(item, m.SimMessage):
            return item
        verdict, message = self._customers.render(item, now)
        if verdict is Verdict.WAIT:
            self._schedule.add(at + RETRY_AFTER, item.report_id, retry(item, at + RETRY_AFTER))
        elif verdict is Verdict.SKIP:
            self.skipped[item.action.value] += 1
        return message

    def _create(self, plan: ReportPlan, at: float, now: datetime) -> m.SimMessage:
        self._plans_left -= 1
        create = self.generator.create(plan, now)
        for due in self._customers.created(plan, at):
            self._schedule.add(due.at, due.report_id, due)
        if plan.bad_input is not None:
            event_id = self.generator.ids.event_id(plan.report_id, "bad", plan.bad_input)
            bad = bad_input(
                plan.bad_input,
                event_id=event_id,
                now=now,
                report_id=plan.report_id,
                sent_create=create,
                max_bytes=self._max_bytes,
            )
            self._ready.appendleft(bad)
        return create

    def _record(self, message: m.SimMessage) -> None:
        if message.key is not None:
            self.keys.add(message.key)
        if message.label in BAD_LABELS:
            self.bad[message.label] += 1
        else:
            self.sent[message.label] += 1
            if message.topic is m.Topic.CUSTOMER_EVENTS and isinstance(message.value, dict):
                self._valid_event_ids.add(str(message.value.get("eventId")))


def _json(value: bytes | None) -> dict[str, Any] | None:
    try:
        parsed = json.loads(value) if value is not None else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
