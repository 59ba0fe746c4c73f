"""What a report's delegated work must hear (contract v1.1): a new priority or severity
reaches the shared service troubles it waits on (they tell Service Problem Management the
impact) and its partners, as do the customer's notes; closing confirms a partner's
resolution (MEF 124) and withdraws work still kept."""

from __future__ import annotations

from typing import Any

import pytest

from builders import (
    REPORT_ID,
    a_note,
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
from problem_tracker.application.routing import ToServiceTrouble, service_trouble_commands
from problem_tracker.domain.commands import ChangeAttributes, Close, ProvideInformation
from problem_tracker.domain.decider import evolve
from problem_tracker.domain.events import (
    PartnerProblemCloseRequested,
    PartnerProblemReopenRequested,
    PartnerProblemUpdateRequested,
    ServiceTroubleRerated,
)
from problem_tracker.domain.report import DelegatedStatus, Severity, Status
from problem_tracker.domain.service_trouble import RerateLinkedReport


def _change(**fields: Any) -> ChangeAttributes:
    return ChangeAttributes(event_id=next_event_id(), report_id=REPORT_ID, **fields)


def _linked(*work: Any) -> Any:
    return a_report(Status.IN_PROGRESS, priority=2, severity=Severity.MAJOR, delegated=work)


@pytest.mark.parametrize(
    "change",
    [{"priority": 1}, {"severity": Severity.CRITICAL}, {"priority": 4, "severity": Severity.MINOR}],
    ids=["priority", "severity", "both"],
)
def test_a_new_rating_is_told_to_each_open_service_trouble(change: dict[str, Any]) -> None:
    report = _linked(service_work(), service_work("STR-svc-2-1", a_service("svc-2")))
    state, events = run(report, _change(**change))
    assert kinds(events) == ["AttributesChanged", "ServiceTroubleRerated", "ServiceTroubleRerated"]
    assert state is not None
    rerated = [e for e in events if isinstance(e, ServiceTroubleRerated)]
    assert [(e.service.id, e.priority, e.severity) for e in rerated] == [
        ("svc-1", state.priority, state.severity),
        ("svc-2", state.priority, state.severity),
    ]


def test_finished_work_and_other_attributes_tell_no_service_trouble() -> None:
    report = _linked(service_work(status=DelegatedStatus.RESOLVED))
    _, events = run(report, _change(priority=1))
    assert "ServiceTroubleRerated" not in kinds(events)
    _, events = run(_linked(service_work()), _change(description="now also no internet"))
    assert kinds(events) == ["AttributesChanged"]


def test_a_rerating_is_routed_to_the_service_trouble_of_its_service() -> None:
    _, events = run(_linked(service_work()), _change(priority=1))
    routed = service_trouble_commands(events)
    assert routed == [
        ToServiceTrouble(
            "svc-1",
            RerateLinkedReport(
                event_id=events[1].event_id,
                report_id=REPORT_ID,
                service_id="svc-1",
                priority=1,
                severity=Severity.MAJOR,
            ),
        )
    ]


def test_a_new_rating_or_a_customer_note_is_told_to_each_open_partner_request() -> None:
    report = _linked(partner_work(), partner_work("SPR-CPR-1-2", status=DelegatedStatus.RESOLVED))
    _, events = run(report, _change(priority=1))
    updates = [e for e in events if isinstance(e, PartnerProblemUpdateRequested)]
    assert [(u.request_id, u.priority, u.severity, u.notes) for u in updates] == [
        ("SPR-CPR-1-1", 1, Severity.MAJOR, ())
    ]

    note = a_note("it fails every evening")
    _, events = run(report, _change(notes=(note,)))
    updates = [e for e in events if isinstance(e, PartnerProblemUpdateRequested)]
    assert [(u.request_id, u.priority, u.notes) for u in updates] == [("SPR-CPR-1-1", 2, (note,))]


def test_information_from_the_customer_is_passed_to_the_partner() -> None:
    report = a_report(Status.PENDING, delegated=(partner_work(),))
    note = a_note("the modem was replaced yesterday")
    _, events = run(
        report, ProvideInformation(event_id=next_event_id(), report_id=REPORT_ID, notes=(note,))
    )
    assert "PartnerProblemUpdateRequested" in kinds(events)
    _, events = run(report, ProvideInformation(event_id=next_event_id(), report_id=REPORT_ID))
    assert "PartnerProblemUpdateRequested" not in kinds(events)


def test_closing_confirms_resolved_partner_work_and_withdraws_what_was_kept() -> None:
    report = a_report(
        Status.RESOLVED,
        delegated=(
            partner_work(status=DelegatedStatus.RESOLVED),
            partner_work("SPR-CPR-1-2", status=DelegatedStatus.IN_PROGRESS),
            service_work(),
            partner_work("SPR-CPR-1-3", status=DelegatedStatus.CANCELLED),
        ),
    )
    close = Close(event_id=next_event_id(), report_id=REPORT_ID, reason="customer confirmed")

    closed, events = run(report, close)

    assert kinds(events) == [
        "StatusChanged",
        "ReportClosed",
        "PartnerProblemCancelRequested",
        "ServiceTroubleReleased",
        "PartnerProblemCloseRequested",
    ]
    confirmed = events[-1]
    assert isinstance(confirmed, PartnerProblemCloseRequested)
    assert (confirmed.request_id, confirmed.partner) == ("SPR-CPR-1-1", partner_owner())
    assert closed is not None
    assert [w.progress.status for w in closed.delegated] == [
        DelegatedStatus.CLOSED,
        DelegatedStatus.CANCELLED,
        DelegatedStatus.CANCELLED,
        DelegatedStatus.CANCELLED,
    ]


def test_a_confirmation_or_reopen_of_a_request_the_report_does_not_have_changes_nothing() -> None:
    report = a_report(Status.RESOLVED)
    stray_close = PartnerProblemCloseRequested(request_id="SPR-X-1", entity=a_resource())
    stray_reopen = PartnerProblemReopenRequested(
        request_id="SPR-X-1", entity=a_resource(), partner=partner_owner(), reason="r"
    )
    assert evolve(report, stray_close) == report
    assert evolve(report, stray_reopen) == report
