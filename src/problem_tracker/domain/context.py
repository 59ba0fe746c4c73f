"""What a decision may consult besides the report: reference data (component ownership,
known errors), the operator's process policy and the SLA policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from problem_tracker.domain.builtin_sla import BUILTIN_SLA_POLICY
from problem_tracker.domain.report import KnownError, Owner
from problem_tracker.domain.sla_policy import SlaPolicy


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
    (``problem_tracker.policy.load_policy``), the built-in one is the default."""

    reference: ReferenceData
    policy: ProcessPolicy = ProcessPolicy()
    sla_policy: SlaPolicy = BUILTIN_SLA_POLICY
