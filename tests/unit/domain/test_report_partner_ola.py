"""The report follows its partner's OLA: the leg stands still while the partner is
``pending`` on us, and the partner is held to the time it had left afterwards."""

from __future__ import annotations

from datetime import timedelta

from builders import (
    NOW,
    REPORT_ID,
    a_context,
    a_create,
    a_resource,
    next_event_id,
    partner_owner,
    run,
)
from problem_tracker.domain.commands import UpdateDelegatedWork
from problem_tracker.domain.report import DelegatedStatus, ProgressUpdate
from problem_tracker.domain.timekeeping import next_deadline

CONTEXT = a_context({"res-1": partner_owner()})
REQUEST = f"SPR-{REPORT_ID}-1"


def _partner_says(status: DelegatedStatus) -> UpdateDelegatedWork:
    return UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=REQUEST,
        update=ProgressUpdate(status=status),
        partner_id=partner_owner().id,
    )


def test_the_leg_pauses_while_the_partner_is_pending_and_resumes_with_its_time_left() -> None:
    report, _ = run(None, a_create(entities=[a_resource()]), context=CONTEXT)
    assert report is not None
    assert report.sla is not None
    (leg,) = report.sla.partner_legs
    left = leg.due_at - (NOW + timedelta(hours=1))

    report, _ = run(
        report,
        _partner_says(DelegatedStatus.PENDING),
        context=CONTEXT,
        now=NOW + timedelta(hours=1),
    )
    assert report is not None
    assert report.sla is not None
    assert report.sla.partner_legs[0].paused_since == NOW + timedelta(hours=1)
    assert next_deadline(report) != leg.due_at

    back = NOW + timedelta(hours=5)
    report, _ = run(report, _partner_says(DelegatedStatus.IN_PROGRESS), context=CONTEXT, now=back)
    assert report is not None
    assert report.sla is not None
    (resumed,) = report.sla.partner_legs
    assert (resumed.paused_since, resumed.due_at) == (None, back + left)
