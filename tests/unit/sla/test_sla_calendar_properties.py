"""Properties of business time that every calendar must have, whatever its hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from problem_tracker.domain.sla.calendar import AlwaysOpen, BusinessCalendar, Calendar, OpenHours

ZONES = ["Europe/Berlin", "America/New_York", "America/Santiago", "Australia/Lord_Howe", "UTC"]
QUARTER = timedelta(minutes=15)


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[OpenHours, ...]:
    marks = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
    pairs = zip(marks[::2], marks[1::2], strict=False)
    return tuple(OpenHours(a * QUARTER, b * QUARTER) for a, b in pairs if a < b)


@st.composite
def business_calendars(draw: st.DrawFn) -> BusinessCalendar:
    week = tuple(draw(day_hours()) for _ in range(7))
    if not any(week):
        week = ((OpenHours(9 * 4 * QUARTER, 17 * 4 * QUARTER),), *week[1:])
    holidays = draw(st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=20))
    return BusinessCalendar(
        name="drawn", time_zone=draw(st.sampled_from(ZONES)), week=week, holidays=holidays
    )


calendars = st.one_of(st.just(AlwaysOpen()), business_calendars())
instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))
durations = st.timedeltas(timedelta(0), timedelta(days=120))


@settings(max_examples=200, deadline=None)
@given(calendars, instants, instants, instants)
def test_business_time_is_never_negative_and_grows_with_the_end(
    calendar: Calendar, start: datetime, end: datetime, later: datetime
) -> None:
    end, later = sorted((end, later))
    assert calendar.elapsed(start, end) >= timedelta(0)
    assert calendar.elapsed(start, end) <= calendar.elapsed(start, later)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, instants, instants)
def test_business_time_adds_up_over_consecutive_intervals(
    calendar: Calendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    assert calendar.elapsed(a, b) + calendar.elapsed(b, c) == calendar.elapsed(a, c)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, durations)
def test_a_deadline_is_the_earliest_instant_with_that_much_business_time(
    calendar: Calendar, start: datetime, duration: timedelta
) -> None:
    deadline = calendar.add(start, duration)
    assert calendar.elapsed(start, deadline) == duration
    if duration:
        assert calendar.elapsed(start, deadline - timedelta(microseconds=1)) < duration


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(ZONES), instants, instants)
def test_a_calendar_open_all_day_every_day_is_around_the_clock(
    zone: str, start: datetime, end: datetime
) -> None:
    whole_day = (OpenHours(timedelta(0), timedelta(days=1)),)
    calendar = BusinessCalendar(name="all day", time_zone=zone, week=(whole_day,) * 7)
    assert calendar.elapsed(start, end) == AlwaysOpen().elapsed(start, end)
    assert calendar.add(start, end - start if end > start else timedelta(0)) == max(start, end)
