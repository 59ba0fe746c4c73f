"""What happened to a customer problem report: the facts ``decide`` returns and ``evolve``
applies, and that the shell turns into notifications, requests, escalations and DLQ entries.

The header (``event_id``, ``report_id``, ``occurred_at``, ``caused_by``,
``cause_digest``) is stamped by ``decide`` on every event it returns: ``event_id`` is
derived from the inbound event that caused it, ``caused_by`` is that inbound event id and
``cause_digest`` the digest of its command (``identity.command_digest``). The defaults
only exist so that the rules can build the payload before the header is known.

``sla`` is part of the header too: set on an event after which the report's SLA is
different (a clock started, paused, re-measured; a threshold fired), it is the SLA as
``decide`` computed it with the policy in force. ``evolve`` takes it as it is, so the
policy stays an input of decisions only and a replay rebuilds the SLA without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from problem_tracker.domain.report import (
    DelegatedStatus,
    EntityRef,
    KnownErrorMatch,
    Note,
    Owner,
    Party,
    ProgressUpdate,
    ResolutionCode,
    Severity,
    Status,
)
from problem_tracker.domain.sla.jeopardy import JeopardyCause, JeopardyLevel
from problem_tracker.domain.sla.ladder import EscalationReason
from problem_tracker.domain.sla.policy import EscalationKind
from problem_tracker.domain.sla.track import SlaTrack

UNSTAMPED_AT = datetime(1970, 1, 1, tzinfo=UTC)


class RejectionCode(StrEnum):
    """Why a command was not applied; the values are the DLQ error codes of the contract."""

    ILLEGAL_TRANSITION = "illegal-transition"
    UNKNOWN_REPORT = "unknown-report"
    UNKNOWN_CORRELATION = "unknown-correlation"
    EVENT_ID_CONFLICT = "event-id-conflict"
    SCHEMA_VIOLATION = "schema-violation"
    """An event that would take a report past one of its limits (``ReportLimits``): the
    contract's limits are part of its schema, per report as well as per message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    event_id: str = ""
    report_id: str = ""
    occurred_at: datetime = UNSTAMPED_AT
    caused_by: str = ""
    cause_digest: str = ""
    sla: SlaTrack | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportAcknowledged(DomainEvent):
    """Start: the report exists, with what the customer told us."""

    description: str
    severity: Severity
    priority: int
    creation_date: datetime
    ticket_type: str | None = None
    symptom_code: str | None = None
    requested_resolution_date: datetime | None = None
    parties: tuple[Party, ...] = ()
    entities: tuple[EntityRef, ...] = ()
    notes: tuple[Note, ...] = ()
    assignee: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChanged(DomainEvent):
    """One per status change (``from_status`` is ``None`` at creation)."""

    from_status: Status | None
    to_status: Status
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributesChanged(DomainEvent):
    """``changed`` names the changed fields; the others are ``None``; notes were appended."""

    changed: tuple[str, ...]
    description: str | None = None
    severity: Severity | None = None
    priority: int | None = None
    ticket_type: str | None = None
    symptom_code: str | None = None
    requested_resolution_date: datetime | None = None
    parties: tuple[Party, ...] | None = None
    entities: tuple[EntityRef, ...] | None = None
    notes: tuple[Note, ...] = ()
    assignee: str | None = None
    assignee_role: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IsolationRecorded(DomainEvent):
    """Isolate Customer Problem's result: the entities it added, and the root cause."""

    entities: tuple[EntityRef, ...]
    root_cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InformationRequired(DomainEvent):
    """Perform Initial Diagnosis (or an operator) needs the customer's help; an operator's
    request may say by when (``respond_by``) and when to remind him (``remind_at``).
    A ``reminder`` asks again."""

    reason: str
    respond_by: datetime | None = None
    remind_at: datetime | None = None
    reminder: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class InformationReceived(DomainEvent):
    notes: tuple[Note, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownErrorAttached(DomainEvent):
    """Check Known Error found a match; its workaround can be offered to the customer."""

    match: KnownErrorMatch


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleNeeded(DomainEvent):
    """Coordinate: an internal service is faulty; link the report to its service trouble."""

    service: EntityRef
    priority: int
    severity: Severity
    description: str
    requested_resolution_date: datetime | None = None
    retries: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerProblemRequested(DomainEvent):
    """Coordinate: ask the partner owning the entity to fix it (S/P problem report).
    ``retries`` (for this one and a service trouble) counts the failed requests for the
    same work before it."""

    request_id: str
    entity: EntityRef
    partner: Owner
    priority: int
    severity: Severity
    description: str
    requested_resolution_date: datetime | None = None
    retries: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleLinked(DomainEvent):
    request_id: str
    service: EntityRef
    status: DelegatedStatus
    external_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegatedWorkUpdated(DomainEvent):
    """Monitor Resolution Update: delegated work changed status."""

    request_id: str
    update: ProgressUpdate


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegatedWorkFailed(DomainEvent):
    """The other side rejected or cancelled delegated work: an escalation trigger."""

    request_id: str
    status: DelegatedStatus
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegatedWorkRetryScheduled(DomainEvent):
    """Failed delegated work will be requested again at ``at`` (the SLA rule's
    delegation retry); its failure escalates only once the retries are used up."""

    request_id: str
    status: DelegatedStatus
    at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegatedWorkRedelegated(DomainEvent):
    """Failed delegated work ``request_id`` is requested again (by an operator, or
    ``automatic``-ally by the rule's retry); the request that follows replaces it."""

    request_id: str
    automatic: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportResolved(DomainEvent):
    """eTOM "cleared": informs Close Customer Problem. ``resolution_code`` is ``fixed``
    when the delegated work resolved the problem, else what the operator said."""

    resolution_code: ResolutionCode = ResolutionCode.FIXED


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportClosed(DomainEvent):
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportCancelled(DomainEvent):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportReopened(DomainEvent):
    """The customer rejected the resolution; a new cycle starts."""

    cycle: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerProblemCancelRequested(DomainEvent):
    """Cancel Customer Problem: withdraw an outstanding partner request."""

    request_id: str
    entity: EntityRef
    partner: Owner | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleReleased(DomainEvent):
    """The report no longer needs the service trouble of ``service`` (``request_id`` is
    ``None`` when the link had not been confirmed yet); the shared service trouble
    aggregate decides whether to cancel it."""

    service: EntityRef
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerProblemCloseRequested(DomainEvent):
    """The customer closed the report: the partner's resolution is confirmed (MEF 124's
    buyer confirmation) and its problem report closed."""

    request_id: str
    entity: EntityRef
    partner: Owner | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerProblemReopenRequested(DomainEvent):
    """The customer reopened the report: the partner's resolved problem report is reopened
    for the new cycle instead of raising a new one."""

    request_id: str
    entity: EntityRef
    partner: Owner
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerProblemUpdateRequested(DomainEvent):
    """What the partner must see changed: the report's priority or severity, or a note of
    the customer's."""

    request_id: str
    entity: EntityRef
    priority: int
    severity: Severity
    partner: Owner | None = None
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTroubleRerated(DomainEvent):
    """The report's priority or severity changed while it waits on the shared service
    trouble of ``service``, which tells Service Problem Management of the new impact."""

    service: EntityRef
    priority: int
    severity: Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class JeopardyRaised(DomainEvent):
    """The report risks missing its resolution target (or missed it: ``level`` breached,
    at 100 %). ``threshold_percent`` is the threshold passed (``None`` for a forecast or
    an overdue partner); ``due_at`` is ``None`` while the clock stands still."""

    cause: JeopardyCause
    level: JeopardyLevel
    threshold_percent: int | None
    percent_elapsed: float
    due_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationRaised(DomainEvent):
    """Escalate Customer Problem: ``target`` was called, at ``level``. ``ladder_step`` is
    the step of the breach ladder this call reached; ``request_id`` names the delegated
    work a failure or an overdue partner escalation is about; ``assignee`` (and
    ``assignee_role``) who has the report."""

    level: int
    kind: EscalationKind
    target: str
    reason: EscalationReason
    ladder_step: int | None = None
    request_id: str | None = None
    assignee: str | None = None
    assignee_role: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationAcknowledged(DomainEvent):
    """``acknowledged_by`` has the escalation at ``level``: the ladder holds until
    ``until`` and climbs again from the next level if the report is still breached."""

    acknowledged_by: str
    level: int
    until: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationEnded(DomainEvent):
    """End: the report that was in jeopardy or escalated is ``reason`` (resolved, cancelled
    or closed); ``level`` is the highest escalation level it had reached."""

    level: int
    reason: Status


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineRescheduled(DomainEvent):
    """A due tick found nothing to signal (the policy changed since the deadline was set):
    the report records its recomputed SLA (in the ``sla`` header), so that the same
    deadline is not ticked again."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandRejected(DomainEvent):
    """The command did not fit; it was not applied (a DLQ entry, never a crash)."""

    code: RejectionCode
    reason: str
    command: str


ReportEvent = (
    ReportAcknowledged
    | StatusChanged
    | AttributesChanged
    | IsolationRecorded
    | InformationRequired
    | InformationReceived
    | KnownErrorAttached
    | ServiceTroubleNeeded
    | PartnerProblemRequested
    | ServiceTroubleLinked
    | DelegatedWorkUpdated
    | DelegatedWorkFailed
    | DelegatedWorkRetryScheduled
    | DelegatedWorkRedelegated
    | ReportResolved
    | ReportClosed
    | ReportCancelled
    | ReportReopened
    | PartnerProblemCancelRequested
    | ServiceTroubleReleased
    | ServiceTroubleRerated
    | PartnerProblemCloseRequested
    | PartnerProblemReopenRequested
    | PartnerProblemUpdateRequested
    | JeopardyRaised
    | EscalationRaised
    | EscalationAcknowledged
    | EscalationEnded
    | DeadlineRescheduled
    | CommandRejected
)
"""Every event of the report aggregate."""

CUSTOMER_NOTIFICATIONS: tuple[type[DomainEvent], ...] = (
    StatusChanged,
    AttributesChanged,
    KnownErrorAttached,
    InformationRequired,
    ReportResolved,
)
"""The events the customer is notified of (each with the report's snapshot): each one is a
customer-visible update, and restarts the SLA's customer update interval."""
