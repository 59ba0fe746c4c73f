"""Track: keep a customer problem report's SLA in step with the report (eTOM 1.3.7.3 Track &
Manage Customer Problem), and say when the report next wants a ``Tick``.

After every event, the decision asks ``keep_time`` what the report's SLA is now:

- A create starts the clock of cycle 1; a reopen (the report leaves ``resolved`` for
  ``inProgress``) starts a new cycle with a fresh clock, thresholds and ladder, and keeps
  the cycle that ended with whether it met its target. A report
  stored before SLAs were tracked has none until it is reopened.
- The rule is the first of the policy that matches the report's priority, severity,
  customer segment (of its ``customer`` party) and ticket type, now: when another rule
  matches (an attribute changed, or the policy did), it applies from the start of the
  cycle, and the time already used is re-measured on its calendar.
- ``acknowledged`` and ``inProgress`` run the clock; ``pending`` stops it; ``held`` stops it
  if the rule says so; ``resolved``, ``cancelled`` and ``closed`` stop it for good, and a
  stopped clock keeps its measure.
- Every notification the customer receives (``CUSTOMER_NOTIFICATIONS``) is a
  customer-visible update: the customer update interval starts again from it.
- The measure the snapshot shows (time used, left and paused) is taken whenever the SLA
  changes, so every notification carries it as of its own instant; an event that leaves
  the SLA as it was (a rejection) leaves the measure too.
- Each partner request, and each partner report reopened for a new cycle, starts an OLA
  leg on the partner's OLA; a leg is followed while its request is open in the current
  cycle and the clock has not stopped, and stands still while the partner is ``pending``.

Timers are data: the shell calls ``next_deadline`` after every saved decision and
schedules a ``Tick`` whose ``deadline`` is that instant (on the 100 ms tick grid). A tick
for a deadline the report no longer has (a stale one: the report paused, moved on, or the
tick was already acted on) or one that arrives before its deadline does nothing
(``tick_is_due``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from problem_tracker.domain.commands import Tick
from problem_tracker.domain.events import (
    CUSTOMER_NOTIFICATIONS,
    DelegatedWorkUpdated,
    PartnerProblemReopenRequested,
    PartnerProblemRequested,
    ReportAcknowledged,
    ReportEvent,
    StatusChanged,
)
from problem_tracker.domain.information_request import next_information_deadline
from problem_tracker.domain.redelegation import next_retry
from problem_tracker.domain.report import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    CustomerProblemReport,
    DelegatedStatus,
    Status,
)
from problem_tracker.domain.sla.clock import (
    PauseReason,
    SlaClock,
    pause,
    recompute,
    record_customer_update,
    resume,
    start_clock,
    stop,
)
from problem_tracker.domain.sla.partner_legs import (
    PartnerLeg,
    follow_partner_status,
    start_partner_leg,
)
from problem_tracker.domain.sla.policy import SlaPolicy, SlaRule, match_rule
from problem_tracker.domain.sla.track import SlaTrack, next_cycle, refreshed

CUSTOMER_ROLE = "customer"


def rule_for(state: CustomerProblemReport, policy: SlaPolicy) -> SlaRule:
    """The SLA rule the report falls under now."""
    segment = next((p.segment for p in state.parties if p.role == CUSTOMER_ROLE), None)
    return match_rule(policy, state.priority, state.severity.value, segment, state.ticket_type)


def keep_time(
    state: CustomerProblemReport, event: ReportEvent, policy: SlaPolicy
) -> SlaTrack | None:
    """The report's SLA after ``event`` (``state`` is the report after it)."""
    track = _cycle(state, event, policy)
    if track is None or track.stopped:
        return track
    rule, now = rule_for(state, policy), event.occurred_at
    clock = _follow_status(recompute(track.clock, rule, now), rule, state.status, now)
    if isinstance(event, CUSTOMER_NOTIFICATIONS):
        clock = record_customer_update(clock, now)
    legs = _legs(track.partner_legs, state, event, policy, clock)
    fresh = refreshed(replace(track, clock=clock, partner_legs=legs), rule, now)
    return track if replace(fresh, measure=track.measure) == track else fresh


def _cycle(state: CustomerProblemReport, event: ReportEvent, policy: SlaPolicy) -> SlaTrack | None:
    """The SLA the event finds: a fresh one when it starts a cycle."""
    if isinstance(event, ReportAcknowledged):
        cycle = 1
    elif _reopens(event):
        cycle = state.cycle + 1
    else:
        return state.sla
    if cycle == 1:
        return SlaTrack(clock=start_clock(event.occurred_at))
    completed = next_cycle(state.sla, event.occurred_at)
    return SlaTrack(clock=start_clock(event.occurred_at, cycle), completed=completed)


def _reopens(event: ReportEvent) -> bool:
    return (
        isinstance(event, StatusChanged)
        and event.from_status is Status.RESOLVED
        and event.to_status in OPEN_STATUSES
    )


def _follow_status(clock: SlaClock, rule: SlaRule, status: Status, now: datetime) -> SlaClock:
    if status is Status.PENDING:
        return pause(clock, rule, now, PauseReason.PENDING)
    if status is Status.HELD:
        return pause(clock, rule, now, PauseReason.HELD)
    if status in ENDED_STATUSES:
        return stop(clock, rule, now)
    return resume(clock, rule, now)


def _legs(
    legs: tuple[PartnerLeg, ...],
    state: CustomerProblemReport,
    event: ReportEvent,
    policy: SlaPolicy,
    clock: SlaClock,
) -> tuple[PartnerLeg, ...]:
    """The OLA legs still followed: those of open partner requests of this cycle."""
    if clock.stopped_at is not None:
        return ()
    if isinstance(event, PartnerProblemRequested | PartnerProblemReopenRequested):
        leg = start_partner_leg(policy, event.partner.id, event.request_id, event.occurred_at)
        legs = (*legs, leg)
    elif isinstance(event, DelegatedWorkUpdated):
        pending = event.update.status is DelegatedStatus.PENDING
        legs = tuple(
            follow_partner_status(leg, pending, policy, event.occurred_at)
            if leg.request_id == event.request_id
            else leg
            for leg in legs
        )
    open_requests = {work.request_id for work in state.open_work}
    return tuple(leg for leg in legs if leg.request_id in open_requests)


def next_deadline(state: CustomerProblemReport) -> datetime | None:
    """The earliest instant the report wants a ``Tick``: its next jeopardy threshold,
    breach, ladder step, customer update or partner OLA, the next automatic retry of
    failed delegated work, or the reminder or deadline of a question to the customer;
    ``None`` when nothing can fall due (finished, paused with no partner leg open, no
    retry and no question, or no SLA)."""
    sla_tick = None if state.sla is None else state.sla.next_tick
    timers = (sla_tick, next_retry(state), next_information_deadline(state))
    return min((moment for moment in timers if moment is not None), default=None)


def tick_is_due(state: CustomerProblemReport, tick: Tick, now: datetime) -> bool:
    """Whether ``tick`` is for the report's current deadline and that deadline has come."""
    deadline = next_deadline(state)
    return deadline is not None and tick.deadline == deadline and now >= deadline
