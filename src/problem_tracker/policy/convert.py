"""From the checked policy document to the domain's frozen ``SlaPolicy``: resolve the
calendars and escalation ladders rules refer to by name, and require a default rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from problem_tracker.domain.sla.calendar import AlwaysOpen, BusinessCalendar, Calendar, OpenHours
from problem_tracker.domain.sla.policy import (
    ASSIGNEE_TARGET,
    DelegationRetry,
    EscalationKind,
    EscalationLadder,
    EscalationLevel,
    InformationRequestTerms,
    PartnerOla,
    PartnerRung,
    RuleMatch,
    SlaPolicy,
    SlaRule,
    SlaTargets,
)
from problem_tracker.policy.schema import (
    CalendarModel,
    InformationRequestModel,
    LadderModel,
    OlaModel,
    PartnerRungModel,
    PolicyDocument,
    RuleModel,
    weekdays_of,
)

ALWAYS_OPEN = "24x7"
"""The built-in calendar: every second counts."""

T = TypeVar("T")
YamlPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a policy file, at a YAML path (and line, when known)."""

    path: YamlPath
    message: str
    line: int | None = None

    @property
    def where(self) -> str:
        text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in self.path)
        return text.lstrip(".") or "(document)"

    def __str__(self) -> str:
        line = f" (line {self.line})" if self.line is not None else ""
        return f"{self.where}{line}: {self.message}"


