"""Reports sharing one faulty service, routed as the shell routes them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import NOW, a_context, a_create, a_service, next_event_id
from problem_tracker.application.bus import MessageBus
from problem_tracker.domain.commands import Cancel, Reopen
from problem_tracker.domain.report import DelegatedStatus, ProgressUpdate, Status
from problem_tracker.domain.service_trouble import ApplyServiceTroubleUpdate


def _spm(status: DelegatedStatus, request_id: str = "STR-svc-1-1") -> ApplyServiceTroubleUpdate:
    return ApplyServiceTroubleUpdate(
        event_id=next_event_id(),
        request_id=request_id,
        update=ProgressUpdate(status=status, external_id="SPM-9"),
    )


def _cancel(report_id: str) -> Cancel:
    return Cancel(event_id=next_event_id(), report_id=report_id, reason="raised in error")


def test_reports_on_the_same_service_share_one_service_trouble_and_resolve_together() -> None:
    shell = MessageBus(a_context(), NOW)
    shell.send(*(a_create(report_id, entities=[a_service()]) for report_id in ("A", "B", "C")))

    assert [e.request_id for e in shell.requested] == ["STR-svc-1-1"]
    assert shell.troubles["svc-1"].report_ids == ("A", "B", "C")
    assert all(r.delegated[0].request_id == "STR-svc-1-1" for r in shell.reports.values())

    shell.send(_spm(DelegatedStatus.IN_PROGRESS), _spm(DelegatedStatus.RESOLVED))

    assert {r.status for r in shell.reports.values()} == {Status.RESOLVED}
    assert {r.delegated[0].progress.external_id for r in shell.reports.values()} == {"SPM-9"}


def test_the_shared_service_trouble_is_cancelled_only_when_its_last_report_is() -> None:
    shell = MessageBus(a_context(), NOW)
    shell.send(a_create("A", entities=[a_service()]), a_create("B", entities=[a_service()]))

    shell.send(_cancel("A"))
    assert shell.cancelled == []
    assert shell.troubles["svc-1"].report_ids == ("B",)

    shell.send(_cancel("B"))
    assert [e.request_id for e in shell.cancelled] == ["STR-svc-1-1"]


def test_a_report_cancelled_before_its_link_arrived_still_releases_the_service_trouble() -> None:
    shell = MessageBus(a_context(), NOW)
    create = a_create("A", entities=[a_service()])
    shell.send(create, _cancel("A"))
    assert [e.request_id for e in shell.cancelled] == ["STR-svc-1-1"]
    assert shell.troubles["svc-1"].report_ids == ()


def test_a_reopened_report_joins_a_new_generation_once_the_old_one_is_resolved() -> None:
    shell = MessageBus(a_context(), NOW)
    shell.send(a_create("A", entities=[a_service()]))
    shell.send(_spm(DelegatedStatus.RESOLVED))
    assert shell.reports["A"].status is Status.RESOLVED

    shell.send(Reopen(event_id=next_event_id(), report_id="A", reason="still broken"))
    assert [e.request_id for e in shell.requested] == ["STR-svc-1-1", "STR-svc-1-2"]
    shell.send(_spm(DelegatedStatus.RESOLVED, "STR-svc-1-2"))
    assert shell.reports["A"].status is Status.RESOLVED
    assert shell.reports["A"].cycle == 2


@settings(max_examples=60, deadline=None)
@given(
    reports=st.integers(min_value=1, max_value=5),
    cancelled=st.sets(st.integers(min_value=0, max_value=4)),
    spm_first=st.booleans(),
)
def test_every_report_still_linked_resolves_when_the_shared_service_trouble_does(
    reports: int, cancelled: set[int], spm_first: bool
) -> None:
    shell = MessageBus(a_context(), NOW)
    ids = [f"CPR-{n}" for n in range(reports)]
    shell.send(*(a_create(report_id, entities=[a_service()]) for report_id in ids))
    cancels = [_cancel(ids[n]) for n in sorted(cancelled) if n < reports]
    progress = _spm(DelegatedStatus.IN_PROGRESS)
    shell.send(*([progress, *cancels] if spm_first else [*cancels, progress]))

    request_id = shell.troubles["svc-1"].request_id
    shell.send(_spm(DelegatedStatus.RESOLVED, request_id))

    open_ids = {r.id for r in shell.reports.values() if r.status is not Status.CANCELLED}
    assert {shell.reports[i].status for i in open_ids} <= {Status.RESOLVED}
    assert len(shell.cancelled) == (1 if not open_ids else 0)
    assert set(shell.troubles["svc-1"].report_ids) == open_ids
