"""Timers are data (eTOM 1.3.7.3 jeopardy and escalation): a report says in its state
when it next wants a ``Tick``, and only that tick, once it is due, is acted on.

The shell calls ``next_deadline`` after every saved decision and schedules a ``Tick``
whose ``deadline`` is that instant (on the 100 ms tick grid). A tick for a deadline the report no
longer has (a stale one: the report paused, moved on, or the tick was already acted on)
or one that arrives before its deadline does nothing.
"""

from __future__ import annotations

from datetime import datetime

from problem_tracker.domain.commands import Tick
from problem_tracker.domain.report import CustomerProblemReport


def next_deadline(state: CustomerProblemReport) -> datetime | None:
    """The earliest instant the report wants a ``Tick``: its next jeopardy threshold,
    breach, ladder step, customer update or partner OLA; ``None`` when nothing can fall
    due (finished, paused with no partner leg open, or no SLA)."""
    return None if state.sla is None else state.sla.next_tick


def tick_is_due(state: CustomerProblemReport, tick: Tick, now: datetime) -> bool:
    """Whether ``tick`` is for the report's current deadline and that deadline has come."""
    deadline = next_deadline(state)
    return deadline is not None and tick.deadline == deadline and now >= deadline
