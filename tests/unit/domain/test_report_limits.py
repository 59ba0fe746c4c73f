"""A report stays bounded: an event that would take it past its limits is refused
(``schema-violation``) and the report stays as it was."""

from __future__ import annotations

from dataclasses import replace

import pytest

from builders import (
    REPORT_ID,
    a_context,
    a_create,
    a_customer,
    a_note,
    a_resource,
    a_service,
    kinds,
    next_event_id,
    partner_owner,
    run,
)
from problem_tracker.domain.commands import (
    ChangeAttributes,
    CompleteIsolation,
    Hold,
    ProvideInformation,
    ReportCommand,
    UpdateDelegatedWork,
)
from problem_tracker.domain.context import DecisionContext, ReportLimits, note_bytes
from problem_tracker.domain.events import CommandRejected, RejectionCode
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    ProgressUpdate,
    Status,
)

LIMITS = ReportLimits(max_notes=3, max_note_bytes=100, max_entities=2, max_parties=2)


def _context() -> DecisionContext:
    return replace(a_context(), limits=LIMITS)


def _created(context: DecisionContext | None = None, **fields: object) -> CustomerProblemReport:
    report, events = run(None, a_create(**fields), context=context or _context())
    assert report is not None, events
    return report


def _notes(*texts: str) -> ChangeAttributes:
    return ChangeAttributes(
        event_id=next_event_id(), report_id=REPORT_ID, notes=tuple(a_note(t) for t in texts)
    )


def _assert_refused(events: list[object], what: str) -> None:
    assert kinds(events) == ["CommandRejected"]
    (rejected,) = events
    assert isinstance(rejected, CommandRejected)
    assert rejected.code is RejectionCode.SCHEMA_VIOLATION
    assert what in rejected.reason


def test_notes_accumulate_up_to_the_limit_and_the_one_beyond_is_refused() -> None:
    report = _created()
    report, _ = run(report, _notes("one", "two"), _notes("three"), context=_context())
    assert report is not None
    assert len(report.notes) == 3

    after, events = run(report, _notes("four"), context=_context())

    _assert_refused(events, "4 notes, more than the limit of 3")
    assert after is not None
    assert after.notes == report.notes


def test_the_bytes_of_note_text_are_bounded_too() -> None:
    report = _created()
    report, _ = run(report, _notes("é" * 40), context=_context())  # 80 bytes
    assert report is not None

    after, events = run(report, _notes("x" * 21), context=_context())

    _assert_refused(events, "101 bytes of note text")
    assert after is not None
    assert note_bytes(after) == 80


@pytest.mark.parametrize(
    "command",
    [
        ProvideInformation(
            event_id="info", report_id=REPORT_ID, notes=tuple(a_note() for _ in range(4))
        ),
        CompleteIsolation(
            event_id="iso",
            report_id=REPORT_ID,
            entities=(a_service("s1"), a_service("s2"), a_service("s3")),
        ),
        ChangeAttributes(
            event_id="parties",
            report_id=REPORT_ID,
            parties=(a_customer("c1"), a_customer("c2"), a_customer("c3")),
        ),
    ],
    ids=["information", "isolation", "parties"],
)
def test_every_way_to_grow_a_report_is_bounded(command: ReportCommand) -> None:
    report = _created()

    after, events = run(report, command, context=_context())

    assert kinds(events) == ["CommandRejected"]
    assert after is not None
    assert (after.notes, after.entities, after.parties) == (
        report.notes,
        report.entities,
        report.parties,
    )


def test_a_create_beyond_the_limits_starts_no_report() -> None:
    create = a_create(entities=[a_service("s1"), a_service("s2"), a_service("s3")])

    report, events = run(None, create, context=_context())

    assert report is None
    _assert_refused(events, "3 related entities")


def test_a_report_past_lowered_limits_still_takes_what_does_not_grow_it() -> None:
    report = _created(a_context(), notes=tuple(a_note() for _ in range(5)))

    after, events = run(report, Hold(event_id="hold", report_id=REPORT_ID), context=_context())

    assert "CommandRejected" not in kinds(events)
    assert after is not None
    assert after.status is Status.HELD


def test_a_delegated_update_is_recorded_without_its_note_when_the_notes_are_full() -> None:
    context = replace(a_context({"res-1": partner_owner()}), limits=LIMITS)
    report = _created(context, entities=[a_resource()], notes=(a_note("a"), a_note("b")))
    update = UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=f"SPR-{REPORT_ID}-1",
        partner_id=partner_owner().id,
        update=ProgressUpdate(status=DelegatedStatus.IN_PROGRESS, note="crew dispatched"),
    )
    report, _ = run(report, update, context=context)
    assert report is not None
    assert [note.text for note in report.notes] == ["a", "b", "crew dispatched"]

    resolved = replace(
        update,
        event_id=next_event_id(),
        update=replace(update.update, status=DelegatedStatus.RESOLVED),
    )
    after, events = run(report, resolved, context=context)

    assert "ReportResolved" in kinds(events)
    assert after is not None
    assert after.status is Status.RESOLVED
    assert after.notes == report.notes
