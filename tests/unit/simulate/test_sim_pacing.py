import pytest

from problem_tracker.simulate.pacing import Schedule, TokenBucket


def test_the_bucket_paces_sends_to_the_rate() -> None:
    bucket = TokenBucket(20.0)
    sent = sum(bucket.try_take(step / 1000) for step in range(0, 2000))
    assert 39 <= sent <= 42


def test_the_bucket_says_how_long_until_the_next_send() -> None:
    bucket = TokenBucket(4.0)
    assert bucket.try_take(0.0)
    assert not bucket.try_take(0.0)
    assert bucket.wait(0.0) == pytest.approx(0.25)


def test_an_idle_bucket_allows_only_a_bounded_burst() -> None:
    bucket = TokenBucket(100.0, burst=5)
    assert sum(bucket.try_take(60.0) for _ in range(50)) == 5


def test_a_bucket_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)


def test_the_schedule_hands_out_due_items_earliest_first() -> None:
    schedule: Schedule[str] = Schedule()
    schedule.add(2.0, "a", "late")
    schedule.add(1.0, "b", "early")
    schedule.add(9.0, "c", "future")
    assert schedule.pop_due(5.0) == ["early", "late"]
    assert schedule.next_at() == 9.0
    assert len(schedule) == 1


def test_withdrawing_a_tag_drops_what_it_had_scheduled_but_not_what_comes_after() -> None:
    schedule: Schedule[str] = Schedule()
    schedule.add(1.0, "req", "resolved")
    schedule.add(1.0, "other", "kept")
    schedule.withdraw("req")
    schedule.add(2.0, "req", "cancelled")
    assert len(schedule) == 2
    assert schedule.pop_due(5.0) == ["kept", "cancelled"]
