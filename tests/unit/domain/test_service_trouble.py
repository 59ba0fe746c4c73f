"""The shared service trouble: one request per faulty service, however many reports."""

from __future__ import annotations

from builders import NOW, a_service, kinds, next_event_id
from problem_tracker.application.process import ServiceTroubleDecision, handle_service_trouble
from problem_tracker.domain.events import RejectionCode
from problem_tracker.domain.report import DelegatedStatus, ProgressUpdate, Severity
from problem_tracker.domain.service_trouble import (
    ApplyServiceTroubleUpdate,
    LinkReport,
    ReportLinkedToServiceTrouble,
    ServiceTrouble,
    ServiceTroubleCancelRequested,
    ServiceTroubleCommand,
    ServiceTroubleRejected,
    ServiceTroubleRequested,
    ServiceTroubleStatusChanged,
    UnlinkReport,
)
from problem_tracker.domain.service_trouble_decider import (
    decide_service_trouble,
    evolve_service_trouble,
)


def _link(report_id: str, priority: int = 3) -> LinkReport:
    return LinkReport(
        event_id=next_event_id(),
        report_id=report_id,
        service=a_service(),
        priority=priority,
        severity=Severity.MAJOR,
        description=f"{report_id}: no dial tone",
    )


def _unlink(report_id: str) -> UnlinkReport:
    return UnlinkReport(event_id=next_event_id(), report_id=report_id, service_id="svc-1")


def _update(status: DelegatedStatus, request_id: str = "STR-svc-1-1") -> ApplyServiceTroubleUpdate:
    return ApplyServiceTroubleUpdate(
        event_id=next_event_id(),
        request_id=request_id,
        update=ProgressUpdate(
            status=status, external_id="SPM-1", expected_resolution_date=NOW, note="crew on site"
        ),
    )


def _handle(
    state: ServiceTrouble | None, *commands: ServiceTroubleCommand
) -> tuple[ServiceTrouble | None, list[object]]:
    events: list[object] = []
    for command in commands:
        decision: ServiceTroubleDecision = handle_service_trouble(state, command, NOW)
        state = decision.state
        events.extend(decision.events)
    return state, events


def test_the_first_report_on_a_service_requests_a_service_trouble() -> None:
    state, events = _handle(None, _link("CPR-1"))
    assert kinds(events) == ["ServiceTroubleRequested", "ReportLinkedToServiceTrouble"]
    requested = events[0]
    assert isinstance(requested, ServiceTroubleRequested)
    assert (requested.request_id, requested.generation, requested.report_ids) == (
        "STR-svc-1-1",
        1,
        ("CPR-1",),
    )
    assert requested.service_id == "svc-1"
    linked = events[1]
    assert isinstance(linked, ReportLinkedToServiceTrouble)
    assert (linked.report_id, linked.status) == ("CPR-1", DelegatedStatus.REQUESTED)
    assert state is not None
    assert state.report_ids == ("CPR-1",)


def test_further_reports_join_the_open_service_trouble() -> None:
    state, _ = _handle(None, _link("CPR-1", priority=3), _update(DelegatedStatus.IN_PROGRESS))
    state, events = _handle(state, _link("CPR-2", priority=1))
    assert kinds(events) == ["ReportLinkedToServiceTrouble", "ImpactUpdateScheduled"]
    linked = events[0]
    assert isinstance(linked, ReportLinkedToServiceTrouble)
    assert (linked.request_id, linked.status, linked.external_id) == (
        "STR-svc-1-1",
        DelegatedStatus.IN_PROGRESS,
        "SPM-1",
    )
    assert state is not None
    assert state.report_ids == ("CPR-1", "CPR-2")
    assert state.priority == 1


def test_a_report_already_linked_gets_its_link_again() -> None:
    state, _ = _handle(None, _link("CPR-1"))
    state, events = _handle(state, _link("CPR-1"))
    assert kinds(events) == ["ReportLinkedToServiceTrouble"]
    assert state is not None
    assert state.report_ids == ("CPR-1",)


def test_a_report_after_the_service_trouble_was_resolved_starts_a_new_generation() -> None:
    state, _ = _handle(None, _link("CPR-1"), _update(DelegatedStatus.RESOLVED))
    state, events = _handle(state, _link("CPR-2"))
    requested = events[0]
    assert isinstance(requested, ServiceTroubleRequested)
    assert (requested.request_id, requested.generation) == ("STR-svc-1-2", 2)
    assert state is not None
    assert (state.request_id, state.report_ids, state.progress.status) == (
        "STR-svc-1-2",
        ("CPR-2",),
        DelegatedStatus.REQUESTED,
    )


