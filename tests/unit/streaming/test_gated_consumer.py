"""The consumer's gate: an input partition reaches the agents only after Faust sought it
to its committed offset and cleared the queues, in the order ``Recovery`` does it
(resume, seek, resume the flow). Changelog partitions are Faust's business."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from faust.types import TP

from problem_tracker.config import Settings, WorkerSettings
from problem_tracker.streaming.app import create_app
from problem_tracker.streaming.consumer import GatedConsumer, GatedTransport

INPUT = TP("customer-problem.events", 0)
OTHER_INPUT = TP("problem-tracker-customer-events-repartition", 1)
CHANGELOG = TP("problem-tracker-reports-changelog", 0)
ASSIGNED = {INPUT, OTHER_INPUT, CHANGELOG}


@pytest.fixture
def consumer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GatedConsumer:
    app = create_app(Settings(worker=WorkerSettings(store="memory://", data_dir=tmp_path)))
    app.Table("reports", partitions=3)
    gated = app.consumer
    assert isinstance(gated, GatedConsumer)
    assert isinstance(app.transport, GatedTransport)
    monkeypatch.setattr(gated, "assignment", lambda: set(ASSIGNED))

    async def seek_to_committed() -> dict[TP, int]:
        return dict.fromkeys(ASSIGNED, 10)

    monkeypatch.setattr(gated, "seek_to_committed", seek_to_committed)
    return gated


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def assign(consumer: GatedConsumer) -> None:
    """What Faust does on an assignment: every partition active, then all paused."""
    consumer._reset_gate()
    consumer._paused_partitions.clear()
    consumer._set_active_tps(set(ASSIGNED))
    consumer.pause_partitions(ASSIGNED)


def active(consumer: GatedConsumer) -> set[TP]:
    return set(consumer._get_active_partitions())


def test_an_assignment_activates_no_input_partition(consumer: GatedConsumer) -> None:
    consumer._set_active_tps(set(ASSIGNED))

    assert active(consumer) == {CHANGELOG}


def test_input_resumed_before_its_seek_is_held_until_the_flow_resumes(
    consumer: GatedConsumer,
) -> None:
    assign(consumer)

    consumer.resume_partitions({INPUT, OTHER_INPUT})
    assert active(consumer) == set()
    run(consumer.perform_seek())
    assert active(consumer) == set(), "sought but the queues were not cleared yet"
    consumer.resume_flow()

    assert active(consumer) == {INPUT, OTHER_INPUT}
    assert consumer.released() == {INPUT, OTHER_INPUT}


def test_a_seek_that_started_before_the_resume_does_not_release(
    consumer: GatedConsumer,
) -> None:
    assign(consumer)
    run(consumer.perform_seek())  # e.g. getmany's seek while the flow was stopped

    consumer.resume_partitions({INPUT})
    consumer.resume_flow()

    assert active(consumer) == set()
    run(consumer.perform_seek())
    consumer.resume_flow()
    assert active(consumer) == {INPUT}


def test_changelog_partitions_are_resumed_at_once(consumer: GatedConsumer) -> None:
    assign(consumer)

    consumer.resume_partitions({CHANGELOG})

    assert active(consumer) == {CHANGELOG}


def test_a_rebalance_closes_the_gate_again(consumer: GatedConsumer) -> None:
    assign(consumer)
    consumer.resume_partitions({INPUT})
    run(consumer.perform_seek())
    consumer.resume_flow()

    assign(consumer)

    assert consumer.released() == frozenset()
    assert active(consumer) == set()


def test_acks_taken_before_the_release_are_forgotten(consumer: GatedConsumer) -> None:
    assign(consumer)
    consumer._acked[INPUT].extend([14, 15])  # a record in flight at revocation, a skip
    consumer._acked_index[INPUT].update({14, 15})

    consumer.resume_partitions({INPUT})
    run(consumer.perform_seek())
    consumer.resume_flow()

    assert not consumer._acked.get(INPUT)
    assert consumer._committed_offset[INPUT] == 10


def test_offsets_are_committed_only_for_released_partitions(consumer: GatedConsumer) -> None:
    assign(consumer)
    consumer._acked[INPUT].extend([10, 11])
    consumer._acked[OTHER_INPUT].extend([10, 11])
    consumer.resume_partitions({OTHER_INPUT})
    run(consumer.perform_seek())
    consumer.resume_flow()
    consumer._acked[OTHER_INPUT].extend([10, 11])

    assert consumer._filter_committable_offsets([INPUT, OTHER_INPUT]) == {OTHER_INPUT: 12}


def test_queue_pressure_cannot_bring_back_a_held_partition(consumer: GatedConsumer) -> None:
    assign(consumer)
    consumer._buffered_partitions.add(INPUT)  # full before the rebalance

    consumer.on_buffer_drop(INPUT)
    consumer.on_buffer_full(OTHER_INPUT)

    assert active(consumer) == set()
    assert consumer._buffered_partitions == set()


def test_queue_pressure_still_throttles_a_released_partition(consumer: GatedConsumer) -> None:
    assign(consumer)
    consumer.resume_partitions({INPUT})
    run(consumer.perform_seek())
    consumer.resume_flow()

    consumer.on_buffer_full(INPUT)
    assert INPUT not in active(consumer)
    consumer.on_buffer_drop(INPUT)
    assert INPUT in active(consumer)


def test_a_fetch_asks_for_a_snapshot_and_never_for_an_empty_set(
    consumer: GatedConsumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[set[TP] | None] = []

    async def getmany(partitions: set[TP] | None, timeout: float) -> dict[TP, list[Any]]:
        asked.append(partitions)
        return {}

    monkeypatch.setattr(consumer._thread, "getmany", getmany)
    live = {CHANGELOG}

    run(consumer._getmany(live, 1.0))
    live.clear()  # paused while the fetch waits: aiokafka would read every partition
    run(consumer._getmany(live, 1.0))

    assert asked == [{CHANGELOG}]
    assert asked[0] is not live


def test_records_fetched_for_a_held_partition_are_put_back(
    consumer: GatedConsumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fetch asked for before the rebalance returns after the seek, for partitions
    not yet released: their records go back (the position rewinds), none is dropped."""
    assign(consumer)
    consumer.resume_partitions({OTHER_INPUT})
    run(consumer.perform_seek())
    consumer.resume_flow()
    rewound: list[dict[TP, int]] = []

    class Record:
        def __init__(self, offset: int) -> None:
            self.offset = offset

    async def getmany(partitions: set[TP] | None, timeout: float) -> dict[TP, list[Any]]:
        return {INPUT: [Record(81), Record(82)], OTHER_INPUT: [Record(10)], CHANGELOG: []}

    async def seek_wait(partitions: dict[TP, int]) -> None:
        rewound.append(dict(partitions))

    monkeypatch.setattr(consumer._thread, "getmany", getmany)
    monkeypatch.setattr(consumer._thread, "seek_wait", seek_wait)

    records = run(consumer._getmany({INPUT, OTHER_INPUT}, 1.0))

    assert set(records) == {OTHER_INPUT, CHANGELOG}
    assert rewound == [{INPUT: 81}]
