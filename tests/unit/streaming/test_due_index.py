from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from problem_tracker.streaming.due_index import DueIndex, to_epoch_second

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_a_deadline_is_due_only_once_its_second_has_come() -> None:
    index = DueIndex()
    index.schedule("r1", T0 + timedelta(seconds=5))
    assert list(index.pop_due(T0 + timedelta(seconds=4))) == []
    assert list(index.pop_due(T0 + timedelta(seconds=5))) == [("r1", T0 + timedelta(seconds=5))]
    assert len(index) == 0


def test_a_fractional_deadline_rounds_up_so_it_never_fires_early() -> None:
    index = DueIndex()
    index.schedule("r1", T0 + timedelta(seconds=5, milliseconds=1))
    assert list(index.pop_due(T0 + timedelta(seconds=5, milliseconds=500))) == []
    assert [r for r, _ in index.pop_due(T0 + timedelta(seconds=6))] == ["r1"]


def test_rescheduling_replaces_the_earlier_deadline() -> None:
    index = DueIndex()
    index.schedule("r1", T0 + timedelta(seconds=1))
    index.schedule("r1", T0 + timedelta(seconds=10))
    assert list(index.pop_due(T0 + timedelta(seconds=5))) == []
    assert index.next_due() == T0 + timedelta(seconds=10)
    assert [r for r, _ in index.pop_due(T0 + timedelta(seconds=10))] == ["r1"]


def test_clearing_a_deadline_removes_the_report() -> None:
    index = DueIndex()
    index.schedule("r1", T0)
    index.schedule("r1", None)
    assert len(index) == 0
    assert index.next_due() is None
    assert list(index.pop_due(T0 + timedelta(days=1))) == []


def test_rebuild_replaces_the_whole_index() -> None:
    index = DueIndex()
    index.schedule("old", T0)
    index.rebuild([("a", to_epoch_second(T0) + 3), ("b", to_epoch_second(T0) + 1)])
    assert [r for r, _ in index.pop_due(T0 + timedelta(seconds=10))] == ["b", "a"]


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 50) | st.none()),
        max_size=40,
    )
)
def test_every_report_fires_once_at_its_last_scheduled_deadline(
    schedules: list[tuple[str, int | None]],
) -> None:
    index = DueIndex()
    expected: dict[str, int | None] = {}
    for report_id, offset in schedules:
        deadline = None if offset is None else T0 + timedelta(seconds=offset)
        index.schedule(report_id, deadline)
        expected[report_id] = offset
    fired = list(index.pop_due(T0 + timedelta(seconds=60)))
    assert sorted(r for r, _ in fired) == sorted(r for r, o in expected.items() if o is not None)
    for report_id, moment in fired:
        assert moment == T0 + timedelta(seconds=expected[report_id] or 0)
    assert len(index) == 0
