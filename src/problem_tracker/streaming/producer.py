"""The worker's sends and commits, as Faust and aiokafka do them.

A record is handed to Faust's producer (aiokafka batches it); Faust flushes the producer
before it commits the consumer's offsets, so an input is committed only after all it
caused was delivered. A delivery that fails for good (after the producer's own retries,
``producer_request_timeout``) cannot be retried by us without reordering: the worker
crashes instead, before committing, and the inputs since the last commit are read again
and their kept records replayed (``processors.AggregateTable.replay``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import faust
from faust.types import TP

from problem_tracker.contracts.stored import SentRecord
from problem_tracker.observability.metrics import Metrics

Committed = Callable[[str, int], int | None]

log = logging.getLogger(__name__)


class FaustSender:
    """Sends through the app's producer; a lost delivery stops the worker uncommitted."""

    def __init__(self, app: faust.App, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics
        self._crashing: asyncio.Future[None] | None = None

    async def send(self, record: SentRecord) -> None:
        delivery = await self._app.producer.send(
            record.topic,
            record.key,
            record.value,
            record.partition,
            record.timestamp,
            list(record.headers) or None,
        )
        if isinstance(delivery, asyncio.Future):
            delivery.add_done_callback(lambda done: self._delivered(record.topic, done))

    def _delivered(self, topic: str, done: asyncio.Future[object]) -> None:
        if done.cancelled() or done.exception() is None:
            return
        error = done.exception()
        self._metrics.send_failures.labels(topic).inc()
        log.critical(
            "a record was not delivered; the worker stops before committing, and replays it "
            "on restart",
            extra={"topic": topic, "error": repr(error)},
        )
        self._crashing = asyncio.ensure_future(
            self._app.crash(error or RuntimeError("delivery failed"))
        )


def committed_offsets(app: faust.App) -> Committed:
    """``Shell.committed`` for a worker: the offset its consumer last committed (or found
    committed when the partition was assigned), ``None`` while it knows none."""

    def committed(topic: str, partition: int) -> int | None:
        offsets = getattr(app.consumer, "_committed_offset", None)
        if offsets is None:
            return None
        offset = offsets.get(TP(topic, partition))
        return offset if isinstance(offset, int) else None

    return committed
