"""Timing of simulated traffic: a token bucket for the upstream rate and a schedule of
replies and follow-ups that fall due later.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


class TokenBucket:
    """Allows ``rate`` sends per second on average, bursts of at most ``burst``."""

    def __init__(self, rate: float, *, burst: float | None = None, start: float = 0.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 10)
        self._tokens = 1.0
        self._at = start

    def try_take(self, now: float) -> bool:
        """Take one token if one is available at ``now``."""
        self._refill(now)
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def wait(self, now: float) -> float:
        """Seconds until the next token."""
        self._refill(now)
        return max(0.0, (1.0 - self._tokens) / self.rate)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._at)
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        self._at = max(self._at, now)


@dataclass(order=True)
class _Entry(Generic[T]):
    at: float
    seq: int
    tag: str = field(compare=False)
    item: T = field(compare=False)


class Schedule(Generic[T]):
    """Items due at a time; all items of a tag can be withdrawn at once."""

    def __init__(self) -> None:
        self._heap: list[_Entry[T]] = []
        self._seq = itertools.count()
        self._withdrawn: dict[str, int] = {}

    def add(self, at: float, tag: str, item: T) -> None:
        heapq.heappush(self._heap, _Entry(at, next(self._seq), tag, item))

    def withdraw(self, tag: str) -> None:
        """Drop every item of ``tag`` scheduled so far."""
        self._withdrawn[tag] = next(self._seq)

    def pop_due(self, now: float) -> list[T]:
        """Items due by ``now``, earliest first."""
        due: list[T] = []
        while self._heap and self._heap[0].at <= now:
            entry = heapq.heappop(self._heap)
            if entry.seq > self._withdrawn.get(entry.tag, -1):
                due.append(entry.item)
        return due

    def next_at(self) -> float | None:
        return self._heap[0].at if self._heap else None

    def __len__(self) -> int:
        return sum(1 for e in self._heap if e.seq > self._withdrawn.get(e.tag, -1))
