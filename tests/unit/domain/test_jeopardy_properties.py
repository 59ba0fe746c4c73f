"""Properties of jeopardy and escalation under any sequence of commands, delays and ticks:
nothing fires twice in a cycle, nothing fires after the end but the end itself, every due
tick moves the report on, and the events alone rebuild the report's SLA."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jeopardy_builders import T0, H, M, sla_context, tick_for

from builders import REPORT_ID, a_create, a_customer, a_note, a_resource, a_service
from problem_tracker.application.process import handle_report
from problem_tracker.domain.commands import (
    Cancel,
    ChangeAttributes,
    Close,
    CompleteIsolation,
    Hold,
    LinkServiceTrouble,
    ProvideInformation,
    Reopen,
    ReportCommand,
    Resume,
    Tick,
    UpdateDelegatedWork,
)
from problem_tracker.domain.events import (
    CUSTOMER_NOTIFICATIONS,
    EscalationEnded,
    EscalationRaised,
    JeopardyRaised,
    ReportAcknowledged,
    ReportEvent,
    StatusChanged,
)
from problem_tracker.domain.evolution import evolve, fold
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    Owner,
    OwnerRole,
    ProgressUpdate,
    Severity,
    Status,
)
from problem_tracker.domain.sla.jeopardy import JeopardyCause
from problem_tracker.domain.sla.ladder import EscalationReason
from problem_tracker.domain.timekeeping import next_deadline

OWNERS = {
    "res-1": Owner(id="partner-1", role=OwnerRole.PARTNER),
    "res-2": Owner(id="acme", role=OwnerRole.PARTNER),
}
CONTEXT = sla_context(OWNERS)
ENTITIES = [a_service("svc-1"), a_service("svc-2"), a_resource("res-1"), a_resource("res-2")]
REQUESTS = ["SPR-CPR-1-1", "SPR-CPR-1-2", "SPR-CPR-1-3", "STR-svc-1-1", "STR-svc-2-1"]
ENDS = frozenset({Status.RESOLVED, Status.CANCELLED, Status.CLOSED})
TOP_LEVEL = 3

ids = st.uuids().map(str)
delays = st.sampled_from([timedelta(0), M, 20 * M, H, 3 * H, 9 * H])
expected = st.none() | st.sampled_from([T0 + 2 * H, T0 + 12 * H, T0 + 3 * 24 * H])


def _command(kind: type[Any], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(kind, event_id=ids, report_id=st.just(REPORT_ID), **fields)


commands: st.SearchStrategy[ReportCommand] = st.one_of(
    _command(
        ChangeAttributes,
        priority=st.none() | st.integers(1, 4),
        severity=st.none() | st.sampled_from(list(Severity)),
        parties=st.none() | st.sampled_from([(a_customer(segment=s),) for s in ("gold", "bronze")]),
        notes=st.sampled_from([(), (a_note(),)]),
    ),
    _command(
        CompleteIsolation, entities=st.lists(st.sampled_from(ENTITIES), max_size=2).map(tuple)
    ),
    _command(ProvideInformation, notes=st.just((a_note(),))),
    _command(Hold),
    _command(Resume),
    _command(Cancel, reason=st.just("duplicate")),
    _command(Reopen, reason=st.just("still broken")),
    _command(Close),
    _command(
        LinkServiceTrouble,
        request_id=st.sampled_from(REQUESTS[3:]),
        service=st.sampled_from(ENTITIES[:2]),
        status=st.sampled_from(list(DelegatedStatus)),
    ),
    _command(
        UpdateDelegatedWork,
        request_id=st.sampled_from(REQUESTS),
        update=st.builds(
            ProgressUpdate,
            status=st.sampled_from(list(DelegatedStatus)),
            expected_resolution_date=expected,
        ),
    ),
)
answers = st.tuples(st.integers(0, 3), st.sampled_from(list(DelegatedStatus)), expected)
"""An answer about the report's n-th piece of current work: its new status and forecast."""
actions = st.one_of(
    st.tuples(st.just("command"), delays, commands),
    st.tuples(st.just("answer"), delays, answers),
    st.tuples(st.just("answer"), delays, answers),
    st.tuples(st.just("tick"), delays, st.none()),
    st.tuples(st.just("tick"), delays, st.none()),
    st.tuples(st.just("stale tick"), delays, st.none()),
)
creates = st.builds(
    a_create,
    entities=st.lists(st.sampled_from(ENTITIES), max_size=3).map(tuple),
    priority=st.integers(1, 4),
    severity=st.sampled_from(list(Severity)),
    ticket_type=st.sampled_from(["incident", "request", "complaint"]),
)


