"""The shape of the SLA policy file (YAML, camelCase keys), checked by pydantic.

Everything a single value can get wrong is caught here, with the YAML path of the value;
what needs the whole file (references to calendars and ladders, the default rule) is
checked when the document becomes the domain's ``SlaPolicy`` (``convert.py``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import pairwise
from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from problem_tracker.domain.report import Severity
from problem_tracker.domain.sla.policy import EscalationKind, NoResponseAction
from problem_tracker.policy.durations import parse_duration

T = TypeVar("T")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str | int) else value


def _window(value: object) -> object:
    """``"08:00-18:00"`` → (opens, closes) as offsets from local midnight."""
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f"{value!r} is not an opening window: write e.g. '08:00-18:00'")
    opens, closes = (_clock_time(part.strip(), value) for part in value.split("-"))
    if opens >= closes:
        raise ValueError(
            f"{value!r}: a window must close after it opens on the same day; "
            "split a window across midnight over two days, e.g. '22:00-24:00' and '00:00-06:00'"
        )
    return opens, closes


def _clock_time(text: str, window: str) -> timedelta:
    found = _CLOCK.fullmatch(text)
    hours, minutes = (int(found.group(1)), int(found.group(2))) if found else (-1, -1)
    at = timedelta(hours=hours, minutes=minutes)
    if not found or minutes > 59 or not timedelta(0) <= at <= timedelta(hours=24):
        raise ValueError(f"{window!r}: {text!r} is not a time of day between 00:00 and 24:00")
    return at


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown IANA time zone {name!r} (e.g. Europe/Berlin, America/New_York, UTC)"
        ) from None
    return name


def weekdays_of(key: str) -> list[int]:
    """``monday`` → [0]; ``monday-friday`` → [0, 1, 2, 3, 4]."""
    names = key.lower().split("-")
    if len(names) > 2 or any(name not in WEEKDAYS for name in names):
        raise ValueError(
            f"{key!r} is not a weekday: use monday … sunday or a range like monday-friday"
        )
    first, last = WEEKDAYS.index(names[0]), WEEKDAYS.index(names[-1])
    if first > last:
        raise ValueError(f"{key!r}: a range of days runs forward, e.g. monday-friday")
    return list(range(first, last + 1))


OneOrMany = Annotated[tuple[T, ...], BeforeValidator(_one_or_many)]
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Window = Annotated[tuple[timedelta, timedelta], BeforeValidator(_window)]
Name = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class CalendarModel(_Model):
    time_zone: Annotated[str, AfterValidator(_time_zone)]
    hours: dict[str, OneOrMany[Window]]
    holidays: tuple[date, ...] = ()

    @field_validator("hours")
    @classmethod
    def _one_entry_per_day(
        cls, hours: dict[str, tuple[tuple[timedelta, timedelta], ...]]
    ) -> dict[str, tuple[tuple[timedelta, timedelta], ...]]:
        seen: dict[int, str] = {}
        for key, windows in hours.items():
            for day in weekdays_of(key):
                if day in seen:
                    raise ValueError(f"{WEEKDAYS[day]} is given twice: {seen[day]!r} and {key!r}")
                seen[day] = key
            ordered = sorted(windows)
            if any(a[1] > b[0] for a, b in pairwise(ordered)):
                raise ValueError(f"{key!r}: opening windows overlap")
        if not any(hours.values()):
            raise ValueError("the calendar is never open: give at least one opening window")
        return hours


class DelegationFailureModel(_Model):
    target: Name


class LevelModel(_Model):
    kind: EscalationKind
    target: Name
    repeat_after: Duration | None = None
    max_repeats: Annotated[int, Field(ge=0, strict=True)] | None = None


class LadderModel(_Model):
    levels: tuple[LevelModel, ...]
    delegation_failure: DelegationFailureModel


class OlaModel(_Model):
    resolution: Duration
    calendar: Name = "24x7"
    escalate_to: Name | None = None


class PartnerRungModel(_Model):
    target: Name
    after: Duration
    repeat_after: Duration | None = None
    max_repeats: Annotated[int, Field(ge=1, strict=True)] | None = None


class PartnersModel(_Model):
    escalate_to: Name
    ladder: tuple[PartnerRungModel, ...] = ()
    default: OlaModel
    by_partner: dict[str, OlaModel] = {}


class MatchModel(_Model):
    priority: OneOrMany[Annotated[int, Field(ge=1, le=4)]] = ()
    severity: OneOrMany[Severity] = ()
    segment: OneOrMany[Name] = ()
    ticket_type: OneOrMany[Name] = ()


class TargetsModel(_Model):
    resolution: Duration
    customer_update: Duration | None = None


class DelegationModel(_Model):
    retry: Annotated[int, Field(ge=1, strict=True)]
    after: Duration


class InformationRequestModel(_Model):
    respond_within: Duration | None = None
    remind_after: Duration | None = None
    on_no_response: NoResponseAction = NoResponseAction.RESUME


class RuleModel(_Model):
    name: Name
    match: MatchModel | None = None
    targets: TargetsModel
    calendar: Name = "24x7"
    pause_on_held: bool = True
    acknowledge_for: Duration | None = None
    delegation: DelegationModel | None = None
    information_request: InformationRequestModel | None = None
    thresholds: tuple[Annotated[int, Field(gt=0, lt=100)], ...] = (50, 75)
    escalation: Name

    @field_validator("thresholds")
    @classmethod
    def _distinct(cls, thresholds: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(thresholds)) != len(thresholds):
            raise ValueError(f"thresholds must be distinct: {list(thresholds)}")
        return tuple(sorted(thresholds))


class PolicyDocument(_Model):
    version: Literal[1] = 1
    calendars: dict[str, CalendarModel] = {}
    escalation_ladders: dict[str, LadderModel]
    partners: PartnersModel
    rules: tuple[RuleModel, ...]
