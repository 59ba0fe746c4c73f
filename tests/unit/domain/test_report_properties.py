"""Properties of the report aggregate under arbitrary command sequences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import (
    NOW,
    a_context,
    a_known_error,
    a_note,
    a_product,
    a_resource,
    a_service,
    internal_owner,
    kinds,
    partner_owner,
    run,
)
from problem_tracker.application.process import handle_report
from problem_tracker.domain.commands import (
    Cancel,
    ChangeAttributes,
    Close,
    CompleteIsolation,
    CreateReport,
    Hold,
    LinkServiceTrouble,
    ProvideInformation,
    Reopen,
    ReportCommand,
    Resume,
    Tick,
    UpdateDelegatedWork,
)
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.events import (
    CommandRejected,
    RejectionCode,
    ReportAcknowledged,
    ReportEvent,
    StatusChanged,
)
from problem_tracker.domain.evolution import evolve, fold
from problem_tracker.domain.identity import command_digest
from problem_tracker.domain.lifecycle import TRANSITIONS
from problem_tracker.domain.report import (
    TERMINAL_STATUSES,
    CustomerProblemReport,
    DelegatedStatus,
    ProgressUpdate,
    Severity,
    Status,
)

REPORT = "CPR-1"
ENTITIES = [a_service("svc-1"), a_service("svc-2"), a_resource("res-1"), a_product("prd-1")]
REQUESTS = ["SPR-CPR-1-1", "SPR-CPR-1-2", "STR-svc-1-1", "STR-svc-2-1", "STR-svc-1-2", "bogus"]
MOVES = {(s, t) for (s, _), t in TRANSITIONS.items() if isinstance(t, Status) and t is not s}
MOVES |= {(Status.HELD, s) for s in (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.PENDING)}

event_ids = st.sampled_from([f"e{n}" for n in range(30)])
entities = st.lists(st.sampled_from(ENTITIES), max_size=3).map(tuple)
reasons = st.sampled_from(["why", "because"])
statuses = st.sampled_from(list(DelegatedStatus))


def _command(
    kind: type[ReportCommand], **fields: st.SearchStrategy[Any]
) -> st.SearchStrategy[ReportCommand]:
    return st.builds(kind, event_id=event_ids, report_id=st.just(REPORT), **fields)


creates = _command(
    CreateReport,
    description=st.just("broken"),
    severity=st.sampled_from(list(Severity)),
    priority=st.integers(1, 4),
    symptom_code=st.sampled_from([None, "S1"]),
    entities=entities,
)
commands: st.SearchStrategy[ReportCommand] = st.one_of(
    creates,
    _command(
        ChangeAttributes, priority=st.none() | st.integers(1, 4), entities=st.none() | entities
    ),
    _command(CompleteIsolation, entities=entities, root_cause=st.none() | reasons),
    _command(ProvideInformation, notes=st.just((a_note(),))),
    _command(Hold, reason=reasons),
    _command(Resume),
    _command(Cancel, reason=reasons),
    _command(Reopen, reason=reasons),
    _command(Close),
    _command(
        LinkServiceTrouble,
        request_id=st.sampled_from(REQUESTS),
        service=st.sampled_from(ENTITIES[:2]),
        status=statuses,
    ),
    _command(
        UpdateDelegatedWork,
        request_id=st.sampled_from(REQUESTS),
        update=st.builds(ProgressUpdate, status=statuses),
    ),
    _command(Tick, deadline=st.just(NOW)),
)
OWNERS = {"svc-1": internal_owner(), "svc-2": internal_owner(), "res-1": partner_owner()}
KNOWN_ERRORS = [a_known_error("KE-1", "S1"), a_known_error("KE-2", "S1", service=ENTITIES[0])]
contexts = st.builds(
    a_context,
    owners=st.just(OWNERS),
    known_errors=st.just(KNOWN_ERRORS),
    ask_customer=st.booleans(),
    default_internal=st.booleans(),
)
sequences = st.builds(
    lambda first, rest: [first, *rest],
    st.one_of(creates, commands),
    st.lists(commands, max_size=25),
)
"""Mostly a create first (a report exists), sometimes anything first."""


def _history(
    sequence: list[ReportCommand], context: DecisionContext
) -> list[tuple[CustomerProblemReport | None, list[ReportEvent]]]:
    steps = []
    state: CustomerProblemReport | None = None
    for n, command in enumerate(sequence):
        state, events = run(state, command, context=context, now=NOW + timedelta(minutes=n))
        steps.append((state, events))
    return steps


@settings(max_examples=300, deadline=None)
@given(sequence=sequences, context=contexts)
def test_any_sequence_of_commands_keeps_the_report_in_a_legal_status(
    sequence: list[ReportCommand], context: DecisionContext
) -> None:
    for state, events in _history(sequence, context):
        if state is None:
            continue
        assert state.status in set(Status)
        assert state.status_history[-1].status is state.status
        held = state.status is Status.HELD
        assert (state.status_before_hold is not None) is held
        for event in events:
            assert event.event_id
            if isinstance(event, StatusChanged) and event.from_status is not None:
                assert (event.from_status, event.to_status) in MOVES


@settings(max_examples=200, deadline=None)
@given(sequence=sequences, context=contexts)
def test_a_closed_or_cancelled_report_stays_so(
    sequence: list[ReportCommand], context: DecisionContext
) -> None:
    final: Status | None = None
    for state, _ in _history(sequence, context):
        if final is not None:
            assert state is not None
            assert state.status is final
        elif state is not None and state.status in TERMINAL_STATUSES:
            final = state.status


@settings(max_examples=150, deadline=None)
@given(sequence=sequences, context=contexts)
def test_the_same_commands_yield_the_same_events_and_report(
    sequence: list[ReportCommand], context: DecisionContext
) -> None:
    assert _history(sequence, context) == _history(sequence, context)


@settings(max_examples=200, deadline=None)
@given(sequence=sequences, context=contexts)
def test_replaying_the_events_rebuilds_the_report(
    sequence: list[ReportCommand], context: DecisionContext
) -> None:
    history = _history(sequence, context)
    log = [event for _, events in history for event in events]
    starts = [i for i, event in enumerate(log) if isinstance(event, ReportAcknowledged)]
    final = history[-1][0] if history else None
    if not starts:
        assert final is None
        return
    rebuilt = evolve(None, log[starts[0]])
    assert rebuilt is not None
    assert fold(rebuilt, log[starts[0] + 1 :]) == final


@settings(max_examples=200, deadline=None)
@given(sequence=sequences, context=contexts)
def test_outbound_event_ids_are_unique_once_a_report_exists(
    sequence: list[ReportCommand], context: DecisionContext
) -> None:
    # A rejection is a DLQ entry, not an outbound event: a reused id refused twice is
    # refused with the same header.
    ids = [
        e.event_id
        for state, events in _history(sequence, context)
        if state
        for e in events
        if not isinstance(e, CommandRejected)
    ]
    assert len(ids) == len(set(ids))


@settings(max_examples=200, deadline=None)
@given(sequence=sequences, context=contexts)
def test_an_event_id_is_applied_once_and_reused_ids_are_conflicts_that_change_nothing(
    sequence: list[ReportCommand], context: DecisionContext
) -> None:
    applied: dict[str, str] = {}
    state = None
    for command in sequence:
        decision = handle_report(state, command, NOW, context)
        digest = command_digest(command)
        first = applied.get(command.event_id)
        if state is not None and first is not None:
            if first == digest:
                assert decision.duplicate
            else:
                assert kinds(decision.events) == ["CommandRejected"]
                (rejected,) = decision.events
                assert isinstance(rejected, CommandRejected)
                assert rejected.code is RejectionCode.EVENT_ID_CONFLICT
                assert decision.state == state
        state = decision.state
        if state is not None and state.has_seen(command.event_id):
            applied.setdefault(command.event_id, digest)
