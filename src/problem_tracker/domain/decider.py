"""The customer problem report aggregate: ``decide(state, command, now, context)`` and
``evolve(state, event)`` for eTOM 1.3.7.3 Track & Manage Customer Problem.

The flow reads off the steps: Start (intake) → Perform Initial Diagnosis (diagnosis) →
Check Known Error (known_errors) → Coordinate Customer Problem (coordination) → Monitor
Resolution Update (resolution), with Cancel Customer Problem (cancellation) as a side exit.
Every accepted command ends by checking whether the report is now resolved.

``decide`` never raises and never applies a command that does not fit: a redelivered
command produces nothing; a command for a report that does not exist, a command that does
not fit the status (see ``lifecycle.TRANSITIONS``) or a reply nobody asked for produces a
``CommandRejected``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from problem_tracker.domain.cancellation import cancel
from problem_tracker.domain.commands import (
    Cancel,
    ChangeAttributes,
    Close,
    CompleteIsolation,
    CreateReport,
    Hold,
    LinkServiceTrouble,
    ProvideInformation,
    Reopen,
    ReportCommand,
    Resume,
    Tick,
    UpdateDelegatedWork,
)
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.coordination import coordinate
from problem_tracker.domain.diagnosis import ask_customer
from problem_tracker.domain.events import (
    CommandRejected,
    DomainEvent,
    RejectionCode,
    ReportClosed,
    ReportEvent,
    ReportReopened,
)
from problem_tracker.domain.evolution import created, evolve, fold
from problem_tracker.domain.identity import aggregate_event_id
from problem_tracker.domain.intake import (
    acknowledge,
    announce_acknowledged,
    change_attributes,
    receive_information,
    record_isolation,
)
from problem_tracker.domain.known_errors import check_known_error
from problem_tracker.domain.lifecycle import Trigger, allows, transition
from problem_tracker.domain.report import CustomerProblemReport, Status
from problem_tracker.domain.resolution import apply_update, link_service_trouble, settle

__all__ = ["decide", "evolve", "trigger_of"]

_E = TypeVar("_E", bound=DomainEvent)
Step = Callable[[CustomerProblemReport], Sequence[ReportEvent]]

_TRIGGERS: dict[type[ReportCommand], Trigger] = {
    CreateReport: Trigger.CREATE,
    ChangeAttributes: Trigger.CHANGE_ATTRIBUTES,
    CompleteIsolation: Trigger.COMPLETE_ISOLATION,
    ProvideInformation: Trigger.PROVIDE_INFORMATION,
    Hold: Trigger.HOLD,
    Resume: Trigger.RESUME,
    Cancel: Trigger.CANCEL,
    Reopen: Trigger.REOPEN,
    Close: Trigger.CLOSE,
    LinkServiceTrouble: Trigger.DELEGATED_UPDATE,
    UpdateDelegatedWork: Trigger.DELEGATED_UPDATE,
    Tick: Trigger.TICK,
}


def trigger_of(command: ReportCommand) -> Trigger:
    """The lifecycle trigger a command is checked against."""
    return _TRIGGERS[type(command)]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Origin:
    report_id: str
    at: datetime
    cause: str

    def stamp(self, event: _E, index: int) -> _E:
        event_id = aggregate_event_id(self.report_id, self.cause, type(event).__name__, index)
        return replace(
            event,
            event_id=event_id,
            report_id=self.report_id,
            occurred_at=self.at,
            caused_by=self.cause,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Trail:
    """The events decided so far and the report they lead to: each step sees the report
    as the previous steps left it."""

    origin: _Origin
    state: CustomerProblemReport
    events: tuple[ReportEvent, ...] = ()

    def then(self, step: Step) -> _Trail:
        start = len(self.events)
        new = tuple(self.origin.stamp(e, start + i) for i, e in enumerate(step(self.state)))
        return replace(self, state=fold(self.state, new), events=(*self.events, *new))


def decide(
    state: CustomerProblemReport | None,
    command: ReportCommand,
    now: datetime,
    context: DecisionContext,
) -> list[ReportEvent]:
    """The events ``command`` causes on the report ``state`` (``None``: no such report)."""
    origin = _Origin(report_id=command.report_id, at=now, cause=command.event_id)
    if state is not None and state.has_seen(command.event_id):
        return []
    if state is None:
        return _decide_new(origin, command, context)
    if not allows(state.status, trigger_of(command)):
        reason = f"{type(command).__name__} does not fit a report in status {state.status.value}"
        return [origin.stamp(_rejected(RejectionCode.ILLEGAL_TRANSITION, reason, command), 0)]
    trail = _handle(_Trail(origin=origin, state=state), command, context)
    return list(trail.then(settle).events)


def _decide_new(
    origin: _Origin, command: ReportCommand, context: DecisionContext
) -> list[ReportEvent]:
    """Only a create starts a report; a timer of a report that is gone is dropped."""
    if isinstance(command, Tick):
        return []
    if not isinstance(command, CreateReport):
        return [origin.stamp(_no_such_report(command), 0)]
    acknowledged = origin.stamp(acknowledge(command, origin.at), 0)
    trail = _Trail(origin=origin, state=created(acknowledged), events=(acknowledged,))
    trail = trail.then(announce_acknowledged)
    trail = trail.then(lambda s: ask_customer(s, context.policy))
    trail = trail.then(lambda s: check_known_error(s, context.reference))
    return list(trail.then(lambda s: coordinate(s, context)).events)


def _handle(trail: _Trail, command: ReportCommand, context: DecisionContext) -> _Trail:
    match command:
        case ChangeAttributes():
            return trail.then(lambda s: change_attributes(s, command))
        case CompleteIsolation():
            trail = trail.then(lambda s: record_isolation(s, command))
            trail = trail.then(lambda s: check_known_error(s, context.reference))
            return _coordinate_unless_held(trail, context)
        case ProvideInformation():
            return trail.then(lambda s: receive_information(s, command))
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
        case LinkServiceTrouble():
            return trail.then(lambda s: link_service_trouble(s, command))
        case UpdateDelegatedWork():
            return trail.then(lambda s: apply_update(s, command))
        case _:  # a Tick; a CreateReport never gets here (illegal on an existing report)
            return trail


def _coordinate_unless_held(trail: _Trail, context: DecisionContext) -> _Trail:
    """Coordinate what is not delegated yet; a held report delegates when it resumes."""
    if trail.state.status is Status.HELD:
        return trail
    return trail.then(lambda s: coordinate(s, context))


def _reopen(state: CustomerProblemReport, reason: str) -> list[ReportEvent]:
    """The customer rejected the resolution: a new cycle, whose work is requested again."""
    reopened = ReportReopened(cycle=state.cycle + 1, reason=reason)
    return [*transition(state, Trigger.REOPEN, reason), reopened]


def _close(state: CustomerProblemReport, reason: str | None) -> list[ReportEvent]:
    return [*transition(state, Trigger.CLOSE, reason), ReportClosed(reason=reason)]


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
