"""An operator acknowledges an escalation (contract v1.1
``CustomerProblemEscalationAcknowledgeEvent``): the report records who has it, at which
level and until when the ladder holds; with no escalation under way, or at a level above
the current one, the acknowledgement is an illegal transition."""

from __future__ import annotations

from dataclasses import replace

import pytest
from jeopardy_builders import POLICY, STANDARD, T0, H, M, Timeline, sla_context

from builders import REPORT_ID, a_report, a_service, next_event_id, run
from problem_tracker.domain.commands import AcknowledgeEscalation
from problem_tracker.domain.events import (
    CommandRejected,
    EscalationAcknowledged,
    EscalationRaised,
    RejectionCode,
)
from problem_tracker.domain.lifecycle import Trigger, allows
from problem_tracker.domain.report import OPEN_STATUSES, Status

DUE = T0 + 8 * H
HOLDING = replace(POLICY, rules=(*POLICY.rules[:-1], replace(STANDARD, acknowledge_for=90 * M)))


def _acknowledge(level: int | None = None, by: str = "duty-manager-anna") -> AcknowledgeEscalation:
    return AcknowledgeEscalation(
        event_id=next_event_id(), report_id=REPORT_ID, acknowledged_by=by, level=level
    )


def _escalated_line() -> Timeline:
    line = Timeline(context=sla_context(policy=HOLDING))
    line.create(entities=(a_service(),))
    line.ticks_until(DUE + 10 * M)
    assert line.sla.clock.escalation_level == 1
    return line


def test_an_acknowledged_escalation_holds_the_ladder_and_climbs_again_after_it() -> None:
    line = _escalated_line()

    events = line.send(_acknowledge(), DUE + 10 * M)

    assert [(e.acknowledged_by, e.level, e.until) for e in events] == [
        ("duty-manager-anna", 1, DUE + 100 * M)
    ]
    assert line.sla.next_tick == DUE + 100 * M
    climbed = [e for e in line.ticks_until(DUE + 100 * M) if isinstance(e, EscalationRaised)]
    assert [(e.level, e.ladder_step, e.occurred_at) for e in climbed] == [(2, 2, DUE + 100 * M)]


def test_an_acknowledgement_of_an_earlier_level_names_it() -> None:
    line = _escalated_line()
    line.ticks_until(DUE + 90 * M)

    events = line.send(_acknowledge(level=1), DUE + 90 * M)

    assert [(type(e), e.level) for e in events] == [(EscalationAcknowledged, 1)]


@pytest.mark.parametrize(
    ("level", "escalate", "reason"),
    [
        pytest.param(None, False, "no escalation is under way", id="nothing-escalated"),
        pytest.param(2, True, "level 2 is above the current escalation level 1", id="too-high"),
    ],
)
def test_an_acknowledgement_without_that_escalation_is_an_illegal_transition(
    level: int | None, escalate: bool, reason: str
) -> None:
    line = _escalated_line() if escalate else Timeline(context=sla_context(policy=HOLDING))
    if not escalate:
        line.create(entities=(a_service(),))
    before = line.report

    events = line.send(_acknowledge(level), line.now + M)

    assert [(type(e), e.code, e.reason) for e in events if isinstance(e, CommandRejected)] == [
        (CommandRejected, RejectionCode.ILLEGAL_TRANSITION, f"nothing to acknowledge: {reason}")
    ]
    assert len(events) == 1
    assert line.report.sla == before.sla


def test_a_report_without_an_sla_has_nothing_to_acknowledge() -> None:
    _, events = run(a_report(Status.IN_PROGRESS), _acknowledge())

    assert [type(e) for e in events] == [CommandRejected]
    assert isinstance(events[0], CommandRejected)
    assert events[0].reason == "nothing to acknowledge: the report has no SLA"


@pytest.mark.parametrize("status", list(Status))
def test_only_an_open_report_takes_an_acknowledgement(status: Status) -> None:
    assert allows(status, Trigger.ACKNOWLEDGE_ESCALATION) is (status in OPEN_STATUSES)
