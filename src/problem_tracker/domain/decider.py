"""The customer problem report aggregate: ``decide(state, command, now, context)`` and
``evolve(state, event)`` for eTOM 1.3.7.3 Track & Manage Customer Problem.

The flow reads off the steps: Start (intake) → Perform Initial Diagnosis (diagnosis) →
Check Known Error (known_errors) → Coordinate Customer Problem (coordination) → Monitor
Resolution Update (resolution), with Cancel Customer Problem (cancellation) as a side exit.
Every accepted command ends by checking whether the report is now resolved, then what its
SLA makes due (escalation); the SLA clock follows every event (timekeeping). A ``Tick``
is acted on only when it is for the report's current deadline and that deadline has come
(``timekeeping.tick_is_due``).

``decide`` never raises and never applies a command that does not fit (one that would
take the report past its ``ReportLimits`` is a ``schema-violation``): a redelivered
command produces nothing, an event id applied before with other content is an
``event-id-conflict``; a command for a report that does not exist, a command that does
not fit the status (see ``lifecycle.TRANSITIONS``) or a reply nobody asked for produces a
``CommandRejected``.
"""

from __future__ import annotations

from datetime import datetime

from problem_tracker.domain.cancellation import cancel
from problem_tracker.domain.commands import (
    AcknowledgeEscalation,
    Assign,
    Cancel,
    ChangeAttributes,
    Close,
    CompleteIsolation,
    CreateReport,
    Hold,
    LinkServiceTrouble,
    ProvideInformation,
    Redelegate,
    Reopen,
    ReportCommand,
    RequestInformation,
    Resolve,
    Resume,
    Tick,
    UpdateDelegatedWork,
)
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.coordination import coordinate, tell_delegated_work
from problem_tracker.domain.delegated_work import closing, reopening
from problem_tracker.domain.diagnosis import ask_customer
from problem_tracker.domain.escalation import acknowledge_escalation, watch
from problem_tracker.domain.events import (
    CommandRejected,
    DeadlineRescheduled,
    RejectionCode,
    ReportClosed,
    ReportEvent,
    ReportReopened,
)
from problem_tracker.domain.evolution import evolve
from problem_tracker.domain.identity import Recurrence, command_digest
from problem_tracker.domain.information_request import information_due, request_information
from problem_tracker.domain.intake import (
    acknowledge,
    announce_acknowledged,
    assign,
    change_attributes,
    receive_information,
    record_isolation,
)
from problem_tracker.domain.known_errors import check_known_error, check_new_symptom
from problem_tracker.domain.lifecycle import Trigger, allows, transition
from problem_tracker.domain.redelegation import redelegate, retries_due
from problem_tracker.domain.report import CustomerProblemReport, Status
from problem_tracker.domain.resolution import apply_update, link_service_trouble, resolve, settle
from problem_tracker.domain.timekeeping import rule_for, tick_is_due
from problem_tracker.domain.trail import Origin, Trail

__all__ = ["decide", "evolve", "trigger_of"]

_TRIGGERS: dict[type[ReportCommand], Trigger] = {
    CreateReport: Trigger.CREATE,
    ChangeAttributes: Trigger.CHANGE_ATTRIBUTES,
    CompleteIsolation: Trigger.COMPLETE_ISOLATION,
    ProvideInformation: Trigger.PROVIDE_INFORMATION,
    Hold: Trigger.HOLD,
    Resume: Trigger.RESUME,
    Cancel: Trigger.CANCEL,
    Resolve: Trigger.RESOLVE,
    AcknowledgeEscalation: Trigger.ACKNOWLEDGE_ESCALATION,
    Redelegate: Trigger.REDELEGATE,
    RequestInformation: Trigger.REQUEST_INFORMATION,
    Assign: Trigger.ASSIGN,
    Reopen: Trigger.REOPEN,
    Close: Trigger.CLOSE,
    LinkServiceTrouble: Trigger.DELEGATED_UPDATE,
    UpdateDelegatedWork: Trigger.DELEGATED_UPDATE,
    Tick: Trigger.TICK,
}


def trigger_of(command: ReportCommand) -> Trigger:
    """The lifecycle trigger a command is checked against."""
    return _TRIGGERS[type(command)]


def decide(
    state: CustomerProblemReport | None,
    command: ReportCommand,
    now: datetime,
    context: DecisionContext,
) -> list[ReportEvent]:
    """The events ``command`` causes on the report ``state`` (``None``: no such report)."""
    digest = command_digest(command)
    origin = Origin(report_id=command.report_id, at=now, cause=command.event_id, digest=digest)
    seen = Recurrence.NEW if state is None else state.recurrence(command.event_id, digest)
    if seen is Recurrence.REDELIVERY:
        return []
    if seen is Recurrence.CONFLICT:
        reason = f"event id {command.event_id!r} was applied before with different content"
        return [origin.stamp(_rejected(RejectionCode.EVENT_ID_CONFLICT, reason, command), 0)]
    if state is None:
        return _decide_new(origin, command, context)
    if isinstance(command, Tick) and not tick_is_due(state, command, now):
        return []
    if not allows(state.status, trigger_of(command)):
        reason = f"{type(command).__name__} does not fit a report in status {state.status.value}"
        return [origin.stamp(_rejected(RejectionCode.ILLEGAL_TRANSITION, reason, command), 0)]
    trail = Trail(origin=origin, state=state, sla_policy=context.sla_policy)
    trail = _handle(trail, command, context).then(settle)
    exceeded = context.limits.exceeded(state, trail.state)
    if exceeded is not None:
        return [origin.stamp(_rejected(RejectionCode.SCHEMA_VIOLATION, exceeded, command), 0)]
    return list(_watched(trail, command).events)


