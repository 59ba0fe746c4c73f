"""Business calendars: how much SLA time passes between two instants.

Track & Manage Customer Problem measures resolution targets, update intervals, partner
OLAs and the escalation ladder in the business time of a calendar: either around the
clock (``AlwaysOpen``) or in the opening hours of a time zone, minus public holidays
(``BusinessCalendar``). Business time is real elapsed time inside opening hours, so a
window that spans a daylight-saving change is an hour shorter or longer that day.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Protocol
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
FULL_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)


class Calendar(Protocol):
    """When the SLA clock may run."""

    @property
    def name(self) -> str: ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants; zero when ``end`` is not after ``start``."""
        ...

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of business time has passed since
        ``start``."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AlwaysOpen:
    """24x7: every second counts."""

    name: str = "24x7"

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, ZERO)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + _non_negative(duration)


@dataclass(frozen=True, slots=True, order=True)
class OpenHours:
    """One opening window of a weekday in local wall time, as offsets from midnight;
    ``closes`` may be 24:00. Windows never span midnight: split them over two days."""

    opens: timedelta
    closes: timedelta

    def __post_init__(self) -> None:
        if not ZERO <= self.opens < self.closes <= FULL_DAY:
            raise ValueError(f"opening hours must satisfy 00:00 <= opens < closes <= 24:00: {self}")


@dataclass(frozen=True, slots=True)
class _Day:
    """One local date's opening windows as UTC instants, and their total in microseconds."""

    windows: tuple[tuple[datetime, datetime], ...]
    total: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessCalendar:
    """Opening hours per weekday (``week[0]`` is Monday) in an IANA time zone, closed on
    ``holidays``. Deadlines fall inside opening hours and skip nights, weekends and
    holidays; results are UTC instants.

    A window boundary that does not exist on a spring-forward day opens or closes when the
    clock jumps; one that occurs twice on a fall-back day means its first occurrence.
    """

    name: str
    time_zone: str
    week: tuple[tuple[OpenHours, ...], ...]
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _days: dict[date, _Day] = field(init=False, repr=False, compare=False)
    _years: dict[int, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("a business calendar needs opening hours for all 7 weekdays")
        for hours in self.week:
            if any(a.closes > b.opens for a, b in pairwise(hours)):
                raise ValueError(f"opening hours must be sorted and must not overlap: {hours}")
        if not any(self.week):
            raise ValueError(f"calendar {self.name!r} is never open")
        object.__setattr__(self, "_zone", ZoneInfo(self.time_zone))
        object.__setattr__(self, "_days", {})
        object.__setattr__(self, "_years", {})

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        if end <= start:
            return ZERO
        first, last = self._local_date(start), self._local_date(end)
        before_start = _within(self._day(first), start)
        if first == last:
            micros = _within(self._day(last), end) - before_start
        else:
            micros = (
                self._day(first).total
                - before_start
                + self._sum_days(first + FULL_DAY, last)
                + _within(self._day(last), end)
            )
        return timedelta(microseconds=max(micros, 0))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        needed = _micros(_non_negative(duration))
        if needed == 0:
            return start
        today = self._local_date(start)
        day = self._day(today)
        reached = _within(day, start) + needed
        if reached <= day.total:
            return _instant_within(day, reached)
        target_day, rest = self._day_reaching(today + FULL_DAY, reached - day.total)
        return _instant_within(self._day(target_day), rest)

    def _local_date(self, instant: datetime) -> date:
        if instant.tzinfo is None:
            raise ValueError(f"business time needs an aware datetime, got {instant}")
        return instant.astimezone(self._zone).date()

    def _day(self, local: date) -> _Day:
        cached = self._days.get(local)
        if cached is None:
            cached = self._days[local] = self._build_day(local)
        return cached

    def _build_day(self, local: date) -> _Day:
        hours = () if local in self.holidays else self.week[local.weekday()]
        midnight = datetime(local.year, local.month, local.day)
        windows = tuple(
            (self._to_utc(midnight + h.opens), self._to_utc(midnight + h.closes)) for h in hours
        )
        return _Day(windows, sum(_micros(end - start) for start, end in windows))

    def _to_utc(self, wall: datetime) -> datetime:
        instant = wall.replace(tzinfo=self._zone).astimezone(UTC)
        if instant.astimezone(self._zone).replace(tzinfo=None) == wall:
            return instant
        return self._clock_jump(wall, after_jump=instant)

    def _clock_jump(self, wall: datetime, after_jump: datetime) -> datetime:
        """The instant the clocks sprang forward over the non-existent ``wall`` time."""
        before_jump = wall.replace(tzinfo=self._zone, fold=1).astimezone(UTC)
        new_offset = after_jump.astimezone(self._zone).utcoffset()
        while after_jump - before_jump > _SECOND:
            middle = before_jump + (after_jump - before_jump) // _SECOND // 2 * _SECOND
            if middle.astimezone(self._zone).utcoffset() == new_offset:
                after_jump = middle
            else:
                before_jump = middle
        return after_jump

    def _year(self, year: int) -> list[int]:
        """Business microseconds from 1 January up to the start of each day of ``year``."""
        table = self._years.get(year)
        if table is None:
            table = [0]
            day = date(year, 1, 1)
            while day.year == year:
                table.append(table[-1] + self._day(day).total)
                day += FULL_DAY
            self._years[year] = table
        return table

    def _before(self, local: date) -> int:
        return self._year(local.year)[local.toordinal() - date(local.year, 1, 1).toordinal()]

    def _sum_days(self, first: date, stop: date) -> int:
        """Business microseconds of the whole days from ``first`` up to, not including,
        ``stop``."""
        total = -self._before(first)
        for year in range(first.year, stop.year):
            total += self._year(year)[-1]
        return total + self._before(stop)

    def _day_reaching(self, first: date, needed: int) -> tuple[date, int]:
        """The day on which ``needed`` business microseconds, counted from the start of
        ``first``, run out, and how many of them fall on that day."""
        year, target = first.year, self._before(first) + needed
        while True:
            table = self._year(year)
            if target <= table[-1]:
                index = bisect_left(table, target) - 1
                return date(year, 1, 1) + index * FULL_DAY, target - table[index]
            target -= table[-1]
            year += 1


def _within(day: _Day, instant: datetime) -> int:
    """Business microseconds of ``day`` that passed before ``instant``."""
    total = 0
    for start, end in day.windows:
        if instant <= start:
            break
        total += _micros(min(instant, end) - start)
    return total


def _instant_within(day: _Day, reached: int) -> datetime:
    """The earliest instant of ``day`` before which ``reached`` (> 0) business
    microseconds of that day have passed."""
    *earlier, (last_start, _) = day.windows
    for start, end in earlier:
        length = _micros(end - start)
        if reached <= length:
            return start + timedelta(microseconds=reached)
        reached -= length
    return last_start + timedelta(microseconds=reached)


def _micros(duration: timedelta) -> int:
    return duration // _MICROSECOND


def _non_negative(duration: timedelta) -> timedelta:
    if duration < ZERO:
        raise ValueError(f"business time cannot be negative: {duration}")
    return duration
