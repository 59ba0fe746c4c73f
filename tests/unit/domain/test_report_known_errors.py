"""Check Known Error: active, symptom-matching, service-specific first, deterministic."""

from __future__ import annotations

from builders import (
    REPORT_ID,
    a_context,
    a_create,
    a_known_error,
    a_report,
    a_service,
    kinds,
    next_event_id,
    run,
)
from problem_tracker.domain.commands import CompleteIsolation
from problem_tracker.domain.events import KnownErrorAttached
from problem_tracker.domain.known_errors import best_known_error
from problem_tracker.domain.report import KnownErrorMatch, KnownErrorStatus, Status

SYMPTOM = "NO-DIALTONE"


def test_a_matching_known_error_and_its_workaround_are_attached() -> None:
    context = a_context(known_errors=[a_known_error("KE-7", SYMPTOM, "reset the modem")])
    report, events = run(
        None, a_create(symptom_code=SYMPTOM, entities=[a_service()]), context=context
    )
    attached = [e for e in events if isinstance(e, KnownErrorAttached)]
    assert [e.match for e in attached] == [KnownErrorMatch(id="KE-7", workaround="reset the modem")]
    assert report is not None
    assert report.known_error == KnownErrorMatch(id="KE-7", workaround="reset the modem")


def test_a_retired_known_error_never_matches() -> None:
    retired = a_known_error("KE-1", SYMPTOM, status=KnownErrorStatus.RETIRED)
    assert best_known_error([retired], SYMPTOM, [a_service()]) is None


def test_a_known_error_of_another_symptom_does_not_match() -> None:
    assert best_known_error([a_known_error("KE-1", "SLOW")], SYMPTOM, [a_service()]) is None


def test_a_service_specific_known_error_needs_that_service_to_be_affected() -> None:
    elsewhere = a_known_error("KE-1", SYMPTOM, service=a_service("svc-other"))
    assert best_known_error([elsewhere], SYMPTOM, [a_service("svc-1")]) is None


def test_a_service_specific_known_error_beats_a_symptom_only_one() -> None:
    generic = a_known_error("KE-1", SYMPTOM)
    specific = a_known_error("KE-9", SYMPTOM, service=a_service("svc-1"))
    assert best_known_error([generic, specific], SYMPTOM, [a_service("svc-1")]) == specific


def test_among_equally_good_known_errors_the_smallest_id_wins_whatever_the_order() -> None:
    errors = [a_known_error("KE-3", SYMPTOM), a_known_error("KE-2", SYMPTOM)]
    assert best_known_error(errors, SYMPTOM, []) == best_known_error(errors[::-1], SYMPTOM, [])
    assert best_known_error(errors, SYMPTOM, []) == errors[1]


def test_a_report_without_symptom_code_is_not_checked() -> None:
    context = a_context(known_errors=[a_known_error("KE-1", SYMPTOM)])
    report, events = run(None, a_create(entities=[a_service()]), context=context)
    assert "KnownErrorAttached" not in kinds(events)
    assert report is not None
    assert report.known_error is None


def test_isolation_can_select_a_better_service_specific_known_error() -> None:
    context = a_context(
        known_errors=[
            a_known_error("KE-1", SYMPTOM, "generic advice"),
            a_known_error("KE-2", SYMPTOM, "specific fix", service=a_service("svc-2")),
        ]
    )
    report, _ = run(
        None, a_create(symptom_code=SYMPTOM, entities=[a_service("svc-1")]), context=context
    )
    assert report is not None
    assert report.known_error == KnownErrorMatch(id="KE-1", workaround="generic advice")

    isolation = CompleteIsolation(
        event_id=next_event_id(), report_id=REPORT_ID, entities=(a_service("svc-2"),)
    )
    report, events = run(report, isolation, context=context)
    assert report is not None
    assert report.known_error == KnownErrorMatch(id="KE-2", workaround="specific fix")
    assert kinds(events).count("KnownErrorAttached") == 1


def test_the_attached_known_error_is_not_attached_again() -> None:
    context = a_context(known_errors=[a_known_error("KE-1", SYMPTOM)])
    report = a_report(
        Status.IN_PROGRESS,
        symptom_code=SYMPTOM,
        known_error=KnownErrorMatch(id="KE-1", workaround="x"),
    )
    isolation = CompleteIsolation(event_id=next_event_id(), report_id=REPORT_ID)
    _, events = run(report, isolation, context=context)
    assert "KnownErrorAttached" not in kinds(events)
