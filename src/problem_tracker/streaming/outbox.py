"""Everything the worker sends: wire messages, internal commands and dead letters.

Sends go through Faust's producer, which buffers them and flushes before the consumer
commits, so an input's offset is committed only once all it caused (DLQ entries included)
has been handed to Kafka.

With ``exactly_once`` everything an input causes must share the input's transaction. Faust
picks a transaction by the *destination* partition, which is only right when the output
lands on the input's partition; our outputs are keyed by other ids (a service id, a
request id), so they would wait in another partition's transaction, to be committed when
that partition next commits or aborted on timeout. Here every send names the transaction
of the record being processed; a send outside any record (a timer) needs no atomicity
and goes through the plain producer.

Every send to an internal topic names its partition (``partitioning.partition_for``): the
worker, not a producer default, decides where a report's or a service's records go.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import faust
from faust.types import AppT, TopicT

from problem_tracker.application.ports import Clock
from problem_tracker.application.routing import ToServiceTrouble
from problem_tracker.contracts.codec import encode, headers_for
from problem_tracker.contracts.dlq import DEFAULT_DLQ_MAX_RECORD_BYTES, dlq_headers, dlq_record
from problem_tracker.contracts.from_domain import OutboundMessage
from problem_tracker.contracts.internal import Origin, encode_internal
from problem_tracker.contracts.outcomes import Rejection
from problem_tracker.contracts.registry import Channel
from problem_tracker.domain.commands import ReportCommand
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.partitioning import origin_header, partition_for
from problem_tracker.streaming.topics import Topics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Consumed:
    """One record as it was consumed: where it came from and its raw bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    def header(self, name: str) -> bytes | None:
        return next((value for key, value in self.headers if key == name), None)

    @property
    def origin(self) -> Origin:
        return Origin(
            topic=self.topic,
            partition=self.partition,
            offset=self.offset,
            key=self.key,
            value=self.value,
        )


class Outbox:
    """Sends through the app's topics; counts what it sends."""

    def __init__(
        self,
        topics: Topics,
        metrics: Metrics,
        clock: Clock,
        partitions: int,
        dlq_max_record_bytes: int = DEFAULT_DLQ_MAX_RECORD_BYTES,
        dlq_retry_seconds: float = 0.5,
    ) -> None:
        self._topics = topics
        self._partitions = partitions
        self._dlq_max_record_bytes = dlq_max_record_bytes
        self._dlq_retry_seconds = dlq_retry_seconds
        self._metrics = metrics
        self._clock = clock
        self._by_channel: dict[Channel, TopicT] = {
            Channel.SERVICE_TROUBLE_REQUESTS: topics.service_trouble_requests,
            Channel.PARTNER_PROBLEM_REQUESTS: topics.partner_problem_requests,
            Channel.NOTIFICATIONS: topics.notifications,
            Channel.ESCALATIONS: topics.escalations,
        }

    async def publish(self, messages: Iterable[OutboundMessage]) -> None:
        for message in messages:
            event_type = message.envelope.event_type
            await self._send(
                self._by_channel[message.channel],
                message.key.encode(),
                encode(message.envelope),
                headers_for(event_type),
            )
            self._metrics.messages_out.labels(message.channel.value, event_type).inc()

    async def dead_letter(self, origin: Origin, rejection: Rejection) -> None:
        """Write the DLQ record, retrying until it is written: the record's partition waits
        (nothing after it is processed or committed) rather than losing it."""
        record = dlq_record(
            origin.topic,
            origin.partition,
            origin.offset,
            origin.key,
            origin.value,
            rejection,
            self._clock.now(),
            self._dlq_max_record_bytes,
        )
        failures = 0
        while True:
            try:
                await self._send(self._topics.dlq, origin.key, record, dlq_headers())
                break
            except Exception as exc:
                failures += 1
                self._metrics.dead_letter_send_failures.inc()
                delay = min(30.0, self._dlq_retry_seconds * 2 ** min(failures - 1, 6))
                log.error(
                    "dead letter not written; the partition waits and retries",
                    extra={"topic": origin.topic, "offset": origin.offset, "error": repr(exc)},
                )
                await asyncio.sleep(delay)
        self._metrics.dead_letters.labels(origin.topic, rejection.code.value).inc()

    async def repartition(self, record: Consumed) -> None:
        """Forward an upstream customer event, bytes untouched, to its report's partition."""
        await self._send_internal(
            self._topics.customer_events_repartitioned,
            record.key,
            record.value,
            [origin_header(record.topic, record.partition, record.offset)],
        )

    async def to_reports(
        self, commands: Iterable[ReportCommand], origin: Origin | None, *, relayed: bool = False
    ) -> None:
        for command in commands:
            await self._send_internal(
                self._topics.report_commands,
                command.report_id.encode(),
                encode_internal(command, origin, relayed=relayed),
            )

    async def to_service_troubles(
        self, routed: Iterable[ToServiceTrouble], origin: Origin | None, *, relayed: bool = False
    ) -> None:
        for item in routed:
            await self._send_internal(
                self._topics.service_trouble_commands,
                item.service_id.encode(),
                encode_internal(item.command, origin, relayed=relayed),
            )

    async def tick(self, report_id: str, encoded_tick: bytes) -> None:
        await self._send_internal(self._topics.report_commands, report_id.encode(), encoded_tick)

    async def _send_internal(
        self,
        topic: TopicT,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        await self._send(topic, key, value, headers, partition_for(key, self._partitions))

    async def _send(
        self,
        topic: TopicT,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]] | None = None,
        partition: int | None = None,
    ) -> None:
        app = topic.app
        if not app.in_transaction:
            await topic.send(key=key, value=value, partition=partition, headers=headers)
            return
        await app.producer.send(
            topic.get_topic_name(),
            key,
            value,
            partition,
            None,
            headers,
            transactional_id=_input_transaction(app),
        )


def _input_transaction(app: AppT) -> str | None:
    """The transaction that commits the offset of the record being processed (Faust's
    ``{app id}-{topic group}-{partition}``), or ``None`` outside any record."""
    event = faust.current_event()
    if event is None:
        return None
    source = event.message.tp
    group = app.assignor.group_for_topic(source.topic)
    return f"{app.conf.id}-{group}-{source.partition}"
