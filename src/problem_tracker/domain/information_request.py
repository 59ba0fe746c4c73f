"""Ask the customer (eTOM 1.3.7.3 Perform Initial Diagnosis, contract v1.1
``CustomerProblemInformationRequestEvent``): an operator puts the report in ``pending``
with a question, so that its SLA clock stands still while the customer has the ball.

- The customer has until ``respondBy`` (the operator's, else the rule's
  ``respond_within`` from now; without either, no limit) and is reminded once at the
  rule's ``remind_after`` (when that comes before the deadline): the reminder is the
  information request notification again.
- Without an answer by the deadline the rule's ``on_no_response`` applies: the report is
  resolved as ``noFaultFound`` (its outstanding work withdrawn as an operator's resolve
  withdraws it), or work resumes (``inProgress``) without the answer.
- The customer's answer (``CustomerProblemInformationProvidedEvent``) resumes the report
  as before, and any status the report leaves ``pending`` for (but ``held``) ends the
  question and its timers.

Both timers are wall-clock instants kept in the report (``InformationRequest``), on the
tick grid; they run only while the report is ``pending``.
"""

from __future__ import annotations

from datetime import datetime

from problem_tracker.domain.commands import RequestInformation
from problem_tracker.domain.events import (
    CommandRejected,
    InformationRequired,
    RejectionCode,
    ReportEvent,
)
from problem_tracker.domain.lifecycle import Trigger, transition
from problem_tracker.domain.report import CustomerProblemReport, ResolutionCode, Status
from problem_tracker.domain.resolution import clear
from problem_tracker.domain.sla.policy import InformationRequestTerms, NoResponseAction
from problem_tracker.domain.sla.track import on_tick_grid


def request_information(
    state: CustomerProblemReport,
    command: RequestInformation,
    terms: InformationRequestTerms,
    now: datetime,
) -> list[ReportEvent]:
    """The report waits for the customer's answer, by the deadline the operator or the
    rule sets; a deadline already past is refused."""
    respond_by = command.respond_by
    if respond_by is None and terms.respond_within is not None:
        respond_by = now + terms.respond_within
    if respond_by is not None and respond_by <= now:
        reason = f"respondBy {respond_by.isoformat()} is not in the future"
        return [
            CommandRejected(
                code=RejectionCode.SCHEMA_VIOLATION, reason=reason, command=type(command).__name__
            )
        ]
    remind_at = None if terms.remind_after is None else now + terms.remind_after
    if remind_at is not None and respond_by is not None and remind_at >= respond_by:
        remind_at = None
    asked = InformationRequired(
        reason=command.reason,
        respond_by=on_tick_grid(respond_by),
        remind_at=on_tick_grid(remind_at),
    )
    return [*transition(state, Trigger.REQUEST_INFORMATION, command.reason), asked]


def information_due(
    state: CustomerProblemReport, now: datetime, terms: InformationRequestTerms
) -> list[ReportEvent]:
    """The reminder, or the rule's action at the deadline, due ``now``."""
    request = state.information_request
    if request is None or state.status is not Status.PENDING:
        return []
    if request.respond_by is not None and request.respond_by <= now:
        reason = f"no answer from the customer by {request.respond_by.isoformat()}"
        if terms.on_no_response is NoResponseAction.RESOLVE:
            return clear(state, ResolutionCode.NO_FAULT_FOUND, reason, keep_delegated_work=False)
        return [*transition(state, Trigger.NO_RESPONSE, reason)]
    if request.remind_at is not None and request.remind_at <= now:
        return [InformationRequired(reason=request.reason, reminder=True)]
    return []


def next_information_deadline(state: CustomerProblemReport) -> datetime | None:
    """When the open question to the customer next needs attention, while ``pending``."""
    request = state.information_request
    if request is None or state.status is not Status.PENDING:
        return None
    return request.next_deadline
