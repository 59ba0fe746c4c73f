"""A report's new priority or severity reaches the shared service troubles its open work
waits on (they tell Service Problem Management the impact, contract v1.1)."""

from __future__ import annotations

from typing import Any

import pytest

from builders import REPORT_ID, a_report, a_service, kinds, next_event_id, run, service_work
from problem_tracker.application.routing import ToServiceTrouble, service_trouble_commands
from problem_tracker.domain.commands import ChangeAttributes
from problem_tracker.domain.events import ServiceTroubleRerated
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
