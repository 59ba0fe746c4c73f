"""/ready tells the truth: not ready before the first assignment, nor while partitions move."""

from __future__ import annotations

import threading

from problem_tracker.streaming.views import Readiness


def test_a_worker_is_not_ready_while_its_group_rebalances() -> None:
    loaded = threading.Event()
    loaded.set()
    moving = [False]
    readiness = Readiness(loaded, rebalancing=lambda: moving[0])

    assert readiness.problems() == ["partitions not assigned and recovered yet"]
    readiness.rebalanced = True
    assert readiness.problems() == []
    moving[0] = True
    assert readiness.problems() == ["the group is rebalancing: partitions are moving"]
    moving[0] = False
    assert readiness.problems() == []