def test_updates_are_fanned_out_to_every_linked_report() -> None:
    state, _ = _handle(None, _link("CPR-1"), _link("CPR-2"))
    state, events = _handle(state, _update(DelegatedStatus.RESOLVED))
    changed = events[0]
    assert isinstance(changed, ServiceTroubleStatusChanged)
    assert (changed.update.status, changed.report_ids, changed.update.note) == (
        DelegatedStatus.RESOLVED,
        ("CPR-1", "CPR-2"),
        "crew on site",
    )
    assert state is not None
    assert (
        state.progress.status,
        state.progress.external_id,
        state.progress.expected_resolution_date,
    ) == (
        DelegatedStatus.RESOLVED,
        "SPM-1",
        NOW,
    )


def test_an_update_for_an_earlier_generation_is_an_unknown_correlation() -> None:
    state, _ = _handle(None, _link("CPR-1"), _update(DelegatedStatus.CLOSED), _link("CPR-2"))
    _, events = _handle(state, _update(DelegatedStatus.CLOSED, "STR-svc-1-1"))
    assert isinstance(events[0], ServiceTroubleRejected)
    assert events[0].code is RejectionCode.UNKNOWN_CORRELATION


def test_an_update_for_a_service_never_requested_is_an_unknown_correlation() -> None:
    state, events = _handle(None, _update(DelegatedStatus.RESOLVED, "STR-svc-7-1"))
    assert state is None
    assert isinstance(events[0], ServiceTroubleRejected)
    assert events[0].service_id == "svc-7"


def test_unlinking_one_of_several_reports_keeps_the_service_trouble() -> None:
    state, _ = _handle(None, _link("CPR-1"), _link("CPR-2"))
    state, events = _handle(state, _unlink("CPR-1"))
    assert kinds(events) == ["ReportUnlinkedFromServiceTrouble"]
    assert state is not None
    assert state.report_ids == ("CPR-2",)
    assert state.is_open


def test_unlinking_the_last_report_cancels_the_open_service_trouble() -> None:
    state, _ = _handle(None, _link("CPR-1"), _link("CPR-2"), _unlink("CPR-1"))
    state, events = _handle(state, _unlink("CPR-2"))
    assert kinds(events) == ["ReportUnlinkedFromServiceTrouble", "ServiceTroubleCancelRequested"]
    cancel = events[1]
    assert isinstance(cancel, ServiceTroubleCancelRequested)
    assert (cancel.request_id, cancel.service) == ("STR-svc-1-1", a_service())
    assert state is not None
    assert state.progress.status is DelegatedStatus.CANCELLED
    assert not state.is_open

    state, events = _handle(state, _link("CPR-3"))
    assert kinds(events)[0] == "ServiceTroubleRequested"


def test_unlinking_the_last_report_of_a_finished_service_trouble_cancels_nothing() -> None:
    state, _ = _handle(None, _link("CPR-1"), _update(DelegatedStatus.RESOLVED))
    _, events = _handle(state, _unlink("CPR-1"))
    assert kinds(events) == ["ReportUnlinkedFromServiceTrouble"]


def test_unlinking_a_report_that_is_not_linked_does_nothing() -> None:
    state, _ = _handle(None, _link("CPR-1"))
    assert _handle(state, _unlink("CPR-9")) == (state, [])
    assert _handle(None, _unlink("CPR-9")) == (None, [])


def test_a_redelivered_command_is_a_duplicate() -> None:
    link = _link("CPR-1")
    state, _ = _handle(None, link)
    decision = handle_service_trouble(state, link, NOW)
    assert decision.duplicate
    assert decision.events == ()
    assert decide_service_trouble(state, link, NOW) == []


def test_facts_other_than_a_request_need_an_existing_service_trouble() -> None:
    stray = ServiceTroubleCancelRequested(request_id="STR-svc-1-1", service=a_service())
    assert evolve_service_trouble(None, stray) is None


def test_a_new_generation_keeps_the_remembered_inbound_event_ids() -> None:
    state, _ = _handle(None, _link("CPR-1"), _update(DelegatedStatus.RESOLVED))
    assert state is not None
    seen = state.recent_event_ids
    state, _ = _handle(state, _link("CPR-2"))
    assert state is not None
    assert state.recent_event_ids[: len(seen)] == seen
