"""In-memory index of the next deadline of every open report this worker owns.

A timing wheel with one-second slots: ``slots[second]`` lists the report ids due in that
second, and ``due_second[report_id]`` is the authority, so rescheduling is O(1) and stale
slot entries are skipped when their second comes. Only the integer second and a reference
to the id are kept per report, which keeps a million open reports within a few hundred
megabytes; the report state itself stays in the table.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime


def to_epoch_second(moment: datetime) -> int:
    """The whole second at or after ``moment``, so a deadline never fires early."""
    stamp = moment.timestamp()
    whole = int(stamp)
    return whole if whole == stamp else whole + 1


def from_epoch_second(second: int) -> datetime:
    return datetime.fromtimestamp(second, UTC)


class DueIndex:
    """Which report is due when; the single source of ticks for this worker."""

    def __init__(self) -> None:
        self._due_second: dict[str, int] = {}
        self._slots: dict[int, list[str]] = {}
        self._slot_heap: list[int] = []

    def __len__(self) -> int:
        return len(self._due_second)

    def schedule(self, report_id: str, deadline: datetime | None) -> None:
        """Set (or with ``None`` clear) the next deadline of a report."""
        if deadline is None:
            self._due_second.pop(report_id, None)
            return
        second = to_epoch_second(deadline)
        if self._due_second.get(report_id) == second:
            return
        slot = self._slots.get(second)
        if slot is None:
            slot = self._slots[second] = []
            heapq.heappush(self._slot_heap, second)
        self._due_second[report_id] = second
        slot.append(report_id)

    def rebuild(self, entries: Iterable[tuple[str, int]]) -> None:
        """Replace everything with (report id, due epoch second) pairs, e.g. after a rebalance."""
        self.clear()
        for report_id, second in entries:
            self.schedule(report_id, from_epoch_second(second))

    def clear(self) -> None:
        self._due_second.clear()
        self._slots.clear()
        self._slot_heap.clear()

    def pop_due(self, now: datetime) -> Iterator[tuple[str, datetime]]:
        """Remove and yield every (report id, deadline) due at or before ``now``."""
        now_second = int(now.timestamp())
        while self._slot_heap and self._slot_heap[0] <= now_second:
            second = heapq.heappop(self._slot_heap)
            for report_id in self._slots.pop(second, ()):
                if self._due_second.get(report_id) == second:
                    del self._due_second[report_id]
                    yield report_id, from_epoch_second(second)

    def next_due(self) -> datetime | None:
        """The earliest second that still has a live entry (stale slots are skipped)."""
        while self._slot_heap:
            second = self._slot_heap[0]
            if any(self._due_second.get(r) == second for r in self._slots[second]):
                return from_epoch_second(second)
            heapq.heappop(self._slot_heap)
            del self._slots[second]
        return None
