from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from problem_tracker.streaming.due_index import DueIndex, to_slot

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_a_deadline_is_due_only_once_its_second_has_come() -> None:
    index = DueIndex()
    index.schedule("r1", T0 + timedelta(seconds=5))
    assert list(index.pop_due(T0 + timedelta(seconds=4))) == []
    assert list(index.pop_due(T0 + timedelta(seconds=5))) == [("r1", T0 + timedelta(seconds=5))]
    assert len(index) == 0


def test_a_deadline_between_slots_rounds_up_so_it_never_fires_early() -> None:
    index = DueIndex()
    index.schedule("r1", T0 + timedelta(seconds=5, milliseconds=1))
    assert list(index.pop_due(T0 + timedelta(seconds=5, milliseconds=99))) == []
    fired = list(index.pop_due(T0 + timedelta(seconds=5, milliseconds=100)))
    assert fired == [("r1", T0 + timedelta(seconds=5, milliseconds=100))]


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
    index.rebuild([("a", to_slot(T0) + 30), ("b", to_slot(T0) + 10)])
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


def test_a_far_deadline_waits_in_its_bucket_until_its_own_second() -> None:
    index = DueIndex()
    index.schedule("far", T0 + timedelta(days=3, seconds=17))
    index.schedule("near", T0 + timedelta(seconds=2))
    assert [r for r, _ in index.pop_due(T0 + timedelta(seconds=2))] == ["near"]
    assert index.next_due() == T0 + timedelta(days=3, seconds=17)
    assert list(index.pop_due(T0 + timedelta(days=3, seconds=16))) == []
    assert list(index.pop_due(T0 + timedelta(days=3, seconds=17))) == [
        ("far", T0 + timedelta(days=3, seconds=17))
    ]


def test_a_deadline_set_after_its_bucket_was_opened_still_fires() -> None:
    index = DueIndex()
    index.schedule("first", T0 + timedelta(seconds=1))
    assert [r for r, _ in index.pop_due(T0 + timedelta(seconds=1))] == ["first"]
    index.schedule("late", T0 + timedelta(seconds=3))
    index.schedule("late", T0 + timedelta(seconds=5))
    assert index.next_due() == T0 + timedelta(seconds=5)
    assert [r for r, _ in index.pop_due(T0 + timedelta(seconds=10))] == ["late"]


def test_many_reports_fire_in_deadline_order_across_buckets() -> None:
    index = DueIndex()
    offsets = [(i * 37) % 1000 for i in range(1000)]
    for i, offset in enumerate(offsets):
        index.schedule(f"r{i}", T0 + timedelta(seconds=offset))
    fired = list(index.pop_due(T0 + timedelta(seconds=999)))
    assert [moment for _, moment in fired] == sorted(moment for _, moment in fired)
    assert len(fired) == 1000
    assert len(index) == 0


Step = tuple[str, int | None] | int


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(0, 400) | st.none())
        | st.integers(1, 150),
        max_size=60,
    )
)
def test_the_index_agrees_with_a_plain_dict_whatever_the_order_of_schedules_and_pops(
    steps: list[Step],
) -> None:
    index = DueIndex()
    model: dict[str, int] = {}
    now = 0
    for step in steps:
        if isinstance(step, int):
            now += step
            fired = list(index.pop_due(T0 + timedelta(seconds=now)))
            due = {r: o for r, o in model.items() if o <= now}
            assert sorted(fired) == sorted((r, T0 + timedelta(seconds=o)) for r, o in due.items())
            assert [m for _, m in fired] == sorted(m for _, m in fired)
            model = {r: o for r, o in model.items() if o > now}
        else:
            report_id, offset = step
            index.schedule(report_id, None if offset is None else T0 + timedelta(seconds=offset))
            if offset is None:
                model.pop(report_id, None)
            else:
                model[report_id] = offset
        expected = None if not model else T0 + timedelta(seconds=min(model.values()))
        assert index.next_due() == expected
        assert len(index) == len(model)
