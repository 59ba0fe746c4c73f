"""Changing the symptom code or the requested resolution date of an existing report: the
change is recorded and notified, and a new symptom code runs Check Known Error again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from builders import (
    NOW,
    REPORT_ID,
    a_context,
    a_known_error,
    a_report,
    kinds,
    next_event_id,
    run,
)
from problem_tracker.domain.commands import ChangeAttributes
from problem_tracker.domain.events import (
    CUSTOMER_NOTIFICATIONS,
    AttributesChanged,
    CommandRejected,
    KnownErrorAttached,
    RejectionCode,
)
from problem_tracker.domain.report import KnownErrorMatch, Status

SYMPTOM = "NO-DIALTONE"
CONTEXT = a_context(known_errors=[a_known_error("KE-7", SYMPTOM, "reset the modem")])


def _change(**fields: Any) -> ChangeAttributes:
    return ChangeAttributes(event_id=next_event_id(), report_id=REPORT_ID, **fields)


def test_a_changed_symptom_code_attaches_the_matching_known_error() -> None:
    report = a_report(Status.IN_PROGRESS, symptom_code="SLOW")

    state, events = run(report, _change(symptom_code=SYMPTOM), context=CONTEXT)

    assert kinds(events) == ["AttributesChanged", "KnownErrorAttached"]
    changed, attached = events
    assert isinstance(changed, AttributesChanged)
    assert (changed.changed, changed.symptom_code) == (("symptom_code",), SYMPTOM)
    assert isinstance(attached, KnownErrorAttached)
    assert state is not None
    assert state.symptom_code == SYMPTOM
    assert state.known_error == KnownErrorMatch(id="KE-7", workaround="reset the modem")


def test_a_first_symptom_code_given_after_creation_is_checked_too() -> None:
    state, events = run(a_report(), _change(symptom_code=SYMPTOM), context=CONTEXT)

    assert "KnownErrorAttached" in kinds(events)
    assert state is not None
    assert state.known_error is not None


def test_a_changed_symptom_code_keeps_the_known_error_already_attached() -> None:
    offered = KnownErrorMatch(id="KE-1", workaround="restart the line card")
    report = a_report(Status.IN_PROGRESS, symptom_code="SLOW", known_error=offered)

    state, events = run(report, _change(symptom_code=SYMPTOM), context=CONTEXT)

    assert kinds(events) == ["AttributesChanged"]
    assert state is not None
    assert (state.symptom_code, state.known_error) == (SYMPTOM, offered)


def test_a_symptom_code_no_known_error_matches_attaches_nothing() -> None:
    report = a_report(Status.IN_PROGRESS, symptom_code=SYMPTOM)

    state, events = run(report, _change(symptom_code="FLAPPING"), context=CONTEXT)

    assert kinds(events) == ["AttributesChanged"]
    assert state is not None
    assert (state.symptom_code, state.known_error) == ("FLAPPING", None)


def test_an_unchanged_symptom_code_does_not_check_known_errors_again() -> None:
    report = a_report(Status.IN_PROGRESS, symptom_code=SYMPTOM)

    _, events = run(report, _change(symptom_code=SYMPTOM, priority=1), context=CONTEXT)

    assert kinds(events) == ["AttributesChanged"]
    assert isinstance(events[0], AttributesChanged)
    assert events[0].changed == ("priority",)


def test_a_changed_requested_resolution_date_is_recorded_and_notified() -> None:
    wanted = NOW + timedelta(days=2)
    report = a_report(Status.IN_PROGRESS, requested_resolution_date=NOW + timedelta(days=1))

    state, events = run(report, _change(requested_resolution_date=wanted))

    (changed,) = events
    assert isinstance(changed, AttributesChanged)
    assert changed.changed == ("requested_resolution_date",)
    assert changed.requested_resolution_date == wanted
    assert type(changed) in CUSTOMER_NOTIFICATIONS
    assert state is not None
    assert state.requested_resolution_date == wanted


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_a_change_on_a_terminal_report_is_still_rejected(status: Status) -> None:
    report = a_report(status, symptom_code="SLOW")
    change = _change(symptom_code=SYMPTOM, requested_resolution_date=NOW + timedelta(days=2))

    state, events = run(report, change, context=CONTEXT)

    (rejected,) = events
    assert isinstance(rejected, CommandRejected)
    assert rejected.code is RejectionCode.ILLEGAL_TRANSITION
    assert state is not None
    assert (state.symptom_code, state.requested_resolution_date, state.known_error) == (
        "SLOW",
        None,
        None,
    )