class PolicyError(ValueError):
    """The policy file is invalid; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[Problem], source: str = "SLA policy") -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{self.source}: invalid SLA policy ({count} problem{'s' if count > 1 else ''})"
        return "\n  ".join([head, *map(str, self.problems)])


def to_policy(document: PolicyDocument) -> SlaPolicy:
    problems: list[Problem] = []
    calendars = _calendars(document.calendars, problems)
    ladders = {
        name: _ladder(("escalationLadders", name), model, problems)
        for name, model in document.escalation_ladders.items()
    }
    rules = [
        _rule(("rules", index), model, calendars, ladders, problems)
        for index, model in enumerate(document.rules)
    ]
    _check_rule_order(document.rules, problems)
    partners = document.partners
    ladder = _partner_ladder(partners.ladder, problems)
    default_ola = _ola(
        ("partners", "default"), None, partners.default, partners.escalate_to, calendars, problems
    )
    olas = [
        _ola(
            ("partners", "byPartner", name), name, model, partners.escalate_to, calendars, problems
        )
        for name, model in partners.by_partner.items()
    ]
    default_ola, olas = _with_ladder(default_ola, ladder), [_with_ladder(o, ladder) for o in olas]
    if problems:
        raise PolicyError(problems)
    return SlaPolicy(
        rules=tuple(rule for rule in rules if rule is not None),
        default_ola=_present(default_ola),
        partner_olas=tuple(ola for ola in olas if ola is not None),
    )


def _calendars(models: Mapping[str, CalendarModel], problems: list[Problem]) -> dict[str, Calendar]:
    calendars: dict[str, Calendar] = {ALWAYS_OPEN: AlwaysOpen(name=ALWAYS_OPEN)}
    for name, model in models.items():
        if name == ALWAYS_OPEN:
            message = f"{ALWAYS_OPEN!r} is built in (always open); give your calendar another name"
            problems.append(Problem(("calendars", name), message))
            continue
        week: list[tuple[OpenHours, ...]] = [()] * 7
        for key, windows in model.hours.items():
            for day in weekdays_of(key):
                week[day] = tuple(sorted(OpenHours(opens, closes) for opens, closes in windows))
        calendars[name] = BusinessCalendar(
            name=name,
            time_zone=model.time_zone,
            week=tuple(week),
            holidays=frozenset(model.holidays),
        )
    return calendars


def _ladder(path: YamlPath, model: LadderModel, problems: list[Problem]) -> EscalationLadder:
    for index, level in enumerate(model.levels[:-1]):
        if level.repeat_after is None:
            message = "required on every level but the last: when the next level fires"
            problems.append(Problem((*path, "levels", index, "repeatAfter"), message))
        if level.max_repeats is not None:
            message = "only the last level repeats: leave maxRepeats out here"
            problems.append(Problem((*path, "levels", index, "maxRepeats"), message))
    for index, level in enumerate(model.levels):
        if level.target == ASSIGNEE_TARGET and level.kind is not EscalationKind.FUNCTIONAL:
            message = f"only a functional level calls the {ASSIGNEE_TARGET}"
            problems.append(Problem((*path, "levels", index, "target"), message))
    top = model.levels[-1] if model.levels else None
    if top is not None and top.max_repeats is not None and top.repeat_after is None:
        message = "bounds the repeats of the last level: give its repeatAfter too"
        problems.append(Problem((*path, "levels", len(model.levels) - 1, "maxRepeats"), message))
    levels = tuple(
        EscalationLevel(
            level=number,
            kind=level.kind,
            target=_callable(level.target, level.kind, model.delegation_failure.target),
            repeat_after=level.repeat_after,
            max_repeats=level.max_repeats if number == len(model.levels) else None,
        )
        for number, level in enumerate(model.levels, start=1)
    )
    return EscalationLadder(
        levels=levels, delegation_failure_target=model.delegation_failure.target
    )


def _callable(target: str, kind: EscalationKind, unassigned: str) -> str:
    """The level's target; a hierarchical level naming the assignee (reported as a
    problem) calls the unassigned target instead, so that the ladder can be built."""
    if target == ASSIGNEE_TARGET and kind is not EscalationKind.FUNCTIONAL:
        return unassigned
    return target


def _rule(
    path: YamlPath,
    model: RuleModel,
    calendars: Mapping[str, Calendar],
    ladders: Mapping[str, EscalationLadder],
    problems: list[Problem],
) -> SlaRule | None:
    calendar = _lookup("calendar", model.calendar, calendars, (*path, "calendar"), problems)
    ladder = _lookup(
        "escalation ladder", model.escalation, ladders, (*path, "escalation"), problems
    )
    if calendar is None or ladder is None:
        return None
    return SlaRule(
        name=model.name,
        match=_match(model),
        targets=SlaTargets(
            resolution=model.targets.resolution, customer_update=model.targets.customer_update
        ),
        calendar=calendar,
        ladder=ladder,
        thresholds=model.thresholds,
        pause_on_held=model.pause_on_held,
        acknowledge_for=model.acknowledge_for,
        delegation_retry=None
        if model.delegation is None
        else DelegationRetry(retries=model.delegation.retry, after=model.delegation.after),
        information_request=_information_request(model.information_request),
    )


def _information_request(model: InformationRequestModel | None) -> InformationRequestTerms:
    if model is None:
        return InformationRequestTerms()
    return InformationRequestTerms(
        respond_within=model.respond_within,
        remind_after=model.remind_after,
        on_no_response=model.on_no_response,
    )


def _match(model: RuleModel) -> RuleMatch:
    if model.match is None:
        return RuleMatch()
    return RuleMatch(
        priorities=frozenset(model.match.priority),
        severities=frozenset(str(severity) for severity in model.match.severity),
        segments=frozenset(model.match.segment),
        ticket_types=frozenset(model.match.ticket_type),
    )


def _check_rule_order(rules: Sequence[RuleModel], problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        if rule.name in seen:
            message = f"duplicate rule name {rule.name!r} (also rules[{seen[rule.name]}])"
            problems.append(Problem(("rules", index, "name"), message))
        seen.setdefault(rule.name, index)
    defaults = [index for index, rule in enumerate(rules) if _match(rule).matches_everything]
    if not defaults:
        message = "no default rule: give the last rule no `match`, so that every report gets an SLA"
        problems.append(Problem(("rules",), message))
    elif defaults[0] != len(rules) - 1:
        message = (
            f"rule {rules[defaults[0]].name!r} matches every report, so the rules after it "
            "would never apply: only the last rule may go without `match`"
        )
        problems.append(Problem(("rules", defaults[0]), message))


def _ola(
    path: YamlPath,
    partner: str | None,
    model: OlaModel,
    escalate_to: str,
    calendars: Mapping[str, Calendar],
    problems: list[Problem],
) -> PartnerOla | None:
    calendar = _lookup("calendar", model.calendar, calendars, (*path, "calendar"), problems)
    if calendar is None:
        return None
    return PartnerOla(
        partner=partner,
        resolution=model.resolution,
        calendar=calendar,
        escalate_to=model.escalate_to or escalate_to,
    )


def _partner_ladder(
    models: tuple[PartnerRungModel, ...], problems: list[Problem]
) -> tuple[PartnerRung, ...]:
    """The calls after the partner manager's; only the last repeats, and boundedly."""
    for index, model in enumerate(models):
        path = ("partners", "ladder", index)
        last = index == len(models) - 1
        if not last and (model.repeat_after is not None or model.max_repeats is not None):
            message = "only the last rung repeats: leave repeatAfter and maxRepeats out here"
            problems.append(Problem((*path, "repeatAfter"), message))
        elif last and (model.repeat_after is None) != (model.max_repeats is None):
            message = "a repeated partner call is bounded: give repeatAfter and maxRepeats together"
            problems.append(Problem((*path, "maxRepeats"), message))
    if problems:
        return ()
    return tuple(
        PartnerRung(
            target=model.target,
            after=model.after,
            repeat_after=model.repeat_after,
            max_repeats=model.max_repeats or 0,
        )
        for model in models
    )


def _with_ladder(ola: PartnerOla | None, ladder: tuple[PartnerRung, ...]) -> PartnerOla | None:
    return None if ola is None else replace(ola, ladder=ladder)


def _lookup(
    kind: str, name: str, table: Mapping[str, T], path: YamlPath, problems: list[Problem]
) -> T | None:
    found = table.get(name)
    if found is None:
        message = f"unknown {kind} {name!r}; defined: {', '.join(sorted(table)) or 'none'}"
        problems.append(Problem(path, message))
    return found


def _present(value: T | None) -> T:
    assert value is not None  # problems were raised before
    return value
