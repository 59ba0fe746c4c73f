"""Monitor Resolution Update: following delegated work until the report is cleared."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from builders import (
    NOW,
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
    Hold,
    LinkServiceTrouble,
    Resume,
    Tick,
    UpdateDelegatedWork,
)
from problem_tracker.domain.events import (
    CommandRejected,
    DelegatedWorkFailed,
    DelegatedWorkUpdated,
    PartnerProblemCancelRequested,
    RejectionCode,
    ServiceTroubleLinked,
    ServiceTroubleReleased,
)
from problem_tracker.domain.evolution import evolve
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    Note,
    ProgressUpdate,
    Status,
)

PARTNER_REQUEST = f"SPR-{REPORT_ID}-1"
SERVICE_REQUEST = "STR-svc-1-1"


def _update(
    request_id: str,
    status: DelegatedStatus,
    *,
    external_id: str | None = None,
    expected_resolution_date: datetime | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> UpdateDelegatedWork:
    return UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=request_id,
        partner_id=partner_owner().id if request_id.startswith("SPR-") else None,
        update=ProgressUpdate(
            status=status,
            external_id=external_id,
            expected_resolution_date=expected_resolution_date,
            reason=reason,
            note=note,
        ),
    )


def _link(
    request_id: str = SERVICE_REQUEST,
    status: DelegatedStatus = DelegatedStatus.REQUESTED,
    service_id: str = "svc-1",
) -> LinkServiceTrouble:
    return LinkServiceTrouble(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=request_id,
        service=a_service(service_id),
        status=status,
        external_id="SPM-77",
    )


def _mixed_report() -> CustomerProblemReport | None:
    context = a_context({"res-1": partner_owner()})
    report, _ = run(None, a_create(entities=[a_service(), a_resource()]), context=context)
    report, _ = run(report, _link())
    return report


def test_a_link_tells_the_report_which_service_trouble_carries_its_work() -> None:
    report, events = run(None, a_create(entities=[a_service()]))
    report, events = run(report, _link(status=DelegatedStatus.IN_PROGRESS))
    assert kinds(events) == ["ServiceTroubleLinked"]
    assert report is not None
    work = report.delegated[0]
    assert (work.request_id, work.progress.status, work.progress.external_id) == (
        SERVICE_REQUEST,
        DelegatedStatus.IN_PROGRESS,
        "SPM-77",
    )


def test_a_repeated_link_updates_the_same_record() -> None:
    report, _ = run(None, a_create(entities=[a_service()]), _link())
    report, _ = run(report, _link(status=DelegatedStatus.ACKNOWLEDGED))
    assert report is not None
    assert len(report.delegated) == 1
    assert report.delegated[0].progress.status is DelegatedStatus.ACKNOWLEDGED


def test_a_link_for_a_service_the_report_never_needed_is_an_unknown_correlation() -> None:
    report, _ = run(None, a_create(entities=[a_service()]))
    _, events = run(report, _link("STR-svc-2-1", service_id="svc-2"))
    assert isinstance(events[0], CommandRejected)
    assert events[0].code is RejectionCode.UNKNOWN_CORRELATION


def test_a_report_on_internal_and_partner_work_resolves_only_when_both_are_resolved() -> None:
    report = _mixed_report()
    report, events = run(report, _update(PARTNER_REQUEST, DelegatedStatus.RESOLVED))
    assert kinds(events) == ["DelegatedWorkUpdated"]
    assert report is not None
    assert report.status is Status.IN_PROGRESS

    report, events = run(report, _update(SERVICE_REQUEST, DelegatedStatus.CLOSED))
    assert kinds(events) == ["DelegatedWorkUpdated", "StatusChanged", "ReportResolved"]
    assert report is not None
    assert report.status is Status.RESOLVED


def test_service_work_waiting_for_its_link_keeps_the_report_from_resolving() -> None:
    context = a_context({"res-1": partner_owner()})
    report, _ = run(None, a_create(entities=[a_service(), a_resource()]), context=context)
    report, _ = run(report, _update(PARTNER_REQUEST, DelegatedStatus.RESOLVED))
    assert report is not None
    assert report.status is Status.IN_PROGRESS


def test_an_update_records_status_dates_external_id_and_note() -> None:
    report = a_report(Status.IN_PROGRESS, delegated=(partner_work(),))
    update = _update(
        PARTNER_REQUEST,
        DelegatedStatus.IN_PROGRESS,
        external_id="P-42",
        expected_resolution_date=NOW,
        note="engineer dispatched",
    )
    report, _ = run(report, update)
    assert report is not None
    work = report.delegated[0]
    assert (
        work.progress.status,
        work.progress.external_id,
        work.progress.expected_resolution_date,
    ) == (
        DelegatedStatus.IN_PROGRESS,
        "P-42",
        NOW,
    )
    assert report.notes[-1] == Note(author=PARTNER_REQUEST, date=NOW, text="engineer dispatched")

    report, _ = run(report, _update(PARTNER_REQUEST, DelegatedStatus.IN_PROGRESS))
    assert report is not None
    assert report.delegated[0].progress.external_id == "P-42"
    assert report.delegated[0].progress.expected_resolution_date == NOW


def test_an_update_for_a_request_the_report_never_made_is_an_unknown_correlation() -> None:
    report = a_report(Status.IN_PROGRESS, delegated=(partner_work(),))
    after, events = run(report, _update("SPR-elsewhere-1", DelegatedStatus.RESOLVED))
    assert isinstance(events[0], CommandRejected)
    assert events[0].code is RejectionCode.UNKNOWN_CORRELATION
    assert after is not None
    assert after.delegated == report.delegated


def test_work_rejected_by_the_other_side_is_an_escalation_trigger_not_a_resolution() -> None:
    report = a_report(Status.IN_PROGRESS, delegated=(partner_work(),))
    report, events = run(
        report, _update(PARTNER_REQUEST, DelegatedStatus.REJECTED, reason="not ours")
    )
    assert kinds(events) == ["DelegatedWorkUpdated", "DelegatedWorkFailed"]
    failed = events[1]
    assert isinstance(failed, DelegatedWorkFailed)
    assert (failed.request_id, failed.status, failed.reason) == (
        PARTNER_REQUEST,
        DelegatedStatus.REJECTED,
        "not ours",
    )
    assert report is not None
    assert report.status is Status.IN_PROGRESS

    _, again = run(report, _update(PARTNER_REQUEST, DelegatedStatus.REJECTED))
    assert kinds(again) == ["DelegatedWorkUpdated"]


def test_a_failure_after_resolution_is_only_recorded() -> None:
    report = a_report(Status.RESOLVED, delegated=(partner_work(status=DelegatedStatus.RESOLVED),))
    _, events = run(report, _update(PARTNER_REQUEST, DelegatedStatus.CANCELLED))
    assert kinds(events) == ["DelegatedWorkUpdated"]


def test_a_held_report_records_updates_and_resolves_when_resumed() -> None:
    report = a_report(Status.IN_PROGRESS, delegated=(partner_work(),))
    report, _ = run(report, Hold(event_id=next_event_id(), report_id=REPORT_ID))
    report, events = run(report, _update(PARTNER_REQUEST, DelegatedStatus.RESOLVED))
    assert kinds(events) == ["DelegatedWorkUpdated"]
    assert report is not None
    assert report.status is Status.HELD

    report, events = run(report, Resume(event_id=next_event_id(), report_id=REPORT_ID))
    assert kinds(events) == ["StatusChanged", "StatusChanged", "ReportResolved"]
    assert report is not None
    assert report.status is Status.RESOLVED


def test_a_timer_changes_nothing_yet() -> None:
    report = a_report(Status.IN_PROGRESS, delegated=(partner_work(),))
    after, events = run(report, Tick(event_id=next_event_id(), report_id=REPORT_ID, deadline=NOW))
    assert events == []
    assert after == report


def test_a_service_trouble_linked_to_a_cancelled_report_is_released_at_once() -> None:
    report = a_report(
        Status.CANCELLED, delegated=(service_work(None, status=DelegatedStatus.CANCELLED),)
    )
    report, events = run(report, _link())
    assert kinds(events) == ["ServiceTroubleLinked", "ServiceTroubleReleased"]
    released = events[1]
    assert isinstance(released, ServiceTroubleReleased)
    assert (released.service, released.request_id) == (a_service(), SERVICE_REQUEST)
    assert report is not None
    assert report.status is Status.CANCELLED
    assert report.delegated[0].progress.status is DelegatedStatus.CANCELLED


def test_late_confirmations_are_recorded_on_a_closed_report() -> None:
    report = a_report(Status.CLOSED, delegated=(partner_work(status=DelegatedStatus.RESOLVED),))
    report, events = run(report, _update(PARTNER_REQUEST, DelegatedStatus.CLOSED))
    assert kinds(events) == ["DelegatedWorkUpdated"]
    assert report is not None
    assert report.status is Status.CLOSED
    assert report.delegated[0].progress.status is DelegatedStatus.CLOSED


def test_facts_about_work_the_report_does_not_know_change_no_record() -> None:
    report = a_report(Status.IN_PROGRESS, delegated=(partner_work(), service_work()))
    stray = [
        DelegatedWorkUpdated(
            request_id="SPR-x-1", update=ProgressUpdate(status=DelegatedStatus.RESOLVED)
        ),
        PartnerProblemCancelRequested(request_id="SPR-x-1", entity=a_resource()),
        ServiceTroubleLinked(
            request_id="STR-svc-9-1", service=a_service("svc-9"), status=DelegatedStatus.REQUESTED
        ),
    ]
    assert all(evolve(report, fact).delegated == report.delegated for fact in stray)


def _partner_report() -> CustomerProblemReport:
    context = a_context({"res-1": partner_owner()})
    report, _ = run(None, a_create(entities=[a_resource()]), context=context)
    assert report is not None
    return report


def test_a_partner_answer_from_another_partner_is_an_unknown_correlation() -> None:
    report = _partner_report()
    spoofed = replace(_update(PARTNER_REQUEST, DelegatedStatus.RESOLVED), partner_id="rival")

    after, events = run(report, spoofed)

    assert kinds(events) == ["CommandRejected"]
    rejected = events[0]
    assert isinstance(rejected, CommandRejected)
    assert rejected.code is RejectionCode.UNKNOWN_CORRELATION
    assert after is not None
    assert (after.status, after.delegated, after.notes) == (
        report.status,
        report.delegated,
        report.notes,
    )


def test_a_partner_answer_that_does_not_say_who_sent_it_is_refused_too() -> None:
    report = _partner_report()
    anonymous = replace(_update(PARTNER_REQUEST, DelegatedStatus.RESOLVED), partner_id=None)

    after, events = run(report, anonymous)

    assert kinds(events) == ["CommandRejected"]
    assert after is not None
    assert after.delegated == report.delegated


def test_the_partner_the_request_went_to_is_heard() -> None:
    report = _partner_report()

    after, events = run(report, _update(PARTNER_REQUEST, DelegatedStatus.RESOLVED))

    assert "ReportResolved" in kinds(events)
    assert after is not None
    assert after.status is Status.RESOLVED
