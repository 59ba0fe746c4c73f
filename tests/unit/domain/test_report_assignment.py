"""Assignment (contract v1.1 ``CustomerProblemReportAssignEvent``): who works on the report
and in which role; every escalation names the assignee, and a functional level whose
target is ``assignee`` calls him (the delegation failure target while nobody is)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from jeopardy_builders import LADDER, POLICY, STANDARD, T0, H, Timeline, sla_context

from builders import REPORT_ID, a_report, a_service, kinds, next_event_id, run
from problem_tracker.domain.commands import Assign
from problem_tracker.domain.events import AttributesChanged, EscalationRaised
from problem_tracker.domain.lifecycle import Trigger, allows
from problem_tracker.domain.report import TERMINAL_STATUSES, Status
from problem_tracker.domain.sla.policy import (
    ASSIGNEE_TARGET,
    EscalationKind,
    EscalationLadder,
    EscalationLevel,
)

DUE = T0 + 8 * H
TO_THE_ASSIGNEE = replace(
    LADDER,
    levels=(
        EscalationLevel(
            level=1, kind=EscalationKind.FUNCTIONAL, target=ASSIGNEE_TARGET, repeat_after=H
        ),
        *LADDER.levels[1:],
    ),
)


def _assign(assignee: str = "anna", role: str | None = "second-line") -> Assign:
    return Assign(event_id=next_event_id(), report_id=REPORT_ID, assignee=assignee, role=role)


def _line() -> Timeline:
    rule = replace(STANDARD, ladder=TO_THE_ASSIGNEE)
    line = Timeline(context=sla_context(policy=replace(POLICY, rules=(*POLICY.rules[:-1], rule))))
    line.create(entities=(a_service(),))
    return line


def test_an_assignment_records_who_and_in_which_role() -> None:
    after, events = run(a_report(Status.IN_PROGRESS), _assign())

    assert kinds(events) == ["AttributesChanged"]
    changed = events[0]
    assert isinstance(changed, AttributesChanged)
    assert (changed.changed, changed.assignee, changed.assignee_role) == (
        ("assignee", "assignee_role"),
        "anna",
        "second-line",
    )
    assert after is not None
    assert (after.assignee, after.assignee_role) == ("anna", "second-line")


def test_a_new_assignee_without_a_role_drops_the_old_role() -> None:
    before = a_report(Status.IN_PROGRESS, assignee="anna", assignee_role="second-line")

    after, _ = run(before, _assign("bob", None))

    assert after is not None
    assert (after.assignee, after.assignee_role) == ("bob", None)


def test_the_same_assignment_again_changes_nothing() -> None:
    before = a_report(Status.IN_PROGRESS, assignee="anna", assignee_role="second-line")

    _, events = run(before, _assign())

    assert events == []


@pytest.mark.parametrize("status", sorted(Status))
def test_a_report_is_assigned_until_it_is_closed_or_cancelled(status: Status) -> None:
    assert allows(status, Trigger.ASSIGN) is (status not in TERMINAL_STATUSES)


def test_every_escalation_names_the_assignee_and_a_level_naming_the_assignee_calls_him() -> None:
    line = _line()
    line.send(_assign(), T0 + H)

    calls = [e for e in line.ticks_until(DUE + H) if isinstance(e, EscalationRaised)]

    assert [(c.level, c.target, c.assignee, c.assignee_role) for c in calls] == [
        (1, "anna", "anna", "second-line"),
        (2, "duty-manager", "anna", "second-line"),
    ]


def test_a_level_naming_the_assignee_calls_the_service_desk_while_nobody_has_the_report() -> None:
    line = _line()

    calls = [e for e in line.ticks_until(DUE) if isinstance(e, EscalationRaised)]

    assert [(c.target, c.assignee) for c in calls] == [("service-desk-lead", None)]


def test_only_a_functional_level_may_call_the_assignee() -> None:
    with pytest.raises(
        ValueError, match="only a functional escalation level may call the assignee"
    ):
        EscalationLadder(
            levels=(
                EscalationLevel(level=1, kind=EscalationKind.HIERARCHICAL, target=ASSIGNEE_TARGET),
            ),
            delegation_failure_target="service-desk-lead",
        )
