"""The SLA policy of Track & Manage Customer Problem (eTOM 1.3.7.3): the service level
agreed with customers and the operational level agreed with partners.

The first rule of the policy that matches a report's priority, severity, customer segment
and ticket type sets its targets, its calendar, whether an operator hold pauses the
clock, its jeopardy thresholds and its escalation ladder. Partner OLAs bound the problem
reports we raise with suppliers. The clock that measures a report against its rule is
``clock.py``; climbing the ladder is ``ladder.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from problem_tracker.domain.sla.calendar import ZERO, Calendar


class EscalationKind(StrEnum):
    FUNCTIONAL = "functional"
    HIERARCHICAL = "hierarchical"


ASSIGNEE_TARGET = "assignee"
"""A functional level may call whoever the report is assigned to (the ladder's
delegation failure target while nobody is)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationLevel:
    """One rung of the ladder: whom to call, and how long after this rung the next fires
    (on the top rung: how often it is called again; ``None``: never). ``max_repeats``
    bounds how often the top rung is called again (``None``: without limit)."""

    level: int
    kind: EscalationKind
    target: str
    repeat_after: timedelta | None = None
    max_repeats: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationLadder:
    """What happens after a breach, in SLA business time past the resolution target: rung
    1 at the breach, each further rung ``repeat_after`` the previous one. A rejected or
    cancelled delegated report escalates functionally to ``delegation_failure_target``."""

    levels: tuple[EscalationLevel, ...]
    delegation_failure_target: str

    def __post_init__(self) -> None:
        if [level.level for level in self.levels] != list(range(1, len(self.levels) + 1)):
            raise ValueError("escalation levels must be numbered 1, 2, ... in order")
        if any(level.max_repeats is not None for level in self.levels[:-1]):
            raise ValueError("only the top escalation level may bound its repeats")
        if any(level.max_repeats is not None and level.max_repeats < 0 for level in self.levels):
            raise ValueError("the repeats of the top escalation level cannot be negative")
        if any(
            level.target == ASSIGNEE_TARGET and level.kind is not EscalationKind.FUNCTIONAL
            for level in self.levels
        ):
            raise ValueError(f"only a functional escalation level may call the {ASSIGNEE_TARGET}")

    @property
    def last_step(self) -> int | None:
        """The last ladder step that ever fires; ``None`` when the top rung repeats
        without limit."""
        top = self.levels[-1] if self.levels else None
        if top is None or top.repeat_after is None:
            return len(self.levels)
        if top.max_repeats is None:
            return None
        return len(self.levels) + top.max_repeats

    def level_of(self, step: int) -> EscalationLevel:
        """The rung called at ladder step ``step`` (1-based); steps past the top repeat it."""
        return self.levels[min(step, len(self.levels)) - 1]

    def offset(self, step: int) -> timedelta | None:
        """SLA time after the breach at which ladder step ``step`` fires; ``None``: never."""
        top = len(self.levels)
        if not top:
            return None
        at = ZERO
        for level in self.levels[: min(step, top) - 1]:
            if level.repeat_after is None:
                return None
            at += level.repeat_after
        if step <= top:
            return at
        last, repeat = self.last_step, self.levels[-1].repeat_after
        if repeat is None or (last is not None and step > last):
            return None
        return at + repeat * (step - top)

    def steps_due(self, overdue: timedelta) -> int:
        """How many ladder steps have fired when the clock is ``overdue`` past its target."""
        if overdue < ZERO or not self.levels:
            return 0
        at = ZERO
        for step, level in enumerate(self.levels[:-1], start=1):
            if level.repeat_after is None or at + level.repeat_after > overdue:
                return step
            at += level.repeat_after
        top, repeat, last = len(self.levels), self.levels[-1].repeat_after, self.last_step
        if repeat is None:
            return top
        due = top + (overdue - at) // repeat
        return due if last is None else min(due, last)


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaTargets:
    """Resolve within ``resolution``; never leave the customer without a visible update
    for longer than ``customer_update`` (if set). Both are business time."""

    resolution: timedelta
    customer_update: timedelta | None = None

    def __post_init__(self) -> None:
        if self.resolution <= ZERO:
            raise ValueError("the resolution target must be positive")
        if self.customer_update is not None and self.customer_update <= ZERO:
            raise ValueError("the customer update interval must be positive")


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegationRetry:
    """Failed delegated work (rejected or cancelled by the other side) is requested again
    ``after`` (wall-clock time) the failure, at most ``retries`` times, before the failure
    escalates."""

    retries: int
    after: timedelta

    def __post_init__(self) -> None:
        if self.retries < 1:
            raise ValueError("a delegation retry needs at least one retry")
        if self.after <= ZERO:
            raise ValueError("the delay of a delegation retry must be positive")


class NoResponseAction(StrEnum):
    """What happens to a report whose customer did not answer an information request in
    time: it is resolved (``noFaultFound``) or work goes on without the answer."""

    RESOLVE = "resolve"
    RESUME = "resume"


