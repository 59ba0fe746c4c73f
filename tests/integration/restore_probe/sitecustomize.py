"""Loaded into worker children by ``test_restore_gate_e2e`` (through ``PYTHONPATH``), and
inert unless ``PT_RESTORE_PROBE`` is set.

Two things, neither of which changes what the worker decides:

- a slow group coordinator: every ``AIOKafkaConsumer.committed`` lookup (one per partition
  when Faust seeks its partitions back to their committed offsets after a rebalance) takes
  ``PT_PROBE_OFFSET_FETCH_DELAY`` seconds longer, as on a loaded broker, so the window
  between "input partitions resumed" and "input partitions sought" is wide enough to show
  up in a short test instead of once in a few fault-suite runs;
- a witness: one WARNING line (logger ``restore-probe``) for each input partition whose
  record was handed to the agents, in a generation, before the recovery had sought the
  input partitions and cleared the agent queues (``Recovery.on_recovery_completed`` got
  to ``Consumer.resume_flow``). Such a record can be dropped by that clear, or make
  Faust's gap bookkeeping commit past records no agent saw.
"""

from __future__ import annotations

import os
from typing import Any


def _install() -> None:
    import asyncio
    import logging

    from aiokafka import AIOKafkaConsumer
    from faust.tables.recovery import Recovery
    from faust.transport import consumer as faust_consumer

    log = logging.getLogger("restore-probe")
    state: dict[str, Any] = {"open": False, "completing": False, "seen": set()}
    delay = float(os.environ.get("PT_PROBE_OFFSET_FETCH_DELAY", "0"))

    if delay > 0:
        committed = AIOKafkaConsumer.committed

        async def slow_committed(self: Any, partition: Any) -> Any:
            await asyncio.sleep(delay)
            return await committed(self, partition)

        AIOKafkaConsumer.committed = slow_committed  # type: ignore[method-assign]

    base = faust_consumer.Consumer
    revoked, assigned = base.on_partitions_revoked, base.on_partitions_assigned
    resume_flow, getmany = base.resume_flow, base.getmany
    completed = Recovery.on_recovery_completed

    def close_gate() -> None:
        state["open"] = False
        state["seen"] = set()

    async def on_partitions_revoked(self: Any, tps: Any) -> None:
        close_gate()
        await revoked(self, tps)

    async def on_partitions_assigned(self: Any, tps: Any, generation_id: int = 0) -> None:
        close_gate()
        await assigned(self, tps, generation_id)

    async def on_recovery_completed(self: Any, generation_id: int = 0) -> None:
        state["completing"] = True
        try:
            await completed(self, generation_id)
        finally:
            state["completing"] = False

    def on_resume_flow(self: Any) -> None:
        resume_flow(self)
        if state["completing"]:
            state["open"] = True

    async def witnessed_getmany(self: Any, timeout: float) -> Any:
        async for tp, message in getmany(self, timeout):
            if not state["open"] and not self._is_changelog_tp(tp) and tp not in state["seen"]:
                state["seen"].add(tp)
                log.warning(
                    "input record handed to the agents before its partition was sought",
                    extra={
                        "probe": "early-delivery",
                        "topic": tp.topic,
                        "partition": tp.partition,
                        "offset": message.offset,
                    },
                )
            yield tp, message

    base.on_partitions_revoked = on_partitions_revoked  # type: ignore[method-assign]
    base.on_partitions_assigned = on_partitions_assigned  # type: ignore[method-assign]
    base.resume_flow = on_resume_flow  # type: ignore[method-assign]
    base.getmany = witnessed_getmany  # type: ignore[method-assign]
    Recovery.on_recovery_completed = on_recovery_completed  # type: ignore[method-assign]


if os.environ.get("PT_RESTORE_PROBE"):
    _install()
