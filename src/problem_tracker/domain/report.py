"""The customer problem report: the state that eTOM 1.3.7.3 "Track & Manage Customer Problem"
tracks from Start to End, and the value objects it is made of.

Enum values are the TMF621 / TMF656 wire values, so the shell can map them one to one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from problem_tracker.domain.identity import Recurrence, SeenEvent, recurrence
from problem_tracker.domain.sla.track import SlaTrack

RECENT_EVENT_LIMIT = 256
"""How many inbound event ids a report remembers to recognise a redelivered event."""


class Status(StrEnum):
    """Status of a customer problem report; ``resolved`` is eTOM's "cleared"."""

    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "inProgress"
    PENDING = "pending"
    HELD = "held"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.PENDING, Status.HELD})
"""The problem is being worked on: the report may be held or cancelled, its SLA clock may
run, and delegated work that fails escalates."""

ENDED_STATUSES = frozenset(Status) - OPEN_STATUSES
"""Resolved, closed or cancelled: the SLA clock has stopped for good (a reopen starts a new
cycle) and an escalation under way ends."""

TERMINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})
"""Nothing changes the status of a closed or cancelled report any more."""


class ResolutionCode(StrEnum):
    """How the problem was cleared (contract v1.1): ``fixed`` when the delegated work
    resolved it, or what the operator who resolved it said."""

    FIXED = "fixed"
    WORKAROUND = "workaround"
    NO_FAULT_FOUND = "noFaultFound"
    KNOWN_ERROR = "knownError"
    DUPLICATE = "duplicate"
    OTHER = "other"


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class EntityRole(StrEnum):
    """How a related entity is affected by the customer problem."""

    AFFECTED_SERVICE = "affectedService"
    AFFECTED_PRODUCT = "affectedProduct"
    AFFECTED_RESOURCE = "affectedResource"


class OwnerRole(StrEnum):
    """Who fixes a faulty component: our own service management, or a supplier/partner."""

    INTERNAL = "internal"
    PARTNER = "partner"


class KnownErrorStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class DelegationKind(StrEnum):
    """Where Coordinate Customer Problem sent part of the work."""

    SERVICE_TROUBLE = "serviceTrouble"
    PARTNER_PROBLEM = "partnerProblem"


class DelegatedStatus(StrEnum):
    """Status of delegated work; ``requested`` is ours, before the other side answers."""

    REQUESTED = "requested"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "inProgress"
    PENDING = "pending"
    HELD = "held"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


DONE_STATUSES = frozenset({DelegatedStatus.RESOLVED, DelegatedStatus.CLOSED})
"""Delegated work in these statuses counts towards resolving the report."""

FAILED_STATUSES = frozenset({DelegatedStatus.REJECTED, DelegatedStatus.CANCELLED})
"""Delegated work the other side refused or dropped: an escalation trigger, never a resolution."""

