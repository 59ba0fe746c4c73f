"""Durable timers for Jeopardy & Escalate: deadlines are data, ticks are messages.

The next deadline of every open report lives in the report's state and, as a small
copy, in the ``deadlines`` table (changelog-backed, co-partitioned with ``reports``), so
rebuilding the in-memory due-index after a rebalance reads a few bytes per report instead
of decoding every report. A due deadline becomes a ``Tick`` command on the internal
report-commands topic, handled by the same decider as everything else; its event id is
derived from the deadline, so a tick sent twice (say, around a rebalance) is a duplicate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, MutableMapping
from datetime import datetime

from problem_tracker.application.ports import Clock
from problem_tracker.contracts.internal import encode_internal
from problem_tracker.domain.commands import Tick
from problem_tracker.domain.report import CustomerProblemReport
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.due_index import DueIndex, to_slot
from problem_tracker.streaming.outbox import Outbox

log = logging.getLogger(__name__)

NextDeadline = Callable[[CustomerProblemReport], datetime | None]


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
    ) -> None:
        self._deadlines = deadlines
        self._next_deadline = next_deadline
        self._outbox = outbox
        self._clock = clock
        self._metrics = metrics
        self.index = DueIndex()

    def after_decision(
        self, report_id: str, state: CustomerProblemReport | None, replayed: bool = False
    ) -> None:
        """Called in the report's stream after each command: (re)schedule its next tick.
        After a replay the deadline is written even if unchanged: its changelog record may
        have been lost with the crash that caused the replay."""
        deadline = None if state is None else self._next_deadline(state)
        key = report_id.encode()
        stored = self._deadlines.get(key)
        wanted = None if deadline is None else str(to_slot(deadline)).encode()
        if stored != wanted or (replayed and wanted is not None):
            if wanted is None:
                self._deadlines.pop(key, None)
            else:
                self._deadlines[key] = wanted
        self.index.schedule(report_id, deadline)

    def rebuild(self) -> None:
        """After a rebalance: the index holds exactly the deadlines of owned partitions."""
        started = time.perf_counter()
        self.index.rebuild((key.decode(), int(value)) for key, value in self._deadlines.items())
        self._metrics.due_index_size.set(len(self.index))
        seconds = round(time.perf_counter() - started, 3)
        self._metrics.due_index_rebuild_seconds.set(seconds)
        log.info("due-index rebuilt", extra={"entries": len(self.index), "seconds": seconds})

    async def fire_due(self) -> int:
        """Send a Tick for every deadline that has come; returns how many were sent."""
        now = self._clock.now()
        fired = 0
        for report_id, deadline in list(self.index.pop_due(now)):
            await self._outbox.tick(report_id, encode_internal(tick_command(report_id, deadline)))
            self._metrics.tick_lag_seconds.observe(max(0.0, (now - deadline).total_seconds()))
            fired += 1
        self._metrics.due_index_size.set(len(self.index))
        return fired
