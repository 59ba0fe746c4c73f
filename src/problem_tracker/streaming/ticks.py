"""Durable timers for Jeopardy & Escalate: deadlines are data, ticks are messages.

The next deadline of every open report lives in the report's state and, as a small
copy, in the ``deadlines`` table (changelog-backed, co-partitioned with ``reports``), so
rebuilding the in-memory due-index after a rebalance reads a few bytes per report instead
of decoding every report. The same entry carries what the open-report gauges count
(status, priority, jeopardy, escalation level): ``slot|status|priority|jeopardy|level``,
the slot empty while nothing can fall due; an entry of digits only was written before the
summary was kept, and is completed from the report on the next rebuild. The gauges are
counts of this worker's active entries, exact after every rebalance.

A due deadline becomes a ``Tick`` command on the internal report-commands topic, handled
by the same decider as everything else; its event id is derived from the deadline, so a
tick sent twice (say, around a rebalance) is a duplicate.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from problem_tracker.application.ports import Clock
from problem_tracker.domain.commands import Tick
from problem_tracker.domain.report import CustomerProblemReport
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.due_index import DueIndex, to_slot
from problem_tracker.streaming.outbox import Outbox
from problem_tracker.streaming.table_read import read_once
from problem_tracker.translation.internal import encode_internal

log = logging.getLogger(__name__)

NextDeadline = Callable[[CustomerProblemReport], datetime | None]


@dataclass(frozen=True, slots=True)
class Summary:
    """What the open-report gauges count of one report."""

    status: str
    priority: str
    jeopardy: str
    level: str

    @classmethod
    def of(cls, report: CustomerProblemReport) -> Summary:
        sla = report.sla
        return cls(
            status=report.status.value,
            priority=str(report.priority),
            jeopardy="none" if sla is None else sla.jeopardy.value,
            level="0" if sla is None else str(sla.clock.escalation_level),
        )


def encode_entry(slot: int | None, summary: Summary) -> bytes:
    due = "" if slot is None else str(slot)
    return f"{due}|{summary.status}|{summary.priority}|{summary.jeopardy}|{summary.level}".encode()


def decode_entry(raw: bytes) -> tuple[int | None, Summary | None]:
    """The due slot and summary of an entry; a digits-only entry has no summary."""
    due, *rest = raw.decode().split("|")
    slot = int(due) if due else None
    return slot, Summary(*rest) if len(rest) == 4 else None


class OpenReports:
    """Counts of open reports by each gauge's labels, kept in step with the entries."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._by_status: Counter[tuple[str, str]] = Counter()
        self._by_jeopardy: Counter[str] = Counter()
        self._by_level: Counter[str] = Counter()
        self._published: dict[str, set[Any]] = {}

    def clear(self) -> None:
        for counts in (self._by_status, self._by_jeopardy, self._by_level):
            counts.clear()

    def move(self, old: Summary | None, new: Summary | None) -> None:
        if old == new:
            return
        for summary, step in ((old, -1), (new, 1)):
            if summary is not None:
                self._by_status[(summary.status, summary.priority)] += step
                self._by_jeopardy[summary.jeopardy] += step
                self._by_level[summary.level] += step

    def publish(self) -> None:
        """Set every gauge; a label seen before and now empty (say, after a rebalance took
        its reports away) reads 0, not its last count."""
        metrics = self._metrics
        for gauge, counts in (
            (metrics.open_reports, self._by_status),
            (metrics.open_reports_in_jeopardy, self._by_jeopardy),
            (metrics.open_reports_by_escalation_level, self._by_level),
        ):
            seen = self._published.setdefault(gauge._name, set())
            seen.update(counts)
            for labels in seen:
                values = labels if isinstance(labels, tuple) else (labels,)
                gauge.labels(*values).set(counts.get(labels, 0))


def tick_command(report_id: str, deadline: datetime) -> Tick:
    return Tick(event_id=f"tick-{to_slot(deadline)}", report_id=report_id, deadline=deadline)


class TickScheduler:
    """Keeps the due-index and the deadlines table in step with the reports."""

    def __init__(
        self,
        deadlines: MutableMapping[bytes, bytes],
        next_deadline: NextDeadline,
        outbox: Outbox,
        clock: Clock,
        metrics: Metrics,
        report_of: Callable[[str], CustomerProblemReport | None] = lambda report_id: None,
    ) -> None:
        self._deadlines = deadlines
        self._read_deadline = read_once(deadlines)
        self._next_deadline = next_deadline
        self._outbox = outbox
        self._clock = clock
        self._metrics = metrics
        self._report_of = report_of
        self.index = DueIndex()
        self.open_reports = OpenReports(metrics)
        self._in_flight: dict[str, int] = {}
        """The slot of the tick sent to each report and not answered yet: a command decided
        before that tick arrives leaves the same deadline, which must not fire twice (the
        second tick would be a duplicate whose kept records are sent again)."""

    def after_decision(
        self, report_id: str, state: CustomerProblemReport | None, replayed: bool = False
    ) -> None:
        """Called in the report's stream after each command: (re)schedule its next tick
        and count it. After a replay the entry is written even if unchanged: its changelog
        record may have been lost with the crash that caused the replay."""
        deadline = None if state is None else self._next_deadline(state)
        key = report_id.encode()
        stored = self._read_deadline(key)
        wanted = None
        summary = None
        if state is not None and not state.is_terminal:
            summary = Summary.of(state)
            wanted = encode_entry(None if deadline is None else to_slot(deadline), summary)
        if stored != wanted or (replayed and wanted is not None):
            if wanted is None:
                del self._deadlines[key]
            else:
                self._deadlines[key] = wanted
        self.open_reports.move(None if stored is None else decode_entry(stored)[1], summary)
        if deadline is not None and self._in_flight.get(report_id) == to_slot(deadline):
            return
        self._in_flight.pop(report_id, None)
        self.index.schedule(report_id, deadline)

    def rebuild(self) -> None:
        """After a rebalance: the index and the counts hold exactly the entries of owned
        partitions."""
        started = time.perf_counter()
        self._in_flight.clear()
        self.open_reports.clear()
        self.index.rebuild(self._entries())
        self.open_reports.publish()
        self._metrics.due_index_size.set(len(self.index))
        seconds = round(time.perf_counter() - started, 3)
        self._metrics.due_index_rebuild_seconds.set(seconds)
        log.info("due-index rebuilt", extra={"entries": len(self.index), "seconds": seconds})

    def _entries(self) -> Iterator[tuple[str, int]]:
        for key, value in self._deadlines.items():
            report_id = key.decode()
            slot, summary = decode_entry(value)
            if summary is None:
                report = self._report_of(report_id)
                summary = None if report is None else Summary.of(report)
            self.open_reports.move(None, summary)
            if slot is not None:
                yield report_id, slot

    async def fire_due(self) -> int:
        """Send a Tick for every deadline that has come; returns how many were sent."""
        now = self._clock.now()
        fired = 0
        for report_id, deadline in list(self.index.pop_due(now)):
            await self._outbox.tick(report_id, encode_internal(tick_command(report_id, deadline)))
            self._in_flight[report_id] = to_slot(deadline)
            self._metrics.tick_lag_seconds.observe(max(0.0, (now - deadline).total_seconds()))
            fired += 1
        self._metrics.due_index_size.set(len(self.index))
        return fired