@dataclass(frozen=True, slots=True, kw_only=True)
class InformationRequestTerms:
    """How long (wall-clock time) the customer has to answer an operator's information
    request when the operator gives no ``respondBy`` (``None``: no limit), when he is
    reminded (``None``: never) and what happens without an answer."""

    respond_within: timedelta | None = None
    remind_after: timedelta | None = None
    on_no_response: NoResponseAction = NoResponseAction.RESUME

    def __post_init__(self) -> None:
        for name in ("respond_within", "remind_after"):
            value = getattr(self, name)
            if value is not None and value <= ZERO:
                raise ValueError(f"{name.replace('_', ' ')} must be positive")


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleMatch:
    """Which reports a rule applies to; an empty set accepts any value."""

    priorities: frozenset[int] = frozenset()
    severities: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    ticket_types: frozenset[str] = frozenset()

    @property
    def matches_everything(self) -> bool:
        return not (self.priorities or self.severities or self.segments or self.ticket_types)

    def matches(
        self, priority: int, severity: str, segment: str | None, ticket_type: str | None
    ) -> bool:
        return (
            _accepts(self.priorities, priority)
            and _accepts(self.severities, severity)
            and _accepts(self.segments, segment)
            and _accepts(self.ticket_types, ticket_type)
        )


def _accepts(allowed: frozenset[int] | frozenset[str], value: int | str | None) -> bool:
    return not allowed or value in allowed


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaRule:
    """The service level of the reports a rule matches. ``thresholds`` are percentages of
    the resolution target, ascending, each in (0, 100); at 100 % the report breaches.
    ``acknowledge_for`` is how long (SLA time) an acknowledged escalation holds the ladder
    (``None``: an acknowledgement is recorded but holds nothing). ``delegation_retry``
    requests failed delegated work again before its failure escalates (``None``: it
    escalates at once). ``information_request`` says how an operator's question to the
    customer is timed."""

    name: str
    match: RuleMatch
    targets: SlaTargets
    calendar: Calendar
    ladder: EscalationLadder
    thresholds: tuple[int, ...] = (50, 75)
    pause_on_held: bool = True
    acknowledge_for: timedelta | None = None
    delegation_retry: DelegationRetry | None = None
    information_request: InformationRequestTerms = InformationRequestTerms()

    def __post_init__(self) -> None:
        if self.acknowledge_for is not None and self.acknowledge_for <= ZERO:
            raise ValueError("the acknowledgement hold must be positive")
        if any(not 0 < t < 100 for t in self.thresholds):
            raise ValueError("jeopardy thresholds must lie strictly between 0 and 100 %")
        if list(self.thresholds) != sorted(set(self.thresholds)):
            raise ValueError("jeopardy thresholds must be ascending and distinct")

    def threshold_point(self, percent: int) -> timedelta:
        """SLA time at which ``percent`` of the resolution target is used up."""
        return self.targets.resolution * percent / 100


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerRung:
    """A further call on a partner past its OLA: ``target``, ``after`` the previous call
    (OLA calendar time); the last rung may come again every ``repeat_after``, at most
    ``max_repeats`` times (a partner ladder is always bounded)."""

    target: str
    after: timedelta
    repeat_after: timedelta | None = None
    max_repeats: int = 0

    def __post_init__(self) -> None:
        if self.after <= ZERO or (self.repeat_after is not None and self.repeat_after <= ZERO):
            raise ValueError("a partner ladder's intervals must be positive")
        if (self.repeat_after is None) != (self.max_repeats == 0) or self.max_repeats < 0:
            raise ValueError("a repeated partner call needs both repeatAfter and maxRepeats")


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerOla:
    """Operational level agreement with a supplier/partner for the problem reports we
    raise with it: resolve within ``resolution`` on ``calendar``, else escalate to
    ``escalate_to`` (the partner manager), then along ``ladder``. ``partner`` is ``None``
    for the default OLA."""

    partner: str | None
    resolution: timedelta
    calendar: Calendar
    escalate_to: str
    ladder: tuple[PartnerRung, ...] = ()

    def __post_init__(self) -> None:
        if any(rung.repeat_after is not None for rung in self.ladder[:-1]):
            raise ValueError("only the last rung of a partner ladder may repeat")

    def further_calls(self) -> tuple[tuple[str, timedelta], ...]:
        """Who is called after ``escalate_to``, each how long after the previous call."""
        calls = [(rung.target, rung.after) for rung in self.ladder]
        last = self.ladder[-1] if self.ladder else None
        if last is not None and last.repeat_after is not None:
            calls += [(last.target, last.repeat_after)] * last.max_repeats
        return tuple(calls)


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaPolicy:
    """Ordered rules (first match wins; the last one matches everything) and the partner
    OLAs (``default_ola`` for partners without their own)."""

    rules: tuple[SlaRule, ...]
    default_ola: PartnerOla
    partner_olas: tuple[PartnerOla, ...] = ()

    def __post_init__(self) -> None:
        if not self.rules or not self.rules[-1].match.matches_everything:
            raise ValueError("the last SLA rule must match every report (a default rule)")
        names = [rule.name for rule in self.rules]
        if len(names) != len(set(names)):
            raise ValueError(f"SLA rule names must be unique: {names}")

    def ola_for(self, partner: str) -> PartnerOla:
        for ola in self.partner_olas:
            if ola.partner == partner:
                return ola
        return self.default_ola


def match_rule(
    policy: SlaPolicy, priority: int, severity: str, segment: str | None, ticket_type: str | None
) -> SlaRule:
    """The first rule of the policy that applies to a report with these attributes."""
    return next(
        r for r in policy.rules if r.match.matches(priority, severity, segment, ticket_type)
    )
