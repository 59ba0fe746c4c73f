"""Seeded scenarios: who complains about what, and what each customer does afterwards.

A few services are in an outage, so many customers report the same faulty service, the
way Track & Manage Customer Problem meets problems in the field; the rest is background
noise. Everything is drawn from RNGs seeded by ``seed``: the same seed gives the same
reports, the same follow-ups and the same event ids.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta

from problem_tracker.simulate import messages as m
from problem_tracker.simulate.catalogue import Catalogue, Component, KnownError, default_catalogue
from problem_tracker.simulate.faults import BadKind
from problem_tracker.simulate.plans import (
    Action,
    Customer,
    FollowUp,
    ReportPlan,
    ScenarioMix,
    describe,
)


class EventIds:
    """Event ids that are unique per run yet reproducible from the seed.

    Each id is a UUID derived from the seed and the id's cause (report, action, count),
    so that it does not depend on the order in which reactions happen to interleave.
    """

    def __init__(self, seed: int) -> None:
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"problem-tracker/simulate/{seed}")
        self.run_tag = self._namespace.hex[:6].upper()

    def event_id(self, *cause: object) -> str:
        return str(uuid.uuid5(self._namespace, "/".join(str(part) for part in cause)))


class ScenarioGenerator:
    """Plans reports and reference data for one seeded run."""

    def __init__(
        self, seed: int, *, catalogue: Catalogue | None = None, mix: ScenarioMix | None = None
    ) -> None:
        self.seed = seed
        self.ids = EventIds(seed)
        self.catalogue = catalogue or default_catalogue()
        self.mix = mix or ScenarioMix()
        self.outages = self._pick_outages(random.Random(f"{seed}/outages"))

    def reference_data(self, now: datetime) -> list[m.SimMessage]:
        """Inventory ownership of every component, then the KEDB's known errors."""
        messages = [self._ownership(c, now) for c in self.catalogue.components]
        for known in self.catalogue.known_errors:
            messages.append(m.known_error(self.ids.event_id(known.id), now, _known(known)))
        withdrawn = self.catalogue.withdrawn_known_error
        draft = {"id": withdrawn, "symptomCode": "NO_SIGNAL", "status": "active"}
        messages.append(m.known_error(self.ids.event_id(withdrawn), now, draft))
        messages.append(m.known_error_withdrawn(withdrawn))
        return messages

    def plans(self, count: int) -> Iterator[ReportPlan]:
        """``count`` report plans; a ``bad_rate`` share is followed by one bad input."""
        rng = random.Random(f"{self.seed}/reports")
        pending_kinds = deque(BadKind)
        for index in range(count):
            plan = self._plan(rng, index)
            if rng.random() < self.mix.bad_rate:
                plan = plan.with_bad_input(_next_kind(pending_kinds, plan))
            yield plan

    def reports(self, count: int, now: datetime) -> Iterator[m.Envelope]:
        """The Create events of ``count`` good reports, all stamped ``now``."""
        for plan in self.plans(count):
            envelope = self.create(plan, now).value
            assert isinstance(envelope, dict)
            yield envelope

    def create(self, plan: ReportPlan, now: datetime) -> m.SimMessage:
        """Start Track & Manage: the Create event of a planned report."""
        report = plan.create_resource(now)
        return m.report_created(self.ids.event_id(plan.report_id, "create"), now, report)

    def _pick_outages(self, rng: random.Random) -> tuple[Component, ...]:
        services = self.catalogue.services
        partner_backed = [
            s for s in services if self.catalogue.resource_of(s).owner.role == "partner"
        ]
        first = rng.choice(partner_backed)
        others = rng.sample([s for s in services if s != first], self.mix.outages - 1)
        return (first, *others)

    def _plan(self, rng: random.Random, index: int) -> ReportPlan:
        in_outage = rng.random() < self.mix.outage_share
        service = rng.choice(self.outages if in_outage else self.catalogue.services)
        product = self.catalogue.product_of(service)
        symptoms = product.symptoms
        symptom = symptoms[self.outages.index(service) % len(symptoms)] if in_outage else None
        symptom = symptom or rng.choice(symptoms)
        severity = rng.choices(("critical", "major", "minor"), weights=(2, 5, 3))[0]
        customer = _customer(rng)
        priority = _priority(rng, severity, customer.segment)
        report_id = f"CPR-{self.ids.run_tag}-{index + 1:06d}"
        resource = self.catalogue.resource_of(service)
        known = self.catalogue.known_error_for(symptom, service)
        return ReportPlan(
            report_id=report_id,
            customer=customer,
            service=service,
            resource=resource,
            names_entities=rng.random() >= self.mix.without_entity_rate,
            names_resource=rng.random() < self.mix.resource_rate,
            symptom_code=symptom,
            description=describe(rng, symptom, service),
            severity=severity,
            priority=priority,
            ticket_type="complaint" if rng.random() < 0.2 else "incident",
            reported_ago=timedelta(seconds=rng.uniform(0, 90)),
            requested_within=timedelta(days=rng.randint(1, 3)) if rng.random() < 0.2 else None,
            known_error=known.id if known else None,
            follow_ups=_with_operators(
                _follow_ups(rng, self.mix, priority),
                random.Random(f"{self.seed}/operators/{index}"),
                self.mix,
            ),
            reopens=rng.random() < self.mix.reopen_rate,
        )

    def _ownership(self, component: Component, now: datetime) -> m.SimMessage:
        entity = {"id": component.id, "referredType": component.referred_type}
        owner = component.owner
        owner_ref = {"id": owner.id, "role": owner.role, "name": owner.name}
        return m.component_ownership(self.ids.event_id(component.id), now, entity, owner_ref)


