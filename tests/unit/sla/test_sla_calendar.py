"""Business calendars: opening hours, nights, weekends, holidays and daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sla_builders import BERLIN, NEW_YORK, H, M, hours, local, office, utc

from problem_tracker.domain.sla.calendar import AlwaysOpen, BusinessCalendar, OpenHours

SANTIAGO = ZoneInfo("America/Santiago")
CHRISTMAS = frozenset(
    {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31), date(2027, 1, 1)}
)


def one_window_every_day(window: str, zone: str = "Europe/Berlin") -> BusinessCalendar:
    return BusinessCalendar(name="daily", time_zone=zone, week=((hours(window),),) * 7)


# --- around the clock ---------------------------------------------------------------


def test_around_the_clock_every_second_counts() -> None:
    start = utc(2026, 3, 28, 12)
    assert AlwaysOpen().elapsed(start, start + 30 * H) == 30 * H
    assert AlwaysOpen().add(start, 30 * H) == start + 30 * H


def test_no_time_passes_backwards() -> None:
    assert AlwaysOpen().elapsed(utc(2026, 1, 2), utc(2026, 1, 1)) == timedelta(0)
    assert office().elapsed(utc(2026, 1, 2), utc(2026, 1, 1)) == timedelta(0)


@pytest.mark.parametrize("calendar", [AlwaysOpen(), office()], ids=["24x7", "office"])
def test_business_time_cannot_be_added_negatively(calendar: AlwaysOpen | BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        calendar.add(utc(2026, 1, 1), -M)


# --- opening hours, nights, weekends ---------------------------------------------------


def test_time_inside_opening_hours_counts_fully() -> None:
    monday = local(BERLIN, 2026, 11, 23, 9)
    assert office().elapsed(monday, monday + 3 * H) == 3 * H


def test_the_night_does_not_count() -> None:
    assert (
        office().elapsed(local(BERLIN, 2026, 11, 23, 17), local(BERLIN, 2026, 11, 24, 9)) == 2 * H
    )


def test_the_weekend_does_not_count() -> None:
    friday, monday = local(BERLIN, 2026, 11, 27, 17), local(BERLIN, 2026, 11, 30, 9)
    assert office().elapsed(friday, monday) == 2 * H


def test_time_before_opening_does_not_count() -> None:
    assert office().elapsed(local(BERLIN, 2026, 11, 23, 6), local(BERLIN, 2026, 11, 23, 7)) == 0 * H


def test_a_deadline_late_in_the_day_moves_to_the_next_morning() -> None:
    assert office().add(local(BERLIN, 2026, 11, 23, 17), 2 * H) == local(BERLIN, 2026, 11, 24, 9)


def test_a_deadline_that_uses_up_the_day_falls_at_closing_time() -> None:
    monday_morning = local(BERLIN, 2026, 11, 23, 8)
    assert office().add(monday_morning, 10 * H) == local(BERLIN, 2026, 11, 23, 18)


def test_a_deadline_set_at_the_weekend_counts_from_monday_opening() -> None:
    saturday = local(BERLIN, 2026, 11, 28, 10)
    assert office().add(saturday, H) == local(BERLIN, 2026, 11, 30, 9)


def test_adding_nothing_leaves_the_instant_alone() -> None:
    saturday = local(BERLIN, 2026, 11, 28, 10)
    assert office().add(saturday, 0 * H) == saturday


def test_a_lunch_break_does_not_count() -> None:
    calendar = BusinessCalendar(
        name="lunch",
        time_zone="America/New_York",
        week=((hours("07:00-12:00"), hours("13:00-19:00")),) * 5 + ((), ()),
    )
    morning = local(NEW_YORK, 2026, 11, 23, 11)
    assert calendar.add(morning, 2 * H) == local(NEW_YORK, 2026, 11, 23, 14)
    assert calendar.add(local(NEW_YORK, 2026, 11, 22, 20), H) == local(NEW_YORK, 2026, 11, 23, 8)
    assert calendar.elapsed(morning, local(NEW_YORK, 2026, 11, 23, 14)) == 2 * H


# --- holidays ----------------------------------------------------------------------------


def test_holidays_do_not_count() -> None:
    calendar = office(holidays=CHRISTMAS)
    christmas_eve = local(BERLIN, 2026, 12, 24, 9)
    assert calendar.elapsed(christmas_eve, local(BERLIN, 2026, 12, 28, 9)) == H


def test_a_deadline_skips_holidays() -> None:
    calendar = office(holidays=CHRISTMAS)
    monday = local(BERLIN, 2026, 12, 21, 8)
    assert calendar.add(monday, 50 * H) == local(BERLIN, 2026, 12, 29, 18)


def test_a_deadline_crosses_new_year_over_holidays() -> None:
    calendar = office(holidays=CHRISTMAS)
    wednesday = local(BERLIN, 2026, 12, 30, 17)
    assert calendar.add(wednesday, 2 * H) == local(BERLIN, 2027, 1, 4, 9)
    assert calendar.elapsed(wednesday, local(BERLIN, 2027, 1, 4, 9)) == 2 * H


def test_deadlines_years_ahead_are_exact() -> None:
    start = local(BERLIN, 2026, 11, 23, 8)
    working_days = 261 * 5  # 261 whole weeks, from Monday 2026-11-23 to Monday 2031-11-24
    deadline = office().add(start, working_days * 10 * H)
    assert deadline == local(BERLIN, 2031, 11, 21, 18)
    assert office().elapsed(start, deadline) == working_days * 10 * H


# --- daylight saving -----------------------------------------------------------------------


def test_office_hours_over_the_spring_forward_weekend_lose_nothing() -> None:
    friday = local(BERLIN, 2026, 3, 27, 17)
    assert office().elapsed(friday, local(BERLIN, 2026, 3, 30, 9)) == 2 * H
    assert office().add(friday, 2 * H) == local(BERLIN, 2026, 3, 30, 9)
    assert office().add(friday, 2 * H) == utc(2026, 3, 30, 7)


def test_office_hours_over_the_fall_back_weekend_gain_nothing() -> None:
    friday = local(BERLIN, 2026, 10, 23, 17)
    assert office().elapsed(friday, local(BERLIN, 2026, 10, 26, 9)) == 2 * H
    assert office().add(friday, 2 * H) == utc(2026, 10, 26, 8)


def test_new_york_office_hours_follow_its_own_daylight_saving_dates() -> None:
    calendar = office(zone="America/New_York")
    friday = local(NEW_YORK, 2026, 3, 6, 17)
    assert calendar.elapsed(friday, local(NEW_YORK, 2026, 3, 9, 9)) == 2 * H
    assert calendar.add(friday, 2 * H) == utc(2026, 3, 9, 13)


@pytest.mark.parametrize(
    ("zone", "day", "length"),
    [
        (BERLIN, date(2026, 3, 29), 23 * H),
        (BERLIN, date(2026, 10, 25), 25 * H),
        (NEW_YORK, date(2026, 3, 8), 23 * H),
        (NEW_YORK, date(2026, 11, 1), 25 * H),
        (BERLIN, date(2026, 6, 1), 24 * H),
    ],
)
def test_a_day_open_around_the_clock_lasts_as_long_as_the_real_day(
    zone: ZoneInfo, day: date, length: timedelta
) -> None:
    calendar = one_window_every_day("00:00-24:00", zone=str(zone))
    midnight = local(zone, day.year, day.month, day.day)
    next_midnight = local(zone, *(day + timedelta(days=1)).timetuple()[:3])
    assert calendar.elapsed(midnight, next_midnight) == length
    assert calendar.add(midnight, length) == next_midnight


def test_a_window_opening_in_the_skipped_hour_opens_when_the_clocks_jump() -> None:
    calendar = one_window_every_day("02:30-06:00")
    jump = utc(2026, 3, 29, 1)  # 02:00 CET became 03:00 CEST
    assert calendar.add(local(BERLIN, 2026, 3, 29, 0), M) == jump + M
    assert calendar.elapsed(local(BERLIN, 2026, 3, 29, 0), local(BERLIN, 2026, 3, 29, 12)) == 3 * H


def test_a_window_spanning_the_repeated_hour_lasts_an_hour_longer() -> None:
    calendar = one_window_every_day("01:00-05:00")
    assert (
        calendar.elapsed(local(BERLIN, 2026, 10, 25, 0), local(BERLIN, 2026, 10, 25, 12)) == 5 * H
    )


def test_a_window_opening_in_the_repeated_hour_opens_at_its_first_occurrence() -> None:
    calendar = one_window_every_day("02:30-04:00")
    first_half_past_two = local(BERLIN, 2026, 10, 25, 2, 30, fold=0)
    assert calendar.add(local(BERLIN, 2026, 10, 25, 0), M) == first_half_past_two + M
    assert calendar.elapsed(local(BERLIN, 2026, 10, 25, 0), local(BERLIN, 2026, 10, 25, 12)) == (
        2 * H + 30 * M
    )


def test_a_day_that_starts_with_a_clock_jump_at_midnight_is_23_hours_long() -> None:
    calendar = one_window_every_day("00:00-24:00", zone="America/Santiago")
    saturday, sunday = local(SANTIAGO, 2026, 9, 5), local(SANTIAGO, 2026, 9, 6, 1)
    monday = local(SANTIAGO, 2026, 9, 7)
    assert calendar.elapsed(saturday, sunday) == 24 * H
    assert calendar.elapsed(sunday, monday) == 23 * H
    assert calendar.add(saturday, 24 * H) == sunday


def test_a_window_inside_the_skipped_hour_is_closed_that_day() -> None:
    calendar = one_window_every_day("00:00-01:00", zone="America/Santiago")
    saturday_noon, sunday_noon = local(SANTIAGO, 2026, 9, 5, 12), local(SANTIAGO, 2026, 9, 6, 12)
    assert calendar.elapsed(saturday_noon, sunday_noon) == 0 * H
    assert calendar.add(saturday_noon, M) == local(SANTIAGO, 2026, 9, 7, 0, 1)


def test_a_day_that_repeats_its_last_hour_is_25_hours_long() -> None:
    calendar = one_window_every_day("00:00-24:00", zone="America/Santiago")
    saturday, sunday = local(SANTIAGO, 2026, 4, 4), local(SANTIAGO, 2026, 4, 5)
    assert calendar.elapsed(saturday, sunday) == 25 * H


# --- what a calendar must be ---------------------------------------------------------------


def test_business_time_needs_aware_instants() -> None:
    with pytest.raises(ValueError, match="aware"):
        office().elapsed(datetime(2026, 1, 1), datetime(2026, 1, 2))


def test_calendars_compare_by_their_definition_not_their_caches() -> None:
    used = office()
    used.elapsed(utc(2026, 1, 1), utc(2026, 6, 1))
    assert used == office()
    assert hash(used) == hash(office())


@pytest.mark.parametrize(
    ("opens", "closes"), [(8 * H, 8 * H), (18 * H, 8 * H), (-H, 2 * H), (20 * H, 25 * H)]
)
def test_opening_hours_open_before_they_close_within_the_day(
    opens: timedelta, closes: timedelta
) -> None:
    with pytest.raises(ValueError, match="opens < closes"):
        OpenHours(opens, closes)


def test_a_calendar_names_all_seven_weekdays() -> None:
    with pytest.raises(ValueError, match="7 weekdays"):
        BusinessCalendar(name="short", time_zone="UTC", week=((hours("08:00-18:00"),),) * 5)


def test_opening_windows_of_a_day_must_not_overlap() -> None:
    day = (hours("08:00-12:00"), hours("11:00-18:00"))
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar(name="overlap", time_zone="UTC", week=(day,) + ((),) * 6)


def test_a_calendar_that_is_never_open_is_refused() -> None:
    with pytest.raises(ValueError, match="never open"):
        BusinessCalendar(name="closed", time_zone="UTC", week=((),) * 7)


def test_deadlines_are_utc_instants() -> None:
    deadline = office().add(local(BERLIN, 2026, 11, 23, 9), H)
    assert deadline.tzinfo is UTC
