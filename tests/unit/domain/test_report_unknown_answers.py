"""Monitor Resolution Update: an answer about delegated work for a report that does not
exist names no request of ours (``unknown-correlation``), not an unknown report."""

from __future__ import annotations

from builders import a_service, next_event_id, run
from problem_tracker.domain.commands import LinkServiceTrouble, UpdateDelegatedWork
from problem_tracker.domain.events import CommandRejected, RejectionCode
from problem_tracker.domain.report import DelegatedStatus, ProgressUpdate


def test_a_partner_answer_for_a_report_never_created_is_an_unknown_correlation() -> None:
    answer = UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id="CPR-404",
        request_id="SPR-CPR-404-1",
        update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
    )

    report, events = run(None, answer)

    assert report is None
    assert len(events) == 1
    assert isinstance(events[0], CommandRejected)
    assert events[0].code is RejectionCode.UNKNOWN_CORRELATION
    assert "SPR-CPR-404-1" in events[0].reason


def test_a_service_trouble_link_for_a_report_never_created_is_an_unknown_correlation() -> None:
    link = LinkServiceTrouble(
        event_id=next_event_id(),
        report_id="CPR-404",
        request_id="STR-svc-1-1",
        service=a_service(),
        status=DelegatedStatus.REQUESTED,
    )

    _, events = run(None, link)

    assert [e.code for e in events if isinstance(e, CommandRejected)] == [
        RejectionCode.UNKNOWN_CORRELATION
    ]
