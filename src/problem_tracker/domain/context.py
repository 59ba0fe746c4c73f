"""What a decision may consult besides the report: reference data (component ownership,
known errors), the operator's process policy and the SLA policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from problem_tracker.domain.report import CustomerProblemReport, KnownError, Owner
from problem_tracker.domain.sla.builtin import BUILTIN_SLA_POLICY
from problem_tracker.domain.sla.policy import SlaPolicy


class ReferenceData(Protocol):
    """Read-only view of inventory ownership and of the known error database."""

    def owner_of(self, entity_id: str) -> Owner | None: ...

    def known_errors_for(self, symptom_code: str) -> Sequence[KnownError]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessPolicy:
    """Operator choices in Perform Initial Diagnosis.

    ``ask_customer_when_no_affected_entity``: a report naming no affected entity goes to
    ``pending`` with an information request (otherwise it waits for isolation in
    ``acknowledged``). ``default_internal_owner``: an entity whose owner inventory does not
    know is treated as ours (a service trouble); otherwise it is ignored.
    """

    ask_customer_when_no_affected_entity: bool = True
    default_internal_owner: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportLimits:
    """How much one customer problem report may hold, so that its state stays bounded
    however many events it gets: notes (all of them, and the bytes of their texts),
    related entities and related parties. An event that would take a report past a
    limit is refused; a report already past one (the limits were lowered) only may not
    grow further there."""

    max_notes: int = 100
    max_note_bytes: int = 128 * 1024
    max_entities: int = 50
    max_parties: int = 20

    def exceeded(
        self, before: CustomerProblemReport | None, after: CustomerProblemReport
    ) -> str | None:
        """What ``after`` holds beyond a limit that ``before`` did not, or ``None``."""
        for what, limit, measure in (
            ("notes", self.max_notes, _note_count),
            ("bytes of note text", self.max_note_bytes, note_bytes),
            ("related entities", self.max_entities, _entity_count),
            ("related parties", self.max_parties, _party_count),
        ):
            held = measure(after)
            if held > limit and (before is None or held > measure(before)):
                return f"the report would hold {held} {what}, more than the limit of {limit}"
        return None

    def has_room_for_note(self, report: CustomerProblemReport, text: str) -> bool:
        return (
            _note_count(report) < self.max_notes
            and note_bytes(report) + _utf8_size(text) <= self.max_note_bytes
        )


def note_bytes(report: CustomerProblemReport) -> int:
    """The size of a report's note texts, in UTF-8 bytes."""
    return sum(_utf8_size(note.text) for note in report.notes)


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _note_count(report: CustomerProblemReport) -> int:
    return len(report.notes)


def _entity_count(report: CustomerProblemReport) -> int:
    return len(report.entities)


def _party_count(report: CustomerProblemReport) -> int:
    return len(report.parties)


@dataclass(frozen=True, slots=True, kw_only=True)
class StaticReferenceData:
    """Reference data held in memory: for tests, simulations and small deployments."""

    owners: Mapping[str, Owner] = field(default_factory=dict)
    known_errors: Sequence[KnownError] = ()

    def owner_of(self, entity_id: str) -> Owner | None:
        return self.owners.get(entity_id)

    def known_errors_for(self, symptom_code: str) -> Sequence[KnownError]:
        return tuple(error for error in self.known_errors if error.symptom_code == symptom_code)


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionContext:
    """``sla_policy`` sets every report's targets; the shell loads it from the policy file
    (``problem_tracker.policy.load_policy``), the built-in one is the default.
    ``limits`` bound what one report may hold (the shell takes them from its settings)."""

    reference: ReferenceData
    policy: ProcessPolicy = ProcessPolicy()
    sla_policy: SlaPolicy = BUILTIN_SLA_POLICY
    limits: ReportLimits = ReportLimits()
