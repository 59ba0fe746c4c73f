"""A redelivered event is acknowledged and does nothing; the same event id with different
content is an ``event-id-conflict`` that changes nothing either."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta, timezone

import pytest

from builders import NOW, REPORT_ID, a_create, a_note, a_service, kinds
from problem_tracker.application.process import handle_report, handle_service_trouble
from problem_tracker.domain.commands import ChangeAttributes, Hold, ReportCommand
from problem_tracker.domain.context import DecisionContext, StaticReferenceData
from problem_tracker.domain.events import CommandRejected, RejectionCode
from problem_tracker.domain.identity import SeenEvent, command_digest
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    ProgressUpdate,
    Severity,
)
from problem_tracker.domain.service_trouble import (
    ApplyServiceTroubleUpdate,
    LinkReport,
    ServiceTroubleRejected,
)

CONTEXT = DecisionContext(reference=StaticReferenceData())
CREATE = a_create(event_id="evt-create")


def _created() -> CustomerProblemReport:
    decision = handle_report(None, CREATE, NOW, CONTEXT)
    assert decision.state is not None
    return decision.state


SAME_ID_OTHER_CONTENT: dict[str, ReportCommand] = {
    "create with another description": replace(CREATE, description="something else"),
    "create with another priority": replace(CREATE, priority=1),
    "create with another note": replace(CREATE, notes=(a_note("other"),)),
    "a hold reusing the create's id": Hold(event_id="evt-create", report_id=REPORT_ID),
}


@pytest.mark.parametrize("command", SAME_ID_OTHER_CONTENT.values(), ids=SAME_ID_OTHER_CONTENT)
def test_a_reused_event_id_with_other_content_is_a_conflict(command: ReportCommand) -> None:
    state = _created()

    decision = handle_report(state, command, NOW, CONTEXT)

    assert not decision.duplicate
    assert kinds(decision.events) == ["CommandRejected"]
    (rejected,) = decision.events
    assert isinstance(rejected, CommandRejected)
    assert rejected.code is RejectionCode.EVENT_ID_CONFLICT
    assert "evt-create" in rejected.reason
    assert decision.state == state


def test_the_same_event_again_is_a_plain_duplicate() -> None:
    state = _created()

    decision = handle_report(state, replace(CREATE), NOW + timedelta(hours=1), CONTEXT)

    assert decision.duplicate
    assert decision.events == ()


def test_a_reused_id_stays_a_conflict_however_often_it_comes() -> None:
    state = _created()
    other = replace(CREATE, description="something else")

    first = handle_report(state, other, NOW, CONTEXT)
    again = handle_report(first.state, other, NOW, CONTEXT)

    assert kinds(again.events) == ["CommandRejected"]
    assert again.state == state


def test_an_event_remembered_without_digest_is_taken_as_a_duplicate() -> None:
    state = replace(_created(), recent_events=(SeenEvent(event_id="evt-create"),))

    decision = handle_report(state, replace(CREATE, priority=1), NOW, CONTEXT)

    assert decision.duplicate


def test_the_digest_ignores_fields_left_at_their_default() -> None:
    change = ChangeAttributes(event_id="e", report_id=REPORT_ID, description="d")

    assert command_digest(change) == command_digest(replace(change, notes=()))
    assert command_digest(change) != command_digest(replace(change, severity=Severity.MINOR))


def test_the_digest_reads_times_in_utc() -> None:
    create = replace(CREATE, creation_date=NOW)
    shifted = replace(CREATE, creation_date=NOW.astimezone(timezone(timedelta(hours=2))))

    assert command_digest(create) == command_digest(shifted)


def test_a_reused_event_id_on_the_shared_service_trouble_is_a_conflict() -> None:
    link = LinkReport(
        event_id="link-1",
        report_id="CPR-1",
        service=a_service(),
        priority=2,
        severity=Severity.MAJOR,
        description="no dial tone",
    )
    update = ApplyServiceTroubleUpdate(
        event_id="spm-1",
        request_id="STR-svc-1-1",
        update=ProgressUpdate(status=DelegatedStatus.IN_PROGRESS),
    )
    state = handle_service_trouble(None, link, NOW).state
    state = handle_service_trouble(state, update, NOW).state

    again = handle_service_trouble(state, update, NOW)
    reused = handle_service_trouble(
        state, replace(update, update=replace(update.update, status=DelegatedStatus.RESOLVED)), NOW
    )

    assert again.duplicate
    assert kinds(reused.events) == ["ServiceTroubleRejected"]
    (rejected,) = reused.events
    assert isinstance(rejected, ServiceTroubleRejected)
    assert rejected.code is RejectionCode.EVENT_ID_CONFLICT
    assert reused.state == state


@dataclass(frozen=True)
class _Tagged:
    event_id: str
    tags: list[str] = field(default_factory=list)


def test_the_digest_also_ignores_fields_left_at_a_default_factory() -> None:
    assert command_digest(_Tagged("e")) == command_digest(_Tagged("e", []))
    assert command_digest(_Tagged("e")) != command_digest(_Tagged("e", ["x"]))
