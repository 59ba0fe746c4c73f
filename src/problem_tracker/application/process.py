"""Track & Manage Customer Problem, one command at a time: the only place where a decision
and its application to the state are combined.

The shell loads the state, calls ``handle_report`` or ``handle_service_trouble``, saves
``Decision.state`` and publishes ``Decision.events``. A redelivered inbound event gives
``duplicate=True`` and no events: acknowledge it, count it, publish nothing. The domain
alone tells a redelivery (``domain.identity.recurrence``: the same id with the same
content decides nothing); the same event id with different content is no duplicate: it is
decided, as an ``event-id-conflict`` rejection.

SLA timers are data: after each decision the shell asks
``domain.timekeeping.next_deadline`` for the instant the report next wants a ``Tick`` (on
the grid of ``domain.sla.track.TICK_RESOLUTION``, or ``None``) and sends one then, with
that instant as its ``deadline`` and an event id derived from the deadline. A tick for a
deadline the report no longer has, or that arrives early, gives no events; a re-sent one
is a duplicate. The SLA policy is ``DecisionContext.sla_policy``
(``problem_tracker.policy.load_policy`` reads the policy file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from problem_tracker.domain.commands import ReportCommand
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.decider import decide, evolve
from problem_tracker.domain.events import CommandRejected, ReportEvent
from problem_tracker.domain.report import CustomerProblemReport
from problem_tracker.domain.service_trouble import (
    IMPACT_UPDATE_INTERVAL,
    ServiceTrouble,
    ServiceTroubleCommand,
    ServiceTroubleEvent,
    ServiceTroubleRejected,
)
from problem_tracker.domain.service_trouble_decider import (
    decide_service_trouble,
    evolve_service_trouble,
)

S = TypeVar("S")
E = TypeVar("E")


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision(Generic[S, E]):
    """The state to save (``None``: there is still no such aggregate) and the events to
    publish, in order; ``states[i]`` is the state right after ``events[i]``, so that each
    notification shows the report as it was at that step."""

    state: S | None
    events: tuple[E, ...] = ()
    states: tuple[S | None, ...] = ()
    duplicate: bool = False

    def steps(self) -> Iterator[tuple[E, S | None]]:
        return zip(self.events, self.states, strict=True)


ReportDecision = Decision[CustomerProblemReport, ReportEvent]
ServiceTroubleDecision = Decision[ServiceTrouble, ServiceTroubleEvent]


def handle_report(
    state: CustomerProblemReport | None,
    command: ReportCommand,
    now: datetime,
    context: DecisionContext,
) -> ReportDecision:
    events = decide(state, command, now, context)
    if _redelivered(state, command, events):
        return Decision(state=state, duplicate=True)
    states = _fold(evolve, state, events)
    return Decision(state=states[-1] if states else state, events=tuple(events), states=states)


def handle_service_trouble(
    state: ServiceTrouble | None,
    command: ServiceTroubleCommand,
    now: datetime,
    impact_interval: timedelta = IMPACT_UPDATE_INTERVAL,
) -> ServiceTroubleDecision:
    events = decide_service_trouble(state, command, now, impact_interval)
    if _redelivered(state, command, events):
        return Decision(state=state, duplicate=True)
    states = _fold(evolve_service_trouble, state, events)
    return Decision(state=states[-1] if states else state, events=tuple(events), states=states)


def _redelivered(
    state: CustomerProblemReport | ServiceTrouble | None,
    command: ReportCommand | ServiceTroubleCommand,
    events: Sequence[object],
) -> bool:
    """The aggregate had applied this event before and decided nothing now: the domain
    recognised a redelivery (a reused id with other content is decided, as a rejection)."""
    return not events and state is not None and state.has_seen(command.event_id)


def rejections(
    decision: ReportDecision | ServiceTroubleDecision,
) -> tuple[CommandRejected | ServiceTroubleRejected, ...]:
    """The rejected commands in a decision: what goes to the dead-letter queue."""
    return tuple(
        event
        for event in decision.events
        if isinstance(event, CommandRejected | ServiceTroubleRejected)
    )


def _fold(
    apply: Callable[[S | None, E], S | None], state: S | None, events: Sequence[E]
) -> tuple[S | None, ...]:
    states: list[S | None] = []
    for event in events:
        state = apply(state, event)
        states.append(state)
    return tuple(states)
