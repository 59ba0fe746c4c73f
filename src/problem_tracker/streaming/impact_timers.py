"""Durable timers for the impact updates of shared service troubles.

The due instant is data in the service trouble's state (``impact_due``); this index only
says which trouble is due when, for the troubles this worker owns. It is rebuilt from the
service-troubles table after each rebalance (one entry per faulty service, far fewer than
reports, so the table itself is read rather than a copy of the deadlines). A due timer
becomes a ``SendImpact`` command on the internal service-trouble-commands topic, keyed by
the trouble's key and handled by its decider like any other command; its event id is
derived from the deadline, so a timer sent twice is a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from problem_tracker.application.ports import Clock
from problem_tracker.application.routing import ToServiceTrouble
from problem_tracker.domain.service_trouble import SendImpact, ServiceTrouble
from problem_tracker.streaming.due_index import DueIndex, to_slot
from problem_tracker.streaming.outbox import Outbox

log = logging.getLogger(__name__)


def impact_timer(service_id: str, deadline: datetime) -> SendImpact:
    return SendImpact(
        event_id=f"impact-{to_slot(deadline)}", service_id=service_id, deadline=deadline
    )


class ImpactTimers:
    """Which shared service trouble wants its impact told when. A timer sent is not sent
    again while the trouble still shows the same due instant (the ``SendImpact`` is on its
    way behind the trouble's other commands): a flood of links would otherwise re-send it
    at every tick, each copy a duplicate."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock
        self.index = DueIndex()
        self._pending: dict[str, SendImpact] = {}
        self._sent: dict[str, datetime] = {}

    def after_decision(self, key: str, state: ServiceTrouble | None) -> None:
        """Called in the trouble's stream after each command: (re)schedule its timer."""
        due = None if state is None else state.impact_due
        if state is None or due is None:
            self._pending.pop(key, None)
            self._sent.pop(key, None)
            self.index.schedule(key, None)
        elif self._sent.get(key) != due:
            self._sent.pop(key, None)
            self._pending[key] = impact_timer(state.service.id, due)
            self.index.schedule(key, due)

    def rebuild(self, troubles: Iterable[tuple[str, ServiceTrouble]]) -> None:
        """After a rebalance: exactly the pending timers of the troubles owned now (one
        sent before may have been lost with the partition: it is sent again)."""
        self.index.clear()
        self._pending.clear()
        self._sent.clear()
        for key, state in troubles:
            self.after_decision(key, state)
        log.info("impact timers rebuilt", extra={"entries": len(self.index)})

    async def fire_due(self) -> int:
        """Send a ``SendImpact`` for every timer that has come; returns how many."""
        now = self._clock.now()
        due = [
            (key, timer)
            for key, _ in list(self.index.pop_due(now))
            if (timer := self._pending.pop(key, None)) is not None
        ]
        for key, timer in due:
            self._sent[key] = timer.deadline
        routed = [ToServiceTrouble(key, timer) for key, timer in due]
        if routed:
            await self._outbox.send(self._outbox.service_trouble_commands(routed, None, now))
        return len(routed)
