"""A report driven through time against a small SLA policy, for the jeopardy and escalation
tests: explicit instants, and ticks at the deadlines the report asks for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from builders import REPORT_ID, a_create
from problem_tracker.application.process import handle_report
from problem_tracker.domain.commands import ReportCommand, Tick
from problem_tracker.domain.context import DecisionContext, StaticReferenceData
from problem_tracker.domain.events import (
    EscalationEnded,
    EscalationRaised,
    JeopardyRaised,
    ReportEvent,
)
from problem_tracker.domain.report import CustomerProblemReport, EntityRef, Owner
from problem_tracker.domain.sla.calendar import AlwaysOpen, BusinessCalendar, Calendar, OpenHours
from problem_tracker.domain.sla.policy import (
    EscalationKind,
    EscalationLadder,
    EscalationLevel,
    PartnerOla,
    RuleMatch,
    SlaPolicy,
    SlaRule,
    SlaTargets,
)
from problem_tracker.domain.sla.track import SlaTrack
from problem_tracker.domain.timekeeping import next_deadline, rule_for

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""A Monday morning."""
H = timedelta(hours=1)
M = timedelta(minutes=1)

LADDER = EscalationLadder(
    levels=(
        EscalationLevel(
            level=1, kind=EscalationKind.FUNCTIONAL, target="second-line", repeat_after=H
        ),
        EscalationLevel(
            level=2, kind=EscalationKind.HIERARCHICAL, target="duty-manager", repeat_after=2 * H
        ),
        EscalationLevel(
            level=3,
            kind=EscalationKind.HIERARCHICAL,
            target="head-of-operations",
            repeat_after=4 * H,
        ),
    ),
    delegation_failure_target="service-desk-lead",
)
OFFICE = BusinessCalendar(
    name="office",
    time_zone="Europe/Berlin",
    week=((OpenHours(8 * H, 18 * H),),) * 5 + ((), ()),
)


def a_rule(
    name: str,
    resolution: timedelta,
    *,
    match: RuleMatch | None = None,
    customer_update: timedelta | None = None,
    thresholds: tuple[int, ...] = (50, 75),
    pause_on_held: bool = True,
    calendar: Calendar | None = None,
) -> SlaRule:
    return SlaRule(
        name=name,
        match=match or RuleMatch(),
        targets=SlaTargets(resolution=resolution, customer_update=customer_update),
        calendar=calendar or AlwaysOpen(),
        ladder=LADDER,
        thresholds=thresholds,
        pause_on_held=pause_on_held,
    )


GOLD_CRITICAL = a_rule(
    "gold-critical",
    2 * H,
    match=RuleMatch(segments=frozenset({"gold"}), severities=frozenset({"critical"})),
    pause_on_held=False,
)
P1_INCIDENT = a_rule(
    "p1-incident",
    4 * H,
    match=RuleMatch(priorities=frozenset({1}), ticket_types=frozenset({"incident"})),
)
COMPLAINT = a_rule(
    "complaint", 10 * H, match=RuleMatch(ticket_types=frozenset({"complaint"})), calendar=OFFICE
)
UPDATES = a_rule(
    "updates",
    8 * H,
    match=RuleMatch(ticket_types=frozenset({"request"})),
    customer_update=H,
)
STANDARD = a_rule("standard", 8 * H)
OLA_PARTNER_1 = PartnerOla(
    partner="partner-1", resolution=2 * H, calendar=AlwaysOpen(), escalate_to="partner-1-manager"
)
POLICY = SlaPolicy(
    rules=(GOLD_CRITICAL, P1_INCIDENT, COMPLAINT, UPDATES, STANDARD),
    default_ola=PartnerOla(
        partner=None, resolution=8 * H, calendar=AlwaysOpen(), escalate_to="partner-manager"
    ),
    partner_olas=(OLA_PARTNER_1,),
)
"""A report as ``a_create`` makes it (priority 2, major, incident, gold) is ``standard``:
8 hours, no customer update interval, warned at 50 %, in jeopardy at 75 %."""


def sla_context(
    owners: Mapping[str, Owner] | None = None, policy: SlaPolicy = POLICY
) -> DecisionContext:
    return DecisionContext(
        reference=StaticReferenceData(owners=dict(owners or {})), sla_policy=policy
    )


def tick_for(deadline: datetime, report_id: str = REPORT_ID) -> Tick:
    """The tick the shell sends for a deadline (its id derived from the deadline)."""
    return Tick(
        event_id=f"tick-{int(deadline.timestamp())}", report_id=report_id, deadline=deadline
    )


def signals(events: Iterable[ReportEvent]) -> list[ReportEvent]:
    """The jeopardy and escalation events among ``events``."""
    return [e for e in events if isinstance(e, JeopardyRaised | EscalationRaised | EscalationEnded)]


@dataclass
class Timeline:
    """One report, the commands it receives and the instants they arrive at."""

    context: DecisionContext = field(default_factory=sla_context)
    now: datetime = T0
    state: CustomerProblemReport | None = None

    def send(self, command: ReportCommand, at: datetime | None = None) -> list[ReportEvent]:
        self.now = at or self.now
        decision = handle_report(self.state, command, self.now, self.context)
        self.state = decision.state
        return list(decision.events)

    def create(
        self, at: datetime = T0, entities: Iterable[EntityRef] = (), **fields: object
    ) -> list[ReportEvent]:
        return self.send(a_create(entities=entities, **fields), at)

    def tick(self, late: timedelta = timedelta(0)) -> list[ReportEvent]:
        """The tick the report asked for, at its deadline (or ``late`` after it)."""
        deadline = next_deadline(self.report)
        assert deadline is not None, "the report asked for no tick"
        return self.send(tick_for(deadline), deadline + late)

    def ticks_until(self, until: datetime) -> list[ReportEvent]:
        """Every tick the report asks for up to ``until``, each at its deadline."""
        events: list[ReportEvent] = []
        while (deadline := next_deadline(self.report)) is not None and deadline <= until:
            events.extend(self.tick())
        self.now = max(self.now, until)
        return events

    @property
    def report(self) -> CustomerProblemReport:
        assert self.state is not None
        return self.state

    @property
    def rule(self) -> SlaRule:
        """The SLA rule the report falls under now, as every decision looks it up."""
        return rule_for(self.report, self.context.sla_policy)

    @property
    def sla(self) -> SlaTrack:
        assert self.report.sla is not None
        return self.report.sla
