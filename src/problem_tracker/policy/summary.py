"""A readable account of an SLA policy, as ``problem-tracker policy check`` prints it."""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby

from problem_tracker.domain.sla.calendar import BusinessCalendar, Calendar, OpenHours
from problem_tracker.domain.sla.policy import (
    EscalationLadder,
    InformationRequestTerms,
    PartnerOla,
    SlaPolicy,
    SlaRule,
)
from problem_tracker.policy.durations import format_duration
from problem_tracker.policy.schema import WEEKDAYS


def describe(policy: SlaPolicy, source: str) -> str:
    calendars = _calendars(policy)
    counts = ", ".join(
        [
            _count(len(policy.rules), "rule"),
            _count(len(calendars), "calendar") + " in use",
            _count(len(policy.partner_olas), "partner OLA") + " and a default",
        ]
    )
    lines = [
        f"{source}: valid SLA policy: {counts}",
        "",
        "Calendars",
        *(f"  {c.name:<14} {_calendar(c)}" for c in calendars),
        "",
        "Rules (first match wins)",
    ]
    for number, rule in enumerate(policy.rules, start=1):
        lines.extend(_rule(number, rule))
    lines += ["", "Partner OLAs", *map(_ola, (policy.default_ola, *policy.partner_olas))]
    return "\n".join(lines)


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _calendars(policy: SlaPolicy) -> list[Calendar]:
    used = [rule.calendar for rule in policy.rules]
    used += [ola.calendar for ola in (policy.default_ola, *policy.partner_olas)]
    return list({calendar.name: calendar for calendar in used}.values())


def _calendar(calendar: Calendar) -> str:
    if not isinstance(calendar, BusinessCalendar):
        return "always open"
    parts = [calendar.time_zone]
    for hours, days in groupby(range(7), key=lambda day: calendar.week[day]):
        if hours:
            parts.append(f"{_days(list(days))} {', '.join(map(_window, hours))}")
    if calendar.holidays:
        first, last = min(calendar.holidays), max(calendar.holidays)
        parts.append(f"{len(calendar.holidays)} holidays ({first} … {last})")
    return " · ".join(parts)


def _days(days: list[int]) -> str:
    names = [WEEKDAYS[day][:3].capitalize() for day in (days[0], days[-1])]
    return names[0] if len(days) == 1 else "-".join(names)


def _window(hours: OpenHours) -> str:
    return f"{_clock(hours.opens)}-{_clock(hours.closes)}"


def _clock(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _rule(number: int, rule: SlaRule) -> list[str]:
    targets = rule.targets
    terms = [f"resolve within {_duration(targets.resolution, rule.calendar)}"]
    if targets.customer_update is not None:
        terms.append(f"update the customer every {format_duration(targets.customer_update)}")
    terms.append(f"on {rule.calendar.name}")
    terms.append("held pauses the clock" if rule.pause_on_held else "held does not pause")
    if rule.acknowledge_for is not None:
        terms.append(f"an acknowledgement holds the ladder {format_duration(rule.acknowledge_for)}")
    retry = rule.delegation_retry
    if retry is not None:
        times = "once" if retry.retries == 1 else f"{retry.retries} times"
        terms.append(
            f"failed delegated work requested again {times}, {format_duration(retry.after)} after"
        )
    terms.extend(_information_request(rule.information_request))
    warnings = ", ".join(f"{t} %" for t in rule.thresholds)
    jeopardy = f"jeopardy at {warnings}" if warnings else "no jeopardy warnings"
    return [
        f"  {number}. {rule.name:<20} {_match(rule)}",
        f"       {'; '.join(terms)}",
        f"       {jeopardy}; breach at 100 %",
        f"       escalation: {_ladder(rule.ladder)}",
    ]


def _information_request(terms: InformationRequestTerms) -> list[str]:
    """What the rule says of a question to the customer: nothing when it sets no limit."""
    if terms.respond_within is None and terms.remind_after is None:
        return []
    parts = []
    if terms.respond_within is not None:
        parts.append(f"answer within {format_duration(terms.respond_within)}")
    if terms.remind_after is not None:
        parts.append(f"reminded after {format_duration(terms.remind_after)}")
    parts.append(f"then {terms.on_no_response.value}")
    return [f"a question to the customer: {', '.join(parts)}"]


def _match(rule: SlaRule) -> str:
    match = rule.match
    if match.matches_everything:
        return "every report (default)"
    fields = [
        ("priority", sorted(map(str, match.priorities))),
        ("severity", sorted(match.severities)),
        ("segment", sorted(match.segments)),
        ("ticket type", sorted(match.ticket_types)),
    ]
    return ", ".join(f"{name} {' or '.join(values)}" for name, values in fields if values)


def _ladder(ladder: EscalationLadder) -> str:
    steps = []
    after = ""
    for level in ladder.levels:
        steps.append(f"{after}L{level.level} {level.kind} {level.target}")
        after = f"+{format_duration(level.repeat_after)} " if level.repeat_after else ""
    if after:
        bound = ladder.levels[-1].max_repeats
        limit = "" if bound is None else f", at most {bound} times"
        steps[-1] += f" (again every {after.strip(' +')}{limit})"
    calls = ", ".join(steps) or "none"
    return f"{calls}; delegation failure → {ladder.delegation_failure_target}"


def _ola(ola: PartnerOla) -> str:
    name = ola.partner or "default"
    further = "".join(
        f", {rung.target} +{format_duration(rung.after)}"
        + (
            f" (again every {format_duration(rung.repeat_after)}, at most {rung.max_repeats} times)"
            if rung.repeat_after is not None
            else ""
        )
        for rung in ola.ladder
    )
    return f"  {name:<14} resolve within {_duration(ola.resolution, ola.calendar)} on " + (
        f"{ola.calendar.name}, then escalate to {ola.escalate_to}{further}"
    )


def _duration(duration: timedelta, calendar: Calendar) -> str:
    """With the working days it amounts to, where a day of the calendar is not 24 hours."""
    text = format_duration(duration)
    if not isinstance(calendar, BusinessCalendar):
        return text
    open_days = [sum((h.closes - h.opens for h in hours), timedelta()) for hours in calendar.week]
    per_day = sum(open_days, timedelta()) / sum(1 for day in open_days if day)
    return f"{text} (≈ {duration / per_day:.1f} working days of {format_duration(per_day)})"
