"""Durations in the policy file: short forms, ISO-8601, and how they are shown back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from problem_tracker.policy import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4h", timedelta(hours=4)),
        ("30m", timedelta(minutes=30)),
        ("2d", timedelta(days=2)),
        ("90s", timedelta(seconds=90)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 2h 30m ", timedelta(hours=2, minutes=30)),
        ("PT4H", timedelta(hours=4)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("pt0.5s", timedelta(seconds=0.5)),
        ("P2W", timedelta(weeks=2)),
        (timedelta(minutes=5), timedelta(minutes=5)),
    ],
)
def test_durations_are_read_in_short_or_iso_form(text: object, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not a duration"),
        ("h", "is not a duration"),
        ("4 hours", "is not a duration"),
        ("PT", "is not a duration"),
        ("P4H", "is not a duration"),
        (4, "give a unit"),
        (1.5, "give a unit"),
        (None, "give a unit"),
        ("0s", "longer than zero"),
        (timedelta(0), "longer than zero"),
    ],
)
def test_anything_else_is_refused_with_a_hint(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


@pytest.mark.parametrize(
    ("duration", "shown"),
    [
        (timedelta(days=2), "2d"),
        (timedelta(hours=30), "30h"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(0), "0s"),
    ],
)
def test_durations_are_shown_in_whole_days_or_hours(duration: timedelta, shown: str) -> None:
    assert format_duration(duration) == shown
