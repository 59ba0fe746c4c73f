"""Coordinate Customer Problem between the aggregates: which internal command each event
becomes, for whom, with which id."""

from __future__ import annotations

from builders import NOW, a_service
from problem_tracker.application.routing import (
    ToServiceTrouble,
    report_commands,
    service_trouble_commands,
)
from problem_tracker.domain.commands import LinkServiceTrouble, UpdateDelegatedWork
from problem_tracker.domain.events import (
    ServiceTroubleNeeded,
    ServiceTroubleReleased,
    StatusChanged,
)
from problem_tracker.domain.identity import service_trouble_key
from problem_tracker.domain.report import DelegatedStatus, ProgressUpdate, Severity, Status
from problem_tracker.domain.service_trouble import (
    LinkReport,
    ReportLinkedToServiceTrouble,
    ServiceTroubleStatusChanged,
    UnlinkReport,
)


def test_a_report_that_needs_a_service_trouble_asks_the_one_of_its_service() -> None:
    needed = ServiceTroubleNeeded(
        event_id="ev-1",
        report_id="CPR-1",
        service=a_service("svc-7"),
        priority=1,
        severity=Severity.CRITICAL,
        description="down",
        requested_resolution_date=NOW,
    )

    (routed,) = service_trouble_commands([needed])

    assert routed.service_id == service_trouble_key("svc-7") == "svc-7"
    assert routed.command == LinkReport(
        event_id="ev-1",
        report_id="CPR-1",
        service=a_service("svc-7"),
        priority=1,
        severity=Severity.CRITICAL,
        description="down",
        requested_resolution_date=NOW,
    )


def test_a_report_that_no_longer_needs_it_releases_it_and_other_events_route_nothing() -> None:
    long_id = "svc-" + "x" * 300
    released = ServiceTroubleReleased(
        event_id="ev-2", report_id="CPR-1", service=a_service(long_id)
    )
    other = StatusChanged(
        event_id="ev-3", report_id="CPR-1", from_status=None, to_status=Status.RESOLVED
    )

    assert service_trouble_commands([other, released]) == [
        ToServiceTrouble(
            service_trouble_key(long_id),
            UnlinkReport(event_id="ev-2", report_id="CPR-1", service_id=long_id),
        )
    ]
    assert len(service_trouble_key(long_id)) < len(long_id)


def test_a_linked_report_is_told_its_request_and_a_status_change_reaches_every_linked_one() -> None:
    linked = ReportLinkedToServiceTrouble(
        event_id="st-1",
        report_id="CPR-1",
        request_id="STR-svc-1-1",
        service=a_service(),
        status=DelegatedStatus.ACKNOWLEDGED,
        priority=2,
        external_id="SPM-1",
    )
    changed = ServiceTroubleStatusChanged(
        event_id="st-2",
        request_id="STR-svc-1-1",
        report_ids=("CPR-1", "CPR-2"),
        update=ProgressUpdate(status=DelegatedStatus.RESOLVED, external_id="SPM-1", reason="fixed"),
    )

    commands = report_commands([linked, changed])

    assert commands[0] == LinkServiceTrouble(
        event_id="st-1",
        report_id="CPR-1",
        request_id="STR-svc-1-1",
        service=a_service(),
        status=DelegatedStatus.ACKNOWLEDGED,
        external_id="SPM-1",
    )
    updates = [c for c in commands[1:] if isinstance(c, UpdateDelegatedWork)]
    assert [(c.report_id, c.event_id, c.update.status) for c in updates] == [
        ("CPR-1", "st-2", DelegatedStatus.RESOLVED),
        ("CPR-2", "st-2", DelegatedStatus.RESOLVED),
    ]
    assert len(updates) == len(commands) - 1
    assert all(c.update.reason == "fixed" for c in updates)