@dataclass
class _Run:
    """The report through the sequence: every decision's events, with due-tick checks."""

    now: datetime = T0
    state: CustomerProblemReport | None = None
    log: list[ReportEvent] = field(default_factory=list)
    answers: int = 0

    def send(self, command: ReportCommand) -> list[ReportEvent]:
        decision = handle_report(self.state, command, self.now, CONTEXT)
        self.state = decision.state
        self.log.extend(decision.events)
        return list(decision.events)

    def act(self, kind: str, delay: timedelta, detail: Any) -> None:
        self.now += delay
        deadline = None if self.state is None else next_deadline(self.state)
        if kind == "command":
            self.send(detail)
        elif kind == "answer":
            self.answer(*detail)
        elif kind == "tick" and deadline is not None:
            self.now = max(self.now, deadline)
            events = self.send(tick_for(deadline))
            assert events, "a due tick always changes the report"
            moved = next_deadline(self.state) if self.state else None
            assert moved is None or moved > deadline
        elif kind == "stale tick":
            stale = (deadline or self.now) - M
            assert self.send(replace(tick_for(stale), event_id=f"stale-{stale}")) == []

    def answer(self, index: int, status: DelegatedStatus, forecast: datetime | None) -> None:
        linked = [w for w in self.state.current_work if w.request_id] if self.state else []
        if linked:
            self.answers += 1
            work = linked[index % len(linked)]
            update = UpdateDelegatedWork(
                event_id=f"answer-{self.answers}",
                report_id=REPORT_ID,
                request_id=work.request_id or "",
                partner_id=None if work.partner is None else work.partner.id,
                update=ProgressUpdate(status=status, expected_resolution_date=forecast),
            )
            self.send(update)


def _history(create: ReportCommand, steps: list[tuple[str, timedelta, Any]]) -> _Run:
    run = _Run()
    run.send(create)
    for kind, delay, command in steps:
        run.act(kind, delay, command)
    return run


@dataclass
class _Cycle:
    """What one SLA cycle has signalled so far."""

    ended: bool = False
    raised: bool = False
    end_signalled: bool = False
    thresholds: set[int] = field(default_factory=set)
    external: int = 0
    ladder_steps: list[int] = field(default_factory=list)
    overdue_partners: set[str | None] = field(default_factory=set)
    update_pending_since_overdue: bool = True


def _check(cycle: _Cycle, event: ReportEvent) -> _Cycle:
    """One event against what its cycle has signalled; a reopen starts a new cycle."""
    match event:
        case StatusChanged(from_status=Status.RESOLVED, to_status=Status.IN_PROGRESS):
            return _Cycle()
        case StatusChanged() if event.to_status in ENDS:
            cycle.ended = True
        case JeopardyRaised() | EscalationRaised():
            assert not cycle.ended, f"{type(event).__name__} after the report ended"
            cycle.raised = True
            _check_raised(cycle, event)
        case EscalationEnded():
            assert cycle.ended
            assert cycle.raised
            assert not cycle.end_signalled
            cycle.end_signalled = True
    if isinstance(event, CUSTOMER_NOTIFICATIONS):
        cycle.update_pending_since_overdue = True
    return cycle


def _check_raised(cycle: _Cycle, event: JeopardyRaised | EscalationRaised) -> None:
    if isinstance(event, JeopardyRaised):
        if event.cause is JeopardyCause.THRESHOLD:
            assert event.threshold_percent not in cycle.thresholds
            cycle.thresholds.add(event.threshold_percent or 0)
        else:
            cycle.external += 1
            assert cycle.external == 1
    elif event.ladder_step is not None:
        assert all(step < event.ladder_step for step in cycle.ladder_steps)
        cycle.ladder_steps.append(event.ladder_step)
    elif event.reason is EscalationReason.PARTNER_OLA_OVERDUE:
        assert event.request_id not in cycle.overdue_partners
        cycle.overdue_partners.add(event.request_id)
    elif event.reason is EscalationReason.CUSTOMER_UPDATE_OVERDUE:
        assert cycle.update_pending_since_overdue
        cycle.update_pending_since_overdue = False


def _ladder_levels(log: list[ReportEvent]) -> list[list[int]]:
    """The levels the ladder called, per cycle."""
    cycles: list[list[int]] = [[]]
    for event in log:
        if isinstance(event, StatusChanged) and event.from_status is Status.RESOLVED:
            cycles.append([])
        if isinstance(event, EscalationRaised) and event.ladder_step is not None:
            cycles[-1].append(event.level)
    return cycles


steps = st.lists(actions, max_size=30)


@settings(max_examples=250, deadline=None)
@given(create=creates, steps=steps)
def test_every_threshold_and_ladder_step_fires_at_most_once_per_cycle_and_never_after_the_end(
    create: ReportCommand, steps: list[tuple[str, timedelta, Any]]
) -> None:
    run = _history(create, steps)
    cycle = _Cycle()
    for event in run.log:
        cycle = _check(cycle, event)
    for levels in _ladder_levels(run.log):
        below_top = [level for level in levels if level < TOP_LEVEL]
        assert len(below_top) == len(set(below_top))


@settings(max_examples=150, deadline=None)
@given(create=creates, steps=steps)
def test_the_events_alone_rebuild_the_reports_sla(
    create: ReportCommand, steps: list[tuple[str, timedelta, Any]]
) -> None:
    run = _history(create, steps)
    first = run.log[0]
    assert isinstance(first, ReportAcknowledged)
    rebuilt = evolve(None, first)
    assert rebuilt is not None
    assert fold(rebuilt, run.log[1:]) == run.state


@settings(max_examples=100, deadline=None)
@given(create=creates, steps=steps)
def test_a_tick_for_any_other_instant_than_the_current_deadline_does_nothing(
    create: ReportCommand, steps: list[tuple[str, timedelta, Any]]
) -> None:
    run = _history(create, steps)
    assert run.state is not None
    deadline = next_deadline(run.state)
    for instant in (run.now - H, run.now + H, (deadline or run.now) + M):
        if instant != deadline:
            tick = Tick(event_id=f"other-{instant}", report_id=REPORT_ID, deadline=instant)
            assert handle_report(run.state, tick, max(run.now, instant), CONTEXT).events == ()