FINISHED_STATUSES = DONE_STATUSES | FAILED_STATUSES
"""Delegated work that nobody is working on any more."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityRef:
    """A service, product or resource the customer problem affects."""

    id: str
    referred_type: str
    role: EntityRole
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """A party related to the report; ``segment`` (gold, silver, ...) drives SLA terms."""

    role: str
    id: str
    name: str | None = None
    segment: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    author: str
    date: datetime
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    status: Status
    date: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Owner:
    """Who owns a component, according to inventory (reference data)."""

    id: str
    role: OwnerRole
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownError:
    """A known error from the known error database; a service-specific one only matches
    reports affecting that service."""

    id: str
    symptom_code: str
    workaround: str | None = None
    affected_service: EntityRef | None = None
    status: KnownErrorStatus = KnownErrorStatus.ACTIVE


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownErrorMatch:
    """The known error Check Known Error attached to the report."""

    id: str
    workaround: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressUpdate:
    """One answer from whoever does delegated work (Service Problem Management or a
    partner): the status it reports and what it says with it."""

    status: DelegatedStatus
    external_id: str | None = None
    expected_resolution_date: datetime | None = None
    reason: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """What is known of delegated work: its status, the other side's own ticket id and
    when it expects to resolve it."""

    status: DelegatedStatus = DelegatedStatus.REQUESTED
    external_id: str | None = None
    expected_resolution_date: datetime | None = None

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES

    @property
    def has_failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def cancelled(self) -> Progress:
        """We stopped the work: the other side's id and date stay on record."""
        return replace(self, status=DelegatedStatus.CANCELLED)

    def after(self, update: ProgressUpdate) -> Progress:
        """The progress once ``update`` is applied; an answer that leaves out the ticket id
        or the expected date keeps the one already known."""
        return Progress(
            status=update.status,
            external_id=update.external_id or self.external_id,
            expected_resolution_date=update.expected_resolution_date
            or self.expected_resolution_date,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegatedWork:
    """One piece of work Coordinate Customer Problem delegated, and its last known status.

    ``request_id`` is ``None`` for a service trouble until the shared service trouble
    aggregate answers with the request it linked the report to. ``cycle`` is the report
    cycle the work was requested in (a reopened report requests its work again).

    Failed work may be requested again (contract v1.1 re-delegation): ``retries`` counts
    the requests before this one for the same work, ``superseded`` marks work a newer
    request replaced, and ``retry_at`` is when an automatic retry the SLA rule allows
    is due (a timer kept as data, like the SLA deadlines).
    """

    request_id: str | None
    kind: DelegationKind
    entity: EntityRef
    progress: Progress = Progress()
    partner: Owner | None = None
    cycle: int = 1
    retries: int = 0
    superseded: bool = False
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InformationRequest:
    """An operator's open question to the customer (contract v1.1): why, by when the
    customer should answer (``None``: no limit) and when he is reminded (``None``: never,
    or already done). Timers kept as data, like the SLA deadlines."""

    reason: str
    asked_at: datetime
    respond_by: datetime | None = None
    remind_at: datetime | None = None

    @property
    def next_deadline(self) -> datetime | None:
        return min((m for m in (self.remind_at, self.respond_by) if m is not None), default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerProblemReport:
    """The state of one customer problem report (the aggregate keyed by report id).

    ``sla`` is the SLA of the current cycle; ``None`` for a report stored before SLAs
    were tracked, until a reopen starts a new cycle. ``resolution_code`` says how the
    current cycle was cleared; ``None`` until it is (and again once reopened).
    ``information_request`` is an operator's open question to the customer, while the
    report waits for the answer (``pending``, or ``held`` from there).
    """

    id: str
    status: Status
    description: str
    severity: Severity
    priority: int
    creation_date: datetime
    status_change_date: datetime
    ticket_type: str | None = None
    symptom_code: str | None = None
    requested_resolution_date: datetime | None = None
    parties: tuple[Party, ...] = ()
    entities: tuple[EntityRef, ...] = ()
    notes: tuple[Note, ...] = ()
    root_cause: str | None = None
    status_change_reason: str | None = None
    status_history: tuple[StatusChange, ...] = ()
    status_before_hold: Status | None = None
    known_error: KnownErrorMatch | None = None
    delegated: tuple[DelegatedWork, ...] = ()
    cycle: int = 1
    partner_request_count: int = 0
    recent_events: tuple[SeenEvent, ...] = ()
    assignee: str | None = None
    assignee_role: str | None = None
    sla: SlaTrack | None = None
    resolution_code: ResolutionCode | None = None
    information_request: InformationRequest | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def cycle_work(self) -> tuple[DelegatedWork, ...]:
        """Every piece of work delegated in the current cycle, superseded ones included."""
        return tuple(work for work in self.delegated if work.cycle == self.cycle)

    @property
    def current_work(self) -> tuple[DelegatedWork, ...]:
        """The delegated work of the current cycle that no newer request replaced: what
        resolution waits for."""
        return tuple(work for work in self.cycle_work if not work.superseded)

    @property
    def open_work(self) -> tuple[DelegatedWork, ...]:
        """This cycle's delegated work that somebody is still doing (or about to do): what
        the SLA follows (partner legs) and what forecasts the resolution."""
        return tuple(work for work in self.current_work if not work.progress.is_finished)

    @property
    def recent_event_ids(self) -> tuple[str, ...]:
        return tuple(seen.event_id for seen in self.recent_events)

    def has_seen(self, event_id: str) -> bool:
        """Whether an inbound event with this id was already applied."""
        return event_id in self.recent_event_ids

    def recurrence(self, event_id: str, digest: str) -> Recurrence:
        """Whether an inbound event is new, a redelivery, or a reused id (a conflict)."""
        return recurrence(self.recent_events, event_id, digest)
