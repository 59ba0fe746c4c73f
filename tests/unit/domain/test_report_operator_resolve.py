"""An operator clears a report (contract v1.1 ``CustomerProblemResolveRequestEvent``): from
any open status, with a resolution code; outstanding delegated work is withdrawn as Cancel
Customer Problem withdraws it unless kept; the SLA cycle stops (met or breached) and an
escalation under way ends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jeopardy_builders import T0, H, M, Timeline, signals

from builders import (
    REPORT_ID,
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
from problem_tracker.domain.commands import Reopen, Resolve, UpdateDelegatedWork
from problem_tracker.domain.delegated_work import outstanding_work
from problem_tracker.domain.events import (
    CommandRejected,
    EscalationEnded,
    PartnerProblemCancelRequested,
    RejectionCode,
    ReportResolved,
    ServiceTroubleReleased,
    StatusChanged,
)
from problem_tracker.domain.report import (
    OPEN_STATUSES,
    CustomerProblemReport,
    DelegatedStatus,
    ProgressUpdate,
    ResolutionCode,
    Status,
)

OPEN = sorted(OPEN_STATUSES)
ENDED = sorted(set(Status) - OPEN_STATUSES)


def _resolve(
    code: ResolutionCode = ResolutionCode.WORKAROUND,
    *,
    keep: bool = False,
    reason: str = "customer uses the backup line",
) -> Resolve:
    return Resolve(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        resolution_code=code,
        reason=reason,
        keep_delegated_work=keep,
    )


def _with_work(status: Status) -> CustomerProblemReport:
    return a_report(
        status,
        delegated=(
            partner_work(f"SPR-{REPORT_ID}-1", a_resource("res-1")),
            partner_work(f"SPR-{REPORT_ID}-2", a_resource("res-2"), DelegatedStatus.RESOLVED),
            service_work("STR-svc-1-1", a_service("svc-1")),
            service_work(None, a_service("svc-2"), DelegatedStatus.REQUESTED),
            service_work("STR-svc-3-4", a_service("svc-3"), DelegatedStatus.REJECTED),
        ),
    )


@pytest.mark.parametrize("status", OPEN)
@pytest.mark.parametrize("code", list(ResolutionCode))
def test_an_open_report_is_resolved_with_the_operators_code_and_reason(
    status: Status, code: ResolutionCode
) -> None:
    after, events = run(a_report(status), _resolve(code, reason="fixed on site"))

    assert kinds(events)[:2] == ["StatusChanged", "ReportResolved"]
    changed, resolved = events[0], events[1]
    assert isinstance(changed, StatusChanged)
    assert (changed.from_status, changed.to_status, changed.reason) == (
        status,
        Status.RESOLVED,
        "fixed on site",
    )
    assert isinstance(resolved, ReportResolved)
    assert resolved.resolution_code is code
    assert after is not None
    assert (after.status, after.resolution_code) == (Status.RESOLVED, code)
    assert after.status_before_hold is None


@pytest.mark.parametrize("status", ENDED)
def test_a_resolved_closed_or_cancelled_report_cannot_be_resolved(status: Status) -> None:
    report = a_report(status, resolution_code=ResolutionCode.FIXED)
    after, events = run(report, _resolve())

    assert kinds(events) == ["CommandRejected"]
    assert isinstance(events[0], CommandRejected)
    assert events[0].code is RejectionCode.ILLEGAL_TRANSITION
    assert after is not None
    assert (after.status, after.resolution_code) == (status, ResolutionCode.FIXED)


def test_resolving_withdraws_partner_requests_and_releases_service_troubles_like_a_cancel() -> None:
    after, events = run(_with_work(Status.IN_PROGRESS), _resolve(ResolutionCode.NO_FAULT_FOUND))

    assert kinds(events) == [
        "StatusChanged",
        "ReportResolved",
        "PartnerProblemCancelRequested",
        "ServiceTroubleReleased",
        "ServiceTroubleReleased",
    ]
    withdrawn = events[2]
    assert isinstance(withdrawn, PartnerProblemCancelRequested)
    assert (withdrawn.request_id, withdrawn.partner) == (f"SPR-{REPORT_ID}-1", partner_owner())
    released = [
        (e.service.id, e.request_id) for e in events if isinstance(e, ServiceTroubleReleased)
    ]
    assert released == [("svc-1", "STR-svc-1-1"), ("svc-2", None)]
    assert after is not None
    assert outstanding_work(after) == ()
    assert [w.progress.status for w in after.delegated] == [
        DelegatedStatus.CANCELLED,
        DelegatedStatus.RESOLVED,
        DelegatedStatus.CANCELLED,
        DelegatedStatus.CANCELLED,
        DelegatedStatus.REJECTED,
    ]


def test_kept_delegated_work_goes_on_and_its_news_is_still_recorded() -> None:
    report = _with_work(Status.HELD)
    after, events = run(report, _resolve(ResolutionCode.WORKAROUND, keep=True))

    assert kinds(events) == ["StatusChanged", "ReportResolved"]
    assert after is not None
    assert after.delegated == report.delegated

    news = UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=f"SPR-{REPORT_ID}-1",
        partner_id=partner_owner().id,
        update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
    )
    later, events = run(after, news)
    assert kinds(events) == ["DelegatedWorkUpdated"]
    assert later is not None
    assert (later.status, later.resolution_code) == (Status.RESOLVED, ResolutionCode.WORKAROUND)


def test_a_report_resolved_by_its_delegated_work_is_fixed() -> None:
    report = a_report(
        Status.IN_PROGRESS, delegated=(partner_work(f"SPR-{REPORT_ID}-1", a_resource()),)
    )
    news = UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=f"SPR-{REPORT_ID}-1",
        partner_id=partner_owner().id,
        update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
    )
    after, events = run(report, news)

    resolved = [e for e in events if isinstance(e, ReportResolved)]
    assert [e.resolution_code for e in resolved] == [ResolutionCode.FIXED]
    assert after is not None
    assert after.resolution_code is ResolutionCode.FIXED


def test_a_reopen_forgets_how_the_last_cycle_was_resolved() -> None:
    resolved, _ = run(a_report(Status.IN_PROGRESS), _resolve(ResolutionCode.DUPLICATE))
    reopen = Reopen(event_id=next_event_id(), report_id=REPORT_ID, reason="not a duplicate")
    reopened, _ = run(resolved, reopen)

    assert reopened is not None
    assert (reopened.status, reopened.resolution_code) == (Status.IN_PROGRESS, None)


def test_resolving_in_time_stops_the_clock_as_met_without_an_escalation_end() -> None:
    line = Timeline()
    line.create(entities=(a_service(),))
    events = line.send(_resolve(), T0 + 2 * H)

    assert signals(events) == []
    clock = line.sla.clock
    assert clock.stopped_at == T0 + 2 * H
    assert clock.met is True
    assert line.report.sla is not None
    assert line.report.sla.next_tick is None


def test_resolving_a_breached_report_records_the_breach_and_ends_its_escalation() -> None:
    line = Timeline()
    line.create(entities=(a_service(),))
    line.ticks_until(T0 + 8 * H)
    assert line.sla.clock.escalation_level == 1

    events = line.send(_resolve(ResolutionCode.KNOWN_ERROR), T0 + 8 * H + 30 * M)

    ended = [e for e in signals(events) if isinstance(e, EscalationEnded)]
    assert [(e.level, e.reason) for e in ended] == [(1, Status.RESOLVED)]
    assert line.sla.clock.met is False
    assert line.sla.next_tick is None
    assert line.ticks_until(T0 + 48 * H) == []


def test_a_running_clock_is_neither_met_nor_missed() -> None:
    line = Timeline()
    line.create(entities=(a_service(),))
    assert line.sla.clock.met is None


@given(
    status=st.sampled_from(OPEN),
    code=st.sampled_from(list(ResolutionCode)),
    keep=st.booleans(),
)
def test_resolve_always_ends_open_and_leaves_work_only_when_kept(
    status: Status, code: ResolutionCode, keep: bool
) -> None:
    report = _with_work(status)
    after, events = run(report, _resolve(code, keep=keep))

    assert after is not None
    assert (after.status, after.resolution_code) == (Status.RESOLVED, code)
    assert not any(isinstance(e, CommandRejected) for e in events)
    if keep:
        assert after.delegated == report.delegated
    else:
        assert outstanding_work(after) == ()
