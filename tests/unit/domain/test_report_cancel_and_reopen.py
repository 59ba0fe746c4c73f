"""Cancel Customer Problem, and a customer rejecting the resolution (reopen)."""

from __future__ import annotations

from builders import (
    REPORT_ID,
    a_context,
    a_create,
    a_report,
    a_resource,
    a_service,
    kinds,
    next_event_id,
    partner_owner,
    partner_work,
    run,
    service_work,
)
from problem_tracker.domain.commands import (
    Cancel,
    Close,
    LinkServiceTrouble,
    Reopen,
    UpdateDelegatedWork,
)
from problem_tracker.domain.events import (
    PartnerProblemCancelRequested,
    PartnerProblemReopenRequested,
    ReportCancelled,
    ReportClosed,
    ReportReopened,
    ServiceTroubleNeeded,
    ServiceTroubleReleased,
)
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    ProgressUpdate,
    Status,
)

PARTNERS = {"res-1": partner_owner()}


def _cancel(reason: str = "duplicate of CPR-0") -> Cancel:
    return Cancel(event_id=next_event_id(), report_id=REPORT_ID, reason=reason)


def _reopen() -> Reopen:
    return Reopen(event_id=next_event_id(), report_id=REPORT_ID, reason="still no dial tone")


def test_cancelling_withdraws_outstanding_partner_requests_and_releases_service_troubles() -> None:
    report = a_report(
        Status.IN_PROGRESS,
        delegated=(
            partner_work(f"SPR-{REPORT_ID}-1", a_resource("res-1")),
            partner_work(f"SPR-{REPORT_ID}-2", a_resource("res-2"), DelegatedStatus.RESOLVED),
            service_work("STR-svc-1-1", a_service("svc-1")),
            service_work(None, a_service("svc-2"), DelegatedStatus.REQUESTED),
            service_work("STR-svc-3-4", a_service("svc-3"), DelegatedStatus.CLOSED),
        ),
    )
    after, events = run(report, _cancel())

    assert kinds(events) == [
        "StatusChanged",
        "ReportCancelled",
        "PartnerProblemCancelRequested",
        "ServiceTroubleReleased",
        "ServiceTroubleReleased",
    ]
    assert isinstance(events[1], ReportCancelled)
    assert events[1].reason == "duplicate of CPR-0"
    withdrawn = events[2]
    assert isinstance(withdrawn, PartnerProblemCancelRequested)
    assert (withdrawn.request_id, withdrawn.partner) == (f"SPR-{REPORT_ID}-1", partner_owner())
    released = [
        (e.service.id, e.request_id) for e in events if isinstance(e, ServiceTroubleReleased)
    ]
    assert released == [("svc-1", "STR-svc-1-1"), ("svc-2", None)]
    assert after is not None
    assert after.status is Status.CANCELLED
    assert [w.progress.status for w in after.delegated] == [
        DelegatedStatus.CANCELLED,
        DelegatedStatus.RESOLVED,
        DelegatedStatus.CANCELLED,
        DelegatedStatus.CANCELLED,
        DelegatedStatus.CLOSED,
    ]


def test_a_cancelled_report_cannot_be_reopened() -> None:
    cancelled, _ = run(a_report(Status.PENDING), _cancel())
    _, events = run(cancelled, _reopen())
    assert kinds(events) == ["CommandRejected"]


def test_a_resolved_report_cannot_be_cancelled() -> None:
    _, events = run(a_report(Status.RESOLVED), _cancel())
    assert kinds(events) == ["CommandRejected"]


def test_closing_a_resolved_report_ends_it() -> None:
    close = Close(event_id=next_event_id(), report_id=REPORT_ID, reason="customer confirmed")
    closed, events = run(a_report(Status.RESOLVED), close)
    assert kinds(events) == ["StatusChanged", "ReportClosed"]
    assert isinstance(events[1], ReportClosed)
    assert events[1].reason == "customer confirmed"
    assert closed is not None
    assert closed.is_terminal


def _resolved_report_with_partner_and_service_work() -> CustomerProblemReport:
    context = a_context(PARTNERS)
    report, _ = run(None, a_create(entities=[a_service(), a_resource()]), context=context)
    link = LinkServiceTrouble(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id="STR-svc-1-1",
        service=a_service(),
        status=DelegatedStatus.ACKNOWLEDGED,
    )
    resolved = [
        UpdateDelegatedWork(
            event_id=next_event_id(),
            report_id=REPORT_ID,
            request_id=request_id,
            partner_id=partner_id,
            update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
        )
        for request_id, partner_id in (("STR-svc-1-1", None), (f"SPR-{REPORT_ID}-1", "partner-1"))
    ]
    report, _ = run(report, link, *resolved, context=context)
    assert report is not None
    assert report.status is Status.RESOLVED
    return report


def test_a_reopened_report_starts_a_new_cycle_reopening_what_the_partner_resolved() -> None:
    report = _resolved_report_with_partner_and_service_work()
    reopened, events = run(report, _reopen(), context=a_context(PARTNERS))

    assert kinds(events) == [
        "StatusChanged",
        "ReportReopened",
        "PartnerProblemReopenRequested",
        "ServiceTroubleNeeded",
    ]
    assert isinstance(events[1], ReportReopened)
    assert events[1].cycle == 2
    reopen = events[2]
    assert isinstance(reopen, PartnerProblemReopenRequested)
    assert (reopen.request_id, reopen.partner, reopen.reason) == (
        f"SPR-{REPORT_ID}-1",
        partner_owner(),
        "still no dial tone",
    )
    assert isinstance(events[3], ServiceTroubleNeeded)
    assert reopened is not None
    assert reopened.status is Status.IN_PROGRESS
    assert reopened.cycle == 2
    assert [(w.request_id, w.cycle, w.progress.status) for w in reopened.delegated] == [
        ("STR-svc-1-1", 1, DelegatedStatus.RESOLVED),
        (f"SPR-{REPORT_ID}-1", 2, DelegatedStatus.REQUESTED),
        (None, 2, DelegatedStatus.REQUESTED),
    ]
    assert reopened.sla is not None
    assert [leg.request_id for leg in reopened.sla.partner_legs] == [f"SPR-{REPORT_ID}-1"]


def test_a_reopened_report_resolves_on_its_new_work_only() -> None:
    report = _resolved_report_with_partner_and_service_work()
    context = a_context(PARTNERS)
    report, _ = run(report, _reopen(), context=context)
    relink = LinkServiceTrouble(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id="STR-svc-1-1",
        service=a_service(),
        status=DelegatedStatus.IN_PROGRESS,
    )
    partner_done = UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=f"SPR-{REPORT_ID}-1",
        partner_id=partner_owner().id,
        update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
    )
    report, _ = run(report, relink, partner_done, context=context)
    assert report is not None
    assert report.status is Status.IN_PROGRESS
    assert report.delegated[0].progress.status is DelegatedStatus.RESOLVED
    assert report.delegated[2].progress.status is DelegatedStatus.IN_PROGRESS

    service_done = UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id="STR-svc-1-1",
        update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
    )
    report, events = run(report, service_done, context=context)
    assert kinds(events)[-1] == "ReportResolved"
    assert report is not None
    assert report.status is Status.RESOLVED
