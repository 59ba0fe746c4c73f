"""In-memory index of the next deadline of every open report this worker owns.

Time is counted in slots of 100 ms (``SLOT``), so a tick leaves at most one slot after its
deadline plus the timer interval. A two-level timing wheel: ``due_slot[report_id]`` is
the authority, so rescheduling is O(1) and a stale entry is skipped wherever it is found.
Deadlines further out wait in buckets of 512 slots (one list of ids per bucket); when time
reaches a bucket it is opened, and its live ids move into per-slot lists that fire in
deadline order (a bucket found entirely in the past, say after a restart, fires straight
away, sorted). Buckets of 51.2 s keep a million reports with deadlines spread over weeks
at a few dozen per bucket, so each costs one dict entry, one int and one list pointer,
not a list or a heap entry of its own (BENCHMARKS.md has the measured bytes per report).
The report state itself stays in the table.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from operator import itemgetter

SLOT = timedelta(milliseconds=100)
"""The resolution of the index: deadlines are rounded up to a whole slot."""
BUCKET_BITS = 9
"""Buckets of 2**9 = 512 slots (51.2 s)."""
_NOTHING_OPENED = -(1 << 62)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_slot(moment: datetime) -> int:
    """The slot at or after ``moment``, so a deadline never fires early."""
    return -((_EPOCH - moment) // SLOT)


def slot_reached(moment: datetime) -> int:
    """The last slot that has begun at ``moment``."""
    return (moment - _EPOCH) // SLOT


def from_slot(slot: int) -> datetime:
    return _EPOCH + slot * SLOT


class DueIndex:
    """Which report is due when; the single source of ticks for this worker."""

    def __init__(self) -> None:
        self._due_slot: dict[str, int] = {}
        self._buckets: dict[int, list[str]] = {}
        self._bucket_heap: list[int] = []
        self._slots: dict[int, list[str]] = {}
        self._slot_heap: list[int] = []
        self._opened = _NOTHING_OPENED
        """Buckets numbered below this have been opened into per-slot lists."""

    def __len__(self) -> int:
        return len(self._due_slot)

    def schedule(self, report_id: str, deadline: datetime | None) -> None:
        """Set (or with ``None`` clear) the next deadline of a report."""
        if deadline is None:
            self._due_slot.pop(report_id, None)
        else:
            self._put(report_id, to_slot(deadline))

    def rebuild(self, entries: Iterable[tuple[str, int]]) -> None:
        """Replace everything with (report id, due slot) pairs, e.g. after a rebalance."""
        self.clear()
        for report_id, slot in entries:
            self._put(report_id, slot)

    def clear(self) -> None:
        self._due_slot.clear()
        self._buckets.clear()
        self._bucket_heap.clear()
        self._slots.clear()
        self._slot_heap.clear()
        self._opened = _NOTHING_OPENED

    def pop_due(self, now: datetime) -> Iterator[tuple[str, datetime]]:
        """Remove and yield every (report id, deadline) due at or before ``now``."""
        now_slot = slot_reached(now)
        current = now_slot >> BUCKET_BITS
        yield from self._pop_slots(now_slot)
        yield from self._pop_whole_buckets(before=current)
        self._open_through(current)
        yield from self._pop_slots(now_slot)

    def next_due(self) -> datetime | None:
        """The earliest slot that still has a live entry (stale entries are dropped)."""
        while True:
            while self._slot_heap:
                slot = self._slot_heap[0]
                if any(self._due_slot.get(r) == slot for r in self._slots[slot]):
                    return from_slot(slot)
                heapq.heappop(self._slot_heap)
                del self._slots[slot]
            if not self._bucket_heap:
                return None
            self._open_through(self._bucket_heap[0])

    def _put(self, report_id: str, slot: int) -> None:
        if self._due_slot.get(report_id) == slot:
            return
        self._due_slot[report_id] = slot
        bucket = slot >> BUCKET_BITS
        if bucket < self._opened:
            _append(self._slots, self._slot_heap, slot, report_id)
        else:
            _append(self._buckets, self._bucket_heap, bucket, report_id)

    def _pop_slots(self, now_slot: int) -> Iterator[tuple[str, datetime]]:
        while self._slot_heap and self._slot_heap[0] <= now_slot:
            slot = heapq.heappop(self._slot_heap)
            moment = from_slot(slot)
            for report_id in self._slots.pop(slot):
                if self._due_slot.get(report_id) == slot:
                    del self._due_slot[report_id]
                    yield report_id, moment

    def _pop_whole_buckets(self, before: int) -> Iterator[tuple[str, datetime]]:
        """Buckets entirely in the past fire straight from the bucket, in deadline order."""
        due = self._due_slot
        while self._bucket_heap and self._bucket_heap[0] < before:
            bucket = heapq.heappop(self._bucket_heap)
            live = {
                report_id: slot
                for report_id in self._buckets.pop(bucket)
                if (slot := due.get(report_id)) is not None and slot >> BUCKET_BITS == bucket
            }
            moments: dict[int, datetime] = {}
            for report_id, slot in sorted(live.items(), key=itemgetter(1)):
                if due.get(report_id) == slot:
                    del due[report_id]
                    moment = moments.get(slot)
                    if moment is None:
                        moment = moments[slot] = from_slot(slot)
                    yield report_id, moment
        self._opened = max(self._opened, before)

    def _open_through(self, last_bucket: int) -> None:
        """Move the live ids of every bucket up to ``last_bucket`` into per-slot lists."""
        while self._bucket_heap and self._bucket_heap[0] <= last_bucket:
            bucket = heapq.heappop(self._bucket_heap)
            for report_id in self._buckets.pop(bucket):
                slot = self._due_slot.get(report_id)
                if slot is not None and slot >> BUCKET_BITS == bucket:
                    _append(self._slots, self._slot_heap, slot, report_id)
        self._opened = max(self._opened, last_bucket + 1)


def _append(lists: dict[int, list[str]], heap: list[int], key: int, report_id: str) -> None:
    entries = lists.get(key)
    if entries is None:
        lists[key] = [report_id]
        heapq.heappush(heap, key)
    else:
        entries.append(report_id)
