"""What can be asked of a customer problem report.

Every command carries the ``event_id`` of the inbound event it was decoded from (the
duplicate-detection key and the cause of every event it produces) and the ``report_id``
of the report it addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from problem_tracker.domain.report import (
    DelegatedStatus,
    EntityRef,
    Note,
    Owner,
    Party,
    ProgressUpdate,
    ResolutionCode,
    Severity,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandBase:
    """What every report command carries."""

    event_id: str
    report_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateReport(CommandBase):
    """Start: a new customer problem report (Create Customer Problem Report)."""

    description: str
    severity: Severity
    priority: int
    ticket_type: str | None = None
    symptom_code: str | None = None
    creation_date: datetime | None = None
    requested_resolution_date: datetime | None = None
    parties: tuple[Party, ...] = ()
    entities: tuple[EntityRef, ...] = ()
    notes: tuple[Note, ...] = ()
    assignee: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeAttributes(CommandBase):
    """Changed attributes; ``None`` means unchanged, ``notes`` are appended."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteIsolation(CommandBase):
    """Isolate Customer Problem found the affected entities and possibly the root cause."""

    entities: tuple[EntityRef, ...] = ()
    root_cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvideInformation(CommandBase):
    """The customer answered (or volunteered) information."""

    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Hold(CommandBase):
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Resume(CommandBase):
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cancel(CommandBase):
    """Cancel Customer Problem: the report was incorrect."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolve(CommandBase):
    """An operator clears the report (eTOM "cleared") with a resolution code; its open
    delegated work is withdrawn unless ``keep_delegated_work``."""

    resolution_code: ResolutionCode
    reason: str
    keep_delegated_work: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AcknowledgeEscalation(CommandBase):
    """The called party has the escalation (at ``level``, the current one if ``None``):
    the ladder holds for the rule's ``acknowledgeFor``."""

    acknowledged_by: str
    level: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestInformation(CommandBase):
    """An operator asks the customer (the report waits in ``pending``), to answer by
    ``respond_by`` (the rule's default if ``None``)."""

    reason: str
    respond_by: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Assign(CommandBase):
    """Who works on the report now (``assignee``), in which role if said."""

    assignee: str
    role: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Redelegate(CommandBase):
    """An operator requests rejected or cancelled work ``request_id`` again (a new
    request): from the same party for the same entity, or to ``partner`` and/or for
    ``entity`` instead."""

    request_id: str
    partner: Owner | None = None
    entity: EntityRef | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reopen(CommandBase):
    """The customer rejects the resolution."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Close(CommandBase):
    """Close Customer Problem has closed the report."""

    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkServiceTrouble(CommandBase):
    """The shared service trouble aggregate linked this report to its request."""

    request_id: str
    service: EntityRef
    status: DelegatedStatus
    external_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateDelegatedWork(CommandBase):
    """A status update of delegated work: from Service Problem Management (fanned out by
    the service trouble aggregate) or from a partner (S/P Problem Reporting & Management).

    ``partner_id`` is who answered, for a partner's answer (its ``source.id``); ``None``
    when the answer did not say, and for Service Problem Management's news.
    """

    request_id: str
    update: ProgressUpdate
    partner_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick(CommandBase):
    """A timer the report asked for is due."""

    deadline: datetime


ReportCommand = (
    CreateReport
    | ChangeAttributes
    | CompleteIsolation
    | ProvideInformation
    | Hold
    | Resume
    | Cancel
    | Resolve
    | AcknowledgeEscalation
    | Redelegate
    | RequestInformation
    | Assign
    | Reopen
    | Close
    | LinkServiceTrouble
    | UpdateDelegatedWork
    | Tick
)
"""Every command the report aggregate understands."""
