"""In-memory index of the next deadline of every open report this worker owns.

A two-level timing wheel. ``due_second[report_id]`` is the authority, so rescheduling is
O(1) and a stale entry is skipped wherever it is found. Deadlines further out wait in
64-second buckets (one list of ids per bucket); when time reaches a bucket it is opened,
and its live ids move into one-second slots that fire in deadline order (a bucket found
entirely in the past, say after a restart, fires straight away, sorted). A million open
reports with deadlines spread over weeks therefore cost one dict entry, one int and one
list pointer each, not a list or a heap entry per second (BENCHMARKS.md has the measured
bytes per report). The report state itself stays in the table.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from operator import itemgetter

BUCKET_BITS = 6
"""Buckets of 2**6 = 64 seconds."""
_NOTHING_OPENED = -(1 << 62)


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
        self._buckets: dict[int, list[str]] = {}
        self._bucket_heap: list[int] = []
        self._slots: dict[int, list[str]] = {}
        self._slot_heap: list[int] = []
        self._opened = _NOTHING_OPENED
        """Buckets numbered below this have been opened into one-second slots."""

    def __len__(self) -> int:
        return len(self._due_second)

    def schedule(self, report_id: str, deadline: datetime | None) -> None:
        """Set (or with ``None`` clear) the next deadline of a report."""
        if deadline is None:
            self._due_second.pop(report_id, None)
        else:
            self._put(report_id, to_epoch_second(deadline))

    def rebuild(self, entries: Iterable[tuple[str, int]]) -> None:
        """Replace everything with (report id, due epoch second) pairs, e.g. after a rebalance."""
        self.clear()
        for report_id, second in entries:
            self._put(report_id, second)

    def clear(self) -> None:
        self._due_second.clear()
        self._buckets.clear()
        self._bucket_heap.clear()
        self._slots.clear()
        self._slot_heap.clear()
        self._opened = _NOTHING_OPENED

    def pop_due(self, now: datetime) -> Iterator[tuple[str, datetime]]:
        """Remove and yield every (report id, deadline) due at or before ``now``."""
        now_second = int(now.timestamp())
        current = now_second >> BUCKET_BITS
        yield from self._pop_slots(now_second)
        yield from self._pop_whole_buckets(before=current)
        self._open_through(current)
        yield from self._pop_slots(now_second)

    def next_due(self) -> datetime | None:
        """The earliest second that still has a live entry (stale entries are dropped)."""
        while True:
            while self._slot_heap:
                second = self._slot_heap[0]
                if any(self._due_second.get(r) == second for r in self._slots[second]):
                    return from_epoch_second(second)
                heapq.heappop(self._slot_heap)
                del self._slots[second]
            if not self._bucket_heap:
                return None
            self._open_through(self._bucket_heap[0])

    def _put(self, report_id: str, second: int) -> None:
        if self._due_second.get(report_id) == second:
            return
        self._due_second[report_id] = second
        bucket = second >> BUCKET_BITS
        if bucket < self._opened:
            _append(self._slots, self._slot_heap, second, report_id)
        else:
            _append(self._buckets, self._bucket_heap, bucket, report_id)

    def _pop_slots(self, now_second: int) -> Iterator[tuple[str, datetime]]:
        while self._slot_heap and self._slot_heap[0] <= now_second:
            second = heapq.heappop(self._slot_heap)
            moment = from_epoch_second(second)
            for report_id in self._slots.pop(second):
                if self._due_second.get(report_id) == second:
                    del self._due_second[report_id]
                    yield report_id, moment

    def _pop_whole_buckets(self, before: int) -> Iterator[tuple[str, datetime]]:
        """Buckets entirely in the past fire straight from the bucket, in deadline order."""
        due = self._due_second
        while self._bucket_heap and self._bucket_heap[0] < before:
            bucket = heapq.heappop(self._bucket_heap)
            live = {
                report_id: second
                for report_id in self._buckets.pop(bucket)
                if (second := due.get(report_id)) is not None and second >> BUCKET_BITS == bucket
            }
            moments: dict[int, datetime] = {}
            for report_id, second in sorted(live.items(), key=itemgetter(1)):
                if due.get(report_id) == second:
                    del due[report_id]
                    moment = moments.get(second)
                    if moment is None:
                        moment = moments[second] = from_epoch_second(second)
                    yield report_id, moment
        self._opened = max(self._opened, before)

    def _open_through(self, last_bucket: int) -> None:
        """Move the live ids of every bucket up to ``last_bucket`` into one-second slots."""
        while self._bucket_heap and self._bucket_heap[0] <= last_bucket:
            bucket = heapq.heappop(self._bucket_heap)
            for report_id in self._buckets.pop(bucket):
                second = self._due_second.get(report_id)
                if second is not None and second >> BUCKET_BITS == bucket:
                    _append(self._slots, self._slot_heap, second, report_id)
        self._opened = max(self._opened, last_bucket + 1)


def _append(lists: dict[int, list[str]], heap: list[int], key: int, report_id: str) -> None:
    entries = lists.get(key)
    if entries is None:
        lists[key] = [report_id]
        heapq.heappush(heap, key)
    else:
        entries.append(report_id)
