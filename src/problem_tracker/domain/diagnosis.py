"""Perform Initial Diagnosis (eTOM 1.3.7.3): find out who has to fix what.

Each affected entity is split by its owner in inventory: our own components become a
service trouble, partner-owned ones an S/P problem request. An entity inventory does not
know is treated as ours or ignored, as the process policy says. A report that names no
affected entity at all cannot be diagnosed: it waits for isolation, and the customer is
asked for more information if the policy says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from problem_tracker.domain.context import DecisionContext, ProcessPolicy
from problem_tracker.domain.events import InformationRequired, ReportEvent
from problem_tracker.domain.lifecycle import Trigger, transition
from problem_tracker.domain.report import CustomerProblemReport, EntityRef, Owner, OwnerRole

NO_AFFECTED_ENTITY = "no affected service, product or resource named"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnosis:
    """Who fixes which entity; every entity appears once, in input order."""

    internal: tuple[EntityRef, ...] = ()
    partner: tuple[tuple[EntityRef, Owner], ...] = ()
    ignored: tuple[EntityRef, ...] = ()


def diagnose(entities: Iterable[EntityRef], context: DecisionContext) -> Diagnosis:
    """Split the entities between internal service management and partners."""
    internal: list[EntityRef] = []
    partner: list[tuple[EntityRef, Owner]] = []
    ignored: list[EntityRef] = []
    for entity in unique_entities(entities):
        owner = context.reference.owner_of(entity.id)
        if owner is not None and owner.role is OwnerRole.PARTNER:
            partner.append((entity, owner))
        elif owner is not None or context.policy.default_internal_owner:
            internal.append(entity)
        else:
            ignored.append(entity)
    return Diagnosis(internal=tuple(internal), partner=tuple(partner), ignored=tuple(ignored))


def unique_entities(entities: Iterable[EntityRef]) -> tuple[EntityRef, ...]:
    """The entities without repeats of an id (the first mention wins)."""
    seen: dict[str, EntityRef] = {}
    for entity in entities:
        seen.setdefault(entity.id, entity)
    return tuple(seen.values())


def ask_customer(state: CustomerProblemReport, policy: ProcessPolicy) -> list[ReportEvent]:
    """A report without any affected entity goes to ``pending`` with an information request."""
    if state.entities or not policy.ask_customer_when_no_affected_entity:
        return []
    changes = transition(state, Trigger.INFORMATION_REQUIRED, NO_AFFECTED_ENTITY)
    if not changes:
        return []
    return [*changes, InformationRequired(reason=NO_AFFECTED_ENTITY)]
