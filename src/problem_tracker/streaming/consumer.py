"""Faust's aiokafka consumer, with one rule added: an input partition reaches the agents
only once it was sought to its committed offset in the current generation.

Why (faust-streaming 0.15, aiokafka 0.14; measured on the broker, see issue 10 and
``tests/integration/test_restore_gate_e2e.py``). After every rebalance Faust pauses all
partitions, restores the tables, then, in ``Recovery.on_recovery_completed``, *resumes*
the input partitions, *seeks* them to their committed offsets one round trip at a time,
and *clears* every agent queue (``flow_control.resume()`` clears them). Records reach the
agents through three gaps in that sequence, and Faust's offset bookkeeping turns them
into offsets committed for records no agent ever saw:

- resumed before sought: the fetcher hands over records from wherever the position
  happens to be, before the seek; the queue clear then drops what was handed over and not
  yet processed, and the gap tracking in ``Consumer._drain_messages`` (a record more than
  one past the read offset marks the offsets between as done) or the head check of
  ``Consumer._new_offset`` (one missing offset at the head is taken for a transaction
  marker, faust-streaming#606) lets the commit move past them;
- a paused partition read anyway: aiokafka's ``Fetcher.fetched_records(partitions)``
  treats an empty set as "every partition", and Faust hands it its live set of active
  partitions from another thread; when the set empties while a fetch waits (recovery
  pauses the changelogs it read), the buffered records of paused input partitions are
  taken and dropped, and their positions move on. A fetch asked for before a rebalance
  also waits for the new assignment and then reads what it was asked for, possibly
  after the seek, and those records too are dropped with the position moved past them;
- a full queue's partition re-activated: ``on_buffer_drop`` puts a partition back among
  the active ones whenever its queue drains, paused or not, and ``getmany`` hands over
  records of "buffered" partitions even while paused; a read offset left by a delivery
  cancelled at revocation makes the next records of that partition "older" and dropped.

So here an input partition is *held* when Faust resumes it, *sought* when a seek that
started after the hold completes, and *released* (made active, its stale acks dropped)
only when Faust resumes the flow after that seek, that is after the queues were cleared.
Offsets are committed only for released partitions, fetches ask for a snapshot of the
active partitions (never an empty set), records fetched for a partition not released
are put back (its position rewound to them), and a partition's queue pressure cannot
bring a held partition back. Changelog partitions are left to Faust.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from faust.transport.consumer import RecordMap
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP
from faust.types.transports import ConsumerT


class GatedConsumer(faust_aiokafka.Consumer):
    """The aiokafka consumer with input partitions released only after their seek."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._held: set[TP] = set()
        self._sought: set[TP] = set()
        self._released: set[TP] = set()
        super().__init__(*args, **kwargs)

    # -- the gate ----------------------------------------------------------------------

    def _is_input(self, tp: TP) -> bool:
        return not self._is_changelog_tp(tp)

    def _reset_gate(self) -> None:
        self._held.clear()
        self._sought.clear()
        self._released.clear()
        self._buffered_partitions.clear()

    def released(self) -> frozenset[TP]:
        """Input partitions whose records may reach the agents now."""
        return frozenset(self._released)

    def _release(self) -> None:
        ready = self._held & self._sought & self.assignment()
        if not ready:
            return
        for tp in ready:
            # Acks taken before the seek (a record in flight at revocation, a record of
            # the previous generation skipped) say nothing about what will be read now.
            self._acked.pop(tp, None)
            self._acked_index.pop(tp, None)
            self._gap.pop(tp, None)
        self._held -= ready
        self._released |= ready
        super().resume_partitions(ready)

    # -- Faust's hooks, narrowed --------------------------------------------------------

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        self._reset_gate()
        await super().on_partitions_revoked(revoked)

    async def on_partitions_assigned(self, assigned: set[TP], generation_id: int = 0) -> None:
        self._reset_gate()
        await super().on_partitions_assigned(assigned, generation_id)

    def _set_active_tps(self, tps: set[TP]) -> set[TP]:
        active = super()._set_active_tps(tps)
        active.difference_update(
            {tp for tp in active if self._is_input(tp) and tp not in self._released}
        )
        return active

    def resume_partitions(self, tps: Iterable[TP]) -> None:
        wanted = set(tps)
        held = {tp for tp in wanted if self._is_input(tp) and tp not in self._released}
        self._held |= held
        if wanted - held:
            super().resume_partitions(wanted - held)

    async def perform_seek(self) -> None:
        pending = set(self._held)
        await super().perform_seek()
        self._sought |= pending

    def resume_flow(self) -> None:
        super().resume_flow()
        self._release()

    def on_buffer_full(self, tp: TP) -> None:
        if self._is_input(tp) and tp not in self._released:
            return
        super().on_buffer_full(tp)

    def on_buffer_drop(self, tp: TP) -> None:
        if self._is_input(tp) and tp not in self._released:
            self._buffered_partitions.discard(tp)
            return
        super().on_buffer_drop(tp)

    def _filter_committable_offsets(self, tps: Iterable[TP]) -> dict[TP, int]:
        return super()._filter_committable_offsets(
            [tp for tp in tps if tp in self._released or not self._is_input(tp)]
        )

    async def _getmany(self, active_partitions: set[TP] | None, timeout: float) -> RecordMap:
        if active_partitions is None:
            return await super()._getmany(None, timeout)
        snapshot = set(active_partitions)
        if not snapshot:
            return {}
        records = await super()._getmany(snapshot, timeout)
        # A fetch asked for before a rebalance waits in aiokafka for the new assignment,
        # then reads the partitions it was asked for, sought or not: put such records back
        # (the position moves back to the first of them) instead of dropping them.
        early = {
            tp: batch[0].offset
            for tp, batch in records.items()
            if batch and self._is_input(tp) and tp not in self._released
        }
        if not early:
            return records
        await self._thread.seek_wait(early)
        return {tp: batch for tp, batch in records.items() if tp not in early}


class GatedTransport(faust_aiokafka.Transport):
    """Faust's aiokafka transport, consuming through :class:`GatedConsumer`."""

    Consumer: ClassVar[type[ConsumerT]] = GatedConsumer
