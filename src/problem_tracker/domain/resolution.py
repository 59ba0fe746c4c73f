"""Monitor Resolution Update (eTOM 1.3.7.3): follow the delegated work until the customer
problem is cleared.

- A reply names its request; a reply for a request the report never made is rejected
  (``unknown-correlation``), and so is a reply about a partner request from anyone but
  the partner it went to (spoofing across partners).
- The report is resolved when every piece of work delegated in the current cycle is
  ``resolved`` or ``closed``. Work the other side ``rejected`` or ``cancelled`` never
  counts as done: it is reported as ``DelegatedWorkFailed`` (an escalation trigger) and
  keeps the report open until someone acts (``redelegation``); while the SLA rule's
  delegation retry allows, the failure schedules a retry instead of escalating.
- Updates are recorded in any status, even on a closed or cancelled report, but a report
  only resolves while ``inProgress``: one that is ``held`` resolves when it is resumed.
- A service trouble linked to a report that is already closed or cancelled is released
  straight away, so a shared service trouble never waits for a report that is gone.
- An operator may clear the report himself (``resolve``, contract v1.1) from any open
  status, with a resolution code: its outstanding delegated work is withdrawn as Cancel
  Customer Problem withdraws it (a shared service trouble is released, and cancelled
  only when no other open report needs it), unless he keeps it. A report resolved by
  its delegated work is ``fixed``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from problem_tracker.domain.commands import LinkServiceTrouble, Resolve, UpdateDelegatedWork
from problem_tracker.domain.context import ReportLimits
from problem_tracker.domain.delegated_work import (
    latest_work_index,
    link_target_index,
    outstanding_work,
    withdrawal,
)
from problem_tracker.domain.events import (
    CommandRejected,
    DelegatedWorkUpdated,
    RejectionCode,
    ReportEvent,
    ReportResolved,
    ServiceTroubleLinked,
    ServiceTroubleReleased,
)
from problem_tracker.domain.lifecycle import Trigger, transition
from problem_tracker.domain.redelegation import failure
from problem_tracker.domain.report import (
    OPEN_STATUSES,
    CustomerProblemReport,
    DelegatedWork,
    DelegationKind,
    ResolutionCode,
)
from problem_tracker.domain.sla.policy import DelegationRetry

ALL_WORK_RESOLVED = "all delegated work resolved"


def link_service_trouble(
    state: CustomerProblemReport, command: LinkServiceTrouble
) -> list[ReportEvent]:
    """Record which shared service trouble request carries the report's service work."""
    if link_target_index(state, command.request_id, command.service.id) is None:
        return [_unknown(command.request_id, "LinkServiceTrouble")]
    linked = ServiceTroubleLinked(
        request_id=command.request_id,
        service=command.service,
        status=command.status,
        external_id=command.external_id,
    )
    if not state.is_terminal:
        return [linked]
    return [linked, ServiceTroubleReleased(service=command.service, request_id=command.request_id)]


def apply_update(
    state: CustomerProblemReport,
    command: UpdateDelegatedWork,
    limits: ReportLimits,
    retry: DelegationRetry | None,
    now: datetime,
) -> list[ReportEvent]:
    """Record the new status of delegated work; flag a failure while the report is open
    (or, while the SLA rule's ``retry`` allows, schedule its retry from ``now``).

    The status is always recorded: the customer's resolution must not wait on a report
    whose notes are full. The note joins the report's notes only while there is room
    (``ReportLimits``); otherwise it is left out."""
    index = latest_work_index(state, command.request_id)
    if index is None:
        return [_unknown(command.request_id, "UpdateDelegatedWork")]
    if not _from_its_owner(state.delegated[index], command):
        return [_not_from_its_partner(command.request_id)]
    update = command.update
    updated: list[ReportEvent] = [
        DelegatedWorkUpdated(
            request_id=command.request_id,
            update=replace(update, note=_note_with_room(state, update.note, limits)),
        )
    ]
    after = state.delegated[index].progress.after(update)
    newly_failed = after.has_failed and state.delegated[index].progress.status is not after.status
    if newly_failed and state.status in OPEN_STATUSES:
        updated.append(failure(state.delegated[index], update.status, update.reason, retry, now))
    return updated


def _note_with_room(
    state: CustomerProblemReport, note: str | None, limits: ReportLimits
) -> str | None:
    if note is None or limits.has_room_for_note(state, note):
        return note
    return None


def _from_its_owner(work: DelegatedWork, command: UpdateDelegatedWork) -> bool:
    """A partner request is answered only by the partner it went to; anyone else naming
    it (or an answer that does not say who it is from) cannot touch the report."""
    if work.kind is not DelegationKind.PARTNER_PROBLEM:
        return True
    return work.partner is not None and command.partner_id == work.partner.id


def settle(state: CustomerProblemReport) -> list[ReportEvent]:
    """Resolve the report once all of the current cycle's delegated work is done."""
    work = state.current_work
    if not work or any(not item.progress.is_done for item in work):
        return []
    changes = transition(state, Trigger.ALL_WORK_RESOLVED, ALL_WORK_RESOLVED)
    if not changes:
        return []
    return [*changes, ReportResolved(resolution_code=ResolutionCode.FIXED)]


def resolve(state: CustomerProblemReport, command: Resolve) -> list[ReportEvent]:
    """An operator clears the report: resolved with his code and reason; the work still
    outstanding is withdrawn unless he keeps it (it is then followed as before, and a
    reopen finds it)."""
    return clear(state, command.resolution_code, command.reason, command.keep_delegated_work)


def clear(
    state: CustomerProblemReport,
    code: ResolutionCode,
    reason: str,
    keep_delegated_work: bool,
) -> list[ReportEvent]:
    """The report is resolved with ``code``; its outstanding work is withdrawn unless kept."""
    events: list[ReportEvent] = [*transition(state, Trigger.RESOLVE, reason)]
    events.append(ReportResolved(resolution_code=code))
    if not keep_delegated_work:
        events.extend(withdrawal(work) for work in outstanding_work(state))
    return events


def _not_from_its_partner(request_id: str) -> CommandRejected:
    return CommandRejected(
        code=RejectionCode.UNKNOWN_CORRELATION,
        reason=f"the answer about {request_id!r} does not come from the partner it went to",
        command="UpdateDelegatedWork",
    )


def _unknown(request_id: str, command: str) -> CommandRejected:
    return CommandRejected(
        code=RejectionCode.UNKNOWN_CORRELATION,
        reason=f"no delegated work with request id {request_id!r}",
        command=command,
    )


def expected_resolution(state: CustomerProblemReport) -> datetime | None:
    """The resolution date the customer is told to expect: the SLA due time, or the
    forecast of the current cycle's open delegated work when that is later (the
    commitment stands until the work says it will miss it). While the clock stands still
    (pending, held, finished) there is no due time and only the forecast counts; the
    forecast is the latest estimate of the open work, unknown while any open work has none.
    """
    due = None if state.sla is None else state.sla.due_at
    known = [moment for moment in (due, _work_forecast(state)) if moment is not None]
    return max(known, default=None)


def _work_forecast(state: CustomerProblemReport) -> datetime | None:
    estimates = [work.progress.expected_resolution_date for work in state.open_work]
    known = [estimate for estimate in estimates if estimate is not None]
    if not known or len(known) < len(estimates):
        return None
    return max(known)
