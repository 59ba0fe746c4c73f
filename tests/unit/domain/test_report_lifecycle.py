"""The lifecycle table, exercised through ``decide`` for every (status, command) pair."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from builders import (
    NOW,
    REPORT_ID,
    a_create,
    a_note,
    a_report,
    next_event_id,
    partner_owner,
    partner_work,
    run,
)
from problem_tracker.domain.commands import (
    Cancel,
    ChangeAttributes,
    Close,
    CompleteIsolation,
    Hold,
    ProvideInformation,
    Reopen,
    ReportCommand,
    Resolve,
    Resume,
    Tick,
    UpdateDelegatedWork,
)
from problem_tracker.domain.decider import trigger_of
from problem_tracker.domain.events import CommandRejected, RejectionCode, StatusChanged
from problem_tracker.domain.lifecycle import (
    TRANSITIONS,
    Trigger,
    allows,
    describe_transitions,
    destination,
)
from problem_tracker.domain.report import DelegatedStatus, ProgressUpdate, ResolutionCode, Status


def _ids() -> dict[str, str]:
    return {"event_id": next_event_id(), "report_id": REPORT_ID}


COMMANDS: dict[Trigger, Callable[[], ReportCommand]] = {
    Trigger.CREATE: lambda: a_create(),
    Trigger.CHANGE_ATTRIBUTES: lambda: ChangeAttributes(**_ids(), notes=(a_note(),)),
    Trigger.COMPLETE_ISOLATION: lambda: CompleteIsolation(**_ids(), root_cause="fibre cut"),
    Trigger.PROVIDE_INFORMATION: lambda: ProvideInformation(**_ids(), notes=(a_note(),)),
    Trigger.HOLD: lambda: Hold(**_ids(), reason="customer on holiday"),
    Trigger.RESUME: lambda: Resume(**_ids()),
    Trigger.CANCEL: lambda: Cancel(**_ids(), reason="reported by mistake"),
    Trigger.RESOLVE: lambda: Resolve(
        **_ids(), resolution_code=ResolutionCode.WORKAROUND, reason="customer uses a backup line"
    ),
    Trigger.REOPEN: lambda: Reopen(**_ids(), reason="still broken"),
    Trigger.CLOSE: lambda: Close(**_ids()),
    Trigger.DELEGATED_UPDATE: lambda: UpdateDelegatedWork(
        **_ids(),
        request_id=partner_work().request_id or "",
        update=ProgressUpdate(status=DelegatedStatus.IN_PROGRESS),
        partner_id=partner_owner().id,
    ),
    Trigger.TICK: lambda: Tick(**_ids(), deadline=NOW),
}

PAIRS = [(status, trigger) for status in Status for trigger in COMMANDS]


@pytest.mark.parametrize(("status", "trigger"), PAIRS, ids=lambda v: str(v))
def test_every_command_in_every_status_follows_the_transition_table(
    status: Status, trigger: Trigger
) -> None:
    state = a_report(status, delegated=(partner_work(status=DelegatedStatus.IN_PROGRESS),))
    command = COMMANDS[trigger]()
    assert trigger_of(command) is trigger

    after, events = run(state, command)

    assert after is not None
    if allows(status, trigger):
        expected = destination(status, trigger, state.status_before_hold)
        assert after.status is expected
        assert not any(isinstance(event, CommandRejected) for event in events)
        changes = [(e.from_status, e.to_status) for e in events if isinstance(e, StatusChanged)]
        assert changes == ([] if expected is status else [(status, expected)])
    else:
        assert len(events) == 1
        assert isinstance(events[0], CommandRejected)
        assert events[0].code is RejectionCode.ILLEGAL_TRANSITION
        assert events[0].command == type(command).__name__
        assert after.status is status
        assert after.delegated == state.delegated


@pytest.mark.parametrize("before", [Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.PENDING])
def test_resume_returns_a_held_report_to_where_it_was(before: Status) -> None:
    held, _ = run(a_report(before), Hold(**_ids(), reason="waiting for access"))
    assert held is not None
    assert held.status is Status.HELD
    assert held.status_before_hold is before

    resumed, events = run(held, Resume(**_ids(), reason="access granted"))

    assert resumed is not None
    assert resumed.status is before
    assert resumed.status_before_hold is None
    assert [(e.from_status, e.to_status) for e in events if isinstance(e, StatusChanged)] == [
        (Status.HELD, before)
    ]


def test_only_a_create_applies_to_a_report_that_does_not_exist_yet() -> None:
    assert [trigger for (status, trigger) in TRANSITIONS if status is None] == [Trigger.CREATE]
    assert destination(None, Trigger.CREATE) is Status.ACKNOWLEDGED


def test_closed_and_cancelled_are_terminal() -> None:
    for status in (Status.CLOSED, Status.CANCELLED):
        moves = {target for (source, _), target in TRANSITIONS.items() if source is status}
        assert moves == {status}


def test_a_trigger_that_does_not_fit_has_no_destination() -> None:
    assert destination(Status.IN_PROGRESS, Trigger.COORDINATED) is None
    assert destination(Status.HELD, Trigger.RESUME, Status.PENDING) is Status.PENDING


def test_the_status_changing_transitions_are_those_of_the_contract() -> None:
    moving = [line for line in describe_transitions().splitlines() if "(unchanged)" not in line]
    assert moving == [
        "(new)          -create-> acknowledged",
        "acknowledged   -hold-> held",
        "acknowledged   -cancel-> cancelled",
        "acknowledged   -resolve-> resolved",
        "acknowledged   -information requested-> pending",
        "acknowledged   -coordinated-> inProgress",
        "acknowledged   -information required-> pending",
        "inProgress     -hold-> held",
        "inProgress     -cancel-> cancelled",
        "inProgress     -resolve-> resolved",
        "inProgress     -information requested-> pending",
        "inProgress     -information required-> pending",
        "inProgress     -all delegated work resolved-> resolved",
        "pending        -isolation completed-> inProgress",
        "pending        -information provided-> inProgress",
        "pending        -hold-> held",
        "pending        -cancel-> cancelled",
        "pending        -resolve-> resolved",
        "pending        -no response by the deadline-> inProgress",
        "pending        -coordinated-> inProgress",
        "held           -resume-> (status before hold)",
        "held           -cancel-> cancelled",
        "held           -resolve-> resolved",
        "resolved       -reopen-> inProgress",
        "resolved       -close-> closed",
    ]


def test_the_printed_table_has_one_line_per_transition() -> None:
    assert len(describe_transitions().splitlines()) == len(TRANSITIONS)
