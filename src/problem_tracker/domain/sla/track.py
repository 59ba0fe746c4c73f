"""What a customer problem report keeps of its SLA between two decisions (eTOM 1.3.7.3
Track & Manage Customer Problem): the clock of its current cycle, the OLA legs of the
partner requests still open, and what the policy made of them at the last decision — the
jeopardy level, the resolution due time and the instant the report wants its next
``Tick``.

Those three are stored rather than recomputed so that the shell can schedule ticks and
show the report without the policy. Ticks have a resolution of 100 ms: the next tick is
the first tenth of a second at or after the earliest deadline, so that the instant the
shell schedules (in slots of 100 ms) is exactly the one the report asked for, and a
deadline is acted on at most a tenth of a second late by rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from problem_tracker.domain.sla import ladder
from problem_tracker.domain.sla.clock import SlaClock, due_at
from problem_tracker.domain.sla.jeopardy import JeopardyLevel, jeopardy_level
from problem_tracker.domain.sla.ladder import PartnerLeg
from problem_tracker.domain.sla.policy import SlaRule

TICK_RESOLUTION = timedelta(milliseconds=100)


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaTrack:
    """The SLA of the report's current cycle; ``next_tick`` is ``None`` when nothing can
    fall due (the clock stands still or has stopped and no partner leg is open)."""

    clock: SlaClock
    partner_legs: tuple[PartnerLeg, ...] = ()
    jeopardy: JeopardyLevel = JeopardyLevel.NONE
    due_at: datetime | None = None
    next_tick: datetime | None = None

    @property
    def stopped(self) -> bool:
        return self.clock.stopped_at is not None


def refreshed(track: SlaTrack, rule: SlaRule) -> SlaTrack:
    """The track with its jeopardy level, due time and next tick as ``rule`` sees them."""
    clock, legs = track.clock, track.partner_legs
    return replace(
        track,
        jeopardy=jeopardy_level(clock, rule),
        due_at=due_at(clock, rule),
        next_tick=on_tick_grid(ladder.next_deadline(clock, rule, legs)),
    )


def on_tick_grid(moment: datetime | None) -> datetime | None:
    """The first tick instant at or after ``moment``: a deadline never fires early."""
    if moment is None:
        return None
    past_grid = moment.microsecond % (TICK_RESOLUTION // timedelta(microseconds=1))
    return (
        moment if past_grid == 0 else moment - timedelta(microseconds=past_grid) + TICK_RESOLUTION
    )
