"""What one simulated customer problem will be: the report as created, and the script of
what happens to it afterwards on the customer's side.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from problem_tracker.simulate import messages as m
from problem_tracker.simulate.catalogue import Component
from problem_tracker.simulate.faults import BadKind


@dataclass(frozen=True)
class ScenarioMix:
    """Shares and timings of the simulated traffic (shares are probabilities per report)."""

    outages: int = 3
    outage_share: float = 0.7
    without_entity_rate: float = 0.15
    resource_rate: float = 0.4
    amend_rate: float = 0.3
    note_rate: float = 0.3
    hold_rate: float = 0.1
    cancel_rate: float = 0.05
    reopen_rate: float = 0.05
    assign_rate: float = 0.3
    ask_rate: float = 0.05
    bad_rate: float = 0.02
    follow_up_window: float = 2.0
    """Seconds after creation within which follow-ups happen."""


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    segment: str


class Action(StrEnum):
    """Something the customer side (the customer, an agent, an operator) does to a
    report: scripted, or a reaction."""

    AMEND = "amend-priority"
    NOTE = "add-note"
    HOLD = "hold"
    RESUME = "resume"
    CANCEL = "cancel"
    PROVIDE_INFORMATION = "provide-information"
    ISOLATION_COMPLETED = "isolation-completed"
    CLOSE = "close"
    REOPEN = "reopen"
    ASSIGN = "assign"
    ASK_CUSTOMER = "ask-customer"


@dataclass(frozen=True)
class FollowUp:
    """An action ``after`` seconds after the report was created; ``detail`` is its datum."""

    after: float
    action: Action
    detail: str | int | None = None


@dataclass(frozen=True)
class ReportPlan:
    """One customer problem: the report as created and the customer's script afterwards.

    A report created without affected entities (``names_entities`` false) leaves
    Perform Initial Diagnosis without a route; the customer then answers the processor's
    request for information and isolation finds ``service`` and ``resource``.
    """

    report_id: str
    customer: Customer
    service: Component
    resource: Component
    names_entities: bool
    names_resource: bool
    symptom_code: str
    description: str
    severity: str
    priority: int
    ticket_type: str
    reported_ago: timedelta
    requested_within: timedelta | None
    known_error: str | None
    follow_ups: tuple[FollowUp, ...] = ()
    reopens: bool = False
    bad_input: BadKind | None = field(default=None)

    def with_bad_input(self, kind: BadKind) -> ReportPlan:
        return replace(self, bad_input=kind)

    def create_resource(self, now: datetime) -> m.Resource:
        """``event.customerProblemReport`` of the Create event, sent at ``now``."""
        created = now - self.reported_ago
        report: m.Resource = {
            "id": self.report_id,
            "description": self.description,
            "severity": self.severity,
            "priority": self.priority,
            "ticketType": self.ticket_type,
            "symptomCode": self.symptom_code,
            "creationDate": m.iso(created),
            "relatedParty": [
                {
                    "role": "customer",
                    "id": self.customer.id,
                    "name": self.customer.name,
                    "segment": self.customer.segment,
                }
            ],
        }
        if self.requested_within is not None:
            report["requestedResolutionDate"] = m.iso(created + self.requested_within)
        if self.names_entities:
            report["relatedEntity"] = self.related_entities(with_resource=self.names_resource)
        return report

    def related_entities(self, *, with_resource: bool = True) -> list[m.Resource]:
        """The affected service and, when known, the resource it rides on."""
        entities = [_entity("affectedService", self.service)]
        if with_resource:
            entities.append(_entity("affectedResource", self.resource))
        return entities


def _entity(role: str, component: Component) -> m.Resource:
    return {
        "role": role,
        "id": component.id,
        "referredType": component.referred_type,
        "name": component.name,
    }


DESCRIPTIONS = {
    "NO_SYNC": ("Router shows no sync light since this morning", "DSL light keeps blinking"),
    "SLOW_SPEED": ("Download speed far below the contract", "Video calls freeze, speed test 2 Mb"),
    "INTERMITTENT_DROP": ("Connection drops every few minutes", "Internet cuts out in evenings"),
    "NO_DIAL_TONE": ("No dial tone on the landline", "Phone line is dead"),
    "CALL_DROP": ("Calls drop after a minute", "Cannot hold a call longer than 30 seconds"),
    "PIXELATION": ("Picture breaks up into blocks", "Sports channels pixelate"),
    "NO_SIGNAL": ("Set-top box says no signal", "All channels black"),
}


def describe(rng: random.Random, symptom: str, service: Component) -> str:
    """What the customer told the channel, in their words."""
    return f"{rng.choice(DESCRIPTIONS[symptom])} ({service.name})."