def _watched(trail: Trail, command: ReportCommand) -> Trail:
    """Signal what the SLA makes due now; a due tick that finds nothing to signal (the
    policy changed since) records the recomputed deadline instead."""
    decided = trail.events
    trail = trail.then(lambda s: watch(s, decided, trail.origin.at, trail.sla_policy))
    if isinstance(command, Tick) and not trail.events:
        trail = trail.then(lambda s: [DeadlineRescheduled()])
    return trail


def _decide_new(
    origin: Origin, command: ReportCommand, context: DecisionContext
) -> list[ReportEvent]:
    """Only a create starts a report; anything else names a report we do not have (for a
    timer, that is a defect of ours, which the shell counts)."""
    if not isinstance(command, CreateReport):
        return [origin.stamp(_no_such_report(command), 0)]
    trail = Trail.start(origin, acknowledge(command, origin.at), context.sla_policy)
    exceeded = context.limits.exceeded(None, trail.state)
    if exceeded is not None:
        return [origin.stamp(_rejected(RejectionCode.SCHEMA_VIOLATION, exceeded, command), 0)]
    trail = trail.then(announce_acknowledged)
    trail = trail.then(lambda s: ask_customer(s, context.policy))
    trail = trail.then(lambda s: check_known_error(s, context.reference))
    return list(trail.then(lambda s: coordinate(s, context)).events)


def _handle(trail: Trail, command: ReportCommand, context: DecisionContext) -> Trail:
    match command:
        case ChangeAttributes():
            before = trail.state
            trail = trail.then(lambda s: change_attributes(s, command))
            trail = trail.then(lambda s: tell_delegated_work(s, before, command.notes))
            return trail.then(
                lambda s: check_new_symptom(s, before.symptom_code, context.reference)
            )
        case CompleteIsolation():
            trail = trail.then(lambda s: record_isolation(s, command))
            trail = trail.then(lambda s: check_known_error(s, context.reference))
            return _coordinate_unless_held(trail, context)
        case ProvideInformation():
            before = trail.state
            trail = trail.then(lambda s: receive_information(s, command))
            return trail.then(lambda s: tell_delegated_work(s, before, command.notes))
        case Hold():
            return trail.then(lambda s: transition(s, Trigger.HOLD, command.reason))
        case Resume():
            trail = trail.then(lambda s: transition(s, Trigger.RESUME, command.reason))
            return _coordinate_unless_held(trail, context)
        case Reopen():
            return _coordinate_unless_held(
                trail.then(lambda s: _reopen(s, command.reason)), context
            )
        case Close():
            return trail.then(lambda s: _close(s, command.reason))
        case Cancel():
            return trail.then(lambda s: cancel(s, command.reason))
        case Resolve():
            return trail.then(lambda s: resolve(s, command))
        case AcknowledgeEscalation():
            return trail.then(
                lambda s: acknowledge_escalation(s, command, trail.origin.at, trail.sla_policy)
            )
        case LinkServiceTrouble():
            return trail.then(lambda s: link_service_trouble(s, command))
        case Assign():
            return trail.then(lambda s: assign(s, command))
        case Redelegate():
            return trail.then(lambda s: redelegate(s, command, context))
        case RequestInformation():
            terms = rule_for(trail.state, context.sla_policy).information_request
            return trail.then(lambda s: request_information(s, command, terms, trail.origin.at))
        case UpdateDelegatedWork():
            retry = rule_for(trail.state, context.sla_policy).delegation_retry
            return trail.then(
                lambda s: apply_update(s, command, context.limits, retry, trail.origin.at)
            )
        case _:  # a Tick; a CreateReport never gets here (illegal on an existing report)
            terms = rule_for(trail.state, context.sla_policy).information_request
            trail = trail.then(lambda s: retries_due(s, trail.origin.at))
            return trail.then(lambda s: information_due(s, trail.origin.at, terms))


def _coordinate_unless_held(trail: Trail, context: DecisionContext) -> Trail:
    """Coordinate what is not delegated yet; a held report delegates when it resumes."""
    if trail.state.status is Status.HELD:
        return trail
    return trail.then(lambda s: coordinate(s, context))


def _reopen(state: CustomerProblemReport, reason: str) -> list[ReportEvent]:
    """The customer rejected the resolution: a new cycle, whose work is requested again,
    a partner's resolved report reopened rather than raised anew."""
    reopened = ReportReopened(cycle=state.cycle + 1, reason=reason)
    return [*transition(state, Trigger.REOPEN, reason), reopened, *reopening(state, reason)]


def _close(state: CustomerProblemReport, reason: str | None) -> list[ReportEvent]:
    closed = ReportClosed(reason=reason)
    return [*transition(state, Trigger.CLOSE, reason), closed, *closing(state)]


def _no_such_report(command: ReportCommand) -> CommandRejected:
    """A customer event about a report never created names an unknown report; an answer
    about delegated work names a request no report of ours made: an unknown correlation."""
    if isinstance(command, LinkServiceTrouble | UpdateDelegatedWork):
        reason = f"no delegated work with request id {command.request_id!r}"
        return _rejected(RejectionCode.UNKNOWN_CORRELATION, reason, command)
    reason = f"no report {command.report_id!r}"
    return _rejected(RejectionCode.UNKNOWN_REPORT, reason, command)


def _rejected(code: RejectionCode, reason: str, command: ReportCommand) -> CommandRejected:
    return CommandRejected(code=code, reason=reason, command=type(command).__name__)