def _next_kind(pending: deque[BadKind], plan: ReportPlan) -> BadKind:
    """The next kind in rotation, so every DLQ reason shows up early in a run.

    Closing an unresolved report is only certain to be illegal when no known error
    could resolve the report at once, so that kind waits for such a report.
    """
    for _ in range(len(pending)):
        kind = pending.popleft()
        pending.append(kind)
        if kind is not BadKind.ILLEGAL_TRANSITION or plan.known_error is None:
            return kind
    raise AssertionError("unreachable: the rotation holds kinds other than illegal-transition")


FIRST_NAMES = ("Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Femi", "Greta", "Hiro", "Ines")
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Novak", "Patel", "Rossi", "Schmidt", "Tanaka")


def _customer(rng: random.Random) -> Customer:
    segment = rng.choices(("gold", "silver", "standard"), weights=(15, 30, 55))[0]
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    return Customer(f"cust-{rng.randint(100000, 999999)}", name, segment)


def _priority(rng: random.Random, severity: str, segment: str) -> int:
    base = {"critical": 1, "major": 2, "minor": 3}[severity] + rng.randint(0, 1)
    return max(1, base - 1) if segment == "gold" else base


def _follow_ups(rng: random.Random, mix: ScenarioMix, priority: int) -> tuple[FollowUp, ...]:
    """What the customer or an agent does to the open report, seconds after creating it."""
    window = mix.follow_up_window
    steps: list[FollowUp] = []
    if rng.random() < mix.amend_rate:
        new_priority = max(1, priority - 1) if priority > 1 else 2
        steps.append(FollowUp(rng.uniform(0.1, 0.6) * window, Action.AMEND, new_priority))
    if rng.random() < mix.note_rate:
        text = rng.choice(("Customer called again.", "Customer is working from home today."))
        steps.append(FollowUp(rng.uniform(0.1, 0.8) * window, Action.NOTE, text))
    if rng.random() < mix.cancel_rate:
        reason = rng.choice(("Raised against the wrong account.", "Customer fixed it themself."))
        steps.append(FollowUp(rng.uniform(0.2, 0.8) * window, Action.CANCEL, reason))
    elif rng.random() < mix.hold_rate:
        held_at = rng.uniform(0.2, 0.4) * window
        steps.append(FollowUp(held_at, Action.HOLD, "Customer away until tomorrow."))
        steps.append(FollowUp(held_at + rng.uniform(0.3, 0.6) * window, Action.RESUME))
    return tuple(sorted(steps, key=lambda step: step.after))


OPERATORS = (("anna.schmidt", "second-line"), ("femi.okafor", "network-operations"))
QUESTIONS = ("Which socket is the router plugged into?", "When did it last work?")


def _with_operators(
    steps: tuple[FollowUp, ...], rng: random.Random, mix: ScenarioMix
) -> tuple[FollowUp, ...]:
    """An operator takes the report (assigns it), or asks the customer a question: drawn
    from an RNG of their own, so that the customers' script stays what the seed made it."""
    window = mix.follow_up_window
    operators: list[FollowUp] = []
    if rng.random() < mix.assign_rate:
        assignee, _ = rng.choice(OPERATORS)
        operators.append(FollowUp(rng.uniform(0.05, 0.3) * window, Action.ASSIGN, assignee))
    if rng.random() < mix.ask_rate:
        operators.append(
            FollowUp(rng.uniform(0.3, 0.7) * window, Action.ASK_CUSTOMER, rng.choice(QUESTIONS))
        )
    return tuple(sorted((*steps, *operators), key=lambda step: step.after))


def _known(known: KnownError) -> m.Resource:
    resource: m.Resource = {
        "id": known.id,
        "symptomCode": known.symptom_code,
        "workaround": known.workaround,
        "status": known.status,
    }
    if known.affected_service is not None:
        service = known.affected_service
        resource["affectedService"] = {
            "id": service.id,
            "referredType": "Service",
            "name": service.name,
        }
    return resource
