"""Everything the worker sends: wire messages, internal commands and dead letters.

Building a record and sending it are two steps. A decision's records are built first,
kept with the state that decision saved (``contracts.stored``), then sent; a redelivered
input sends the kept records again, byte for byte. Faust flushes the producer before the
consumer commits, so an input's offset is committed only once all it caused has reached
Kafka. A record the producer refuses is retried with backoff, holding its partition: a
failed send is never skipped.

Every send to an internal topic names its partition (``partitioning.partition_for``): the
worker, not a producer default, decides where a report's or a service's records go.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from problem_tracker.application.ports import Clock
from problem_tracker.application.routing import ToServiceTrouble
from problem_tracker.contracts.codec import encode, headers_for
from problem_tracker.contracts.dlq import DEFAULT_DLQ_MAX_RECORD_BYTES, dlq_headers, dlq_record
from problem_tracker.contracts.outcomes import Rejection
from problem_tracker.contracts.registry import Channel
from problem_tracker.contracts.stored import SentRecord
from problem_tracker.domain.commands import ReportCommand
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.partitioning import origin_header, partition_for
from problem_tracker.translation.from_domain import OutboundMessage
from problem_tracker.translation.internal import Origin, encode_internal

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Consumed:
    """One record as it was consumed: where it came from, its raw bytes and its time."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    timestamp: float | None = None
    """Seconds since the epoch, as Kafka stored it (``None`` when unknown)."""

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


@dataclass(frozen=True, slots=True)
class OutboxTopics:
    """The names of the topics the worker writes to."""

    service_trouble_requests: str
    partner_problem_requests: str
    notifications: str
    escalations: str
    dlq: str
    customer_events_repartitioned: str
    report_commands: str
    service_trouble_commands: str


class Sender(Protocol):
    """Hands one record to the producer (``faust_sender`` in a worker)."""

    async def send(self, record: SentRecord) -> None: ...


class Outbox:
    """Builds the records the worker sends, sends them, and counts them."""

    def __init__(
        self,
        topics: OutboxTopics,
        sender: Sender,
        metrics: Metrics,
        clock: Clock,
        partitions: int,
        dlq_max_record_bytes: int = DEFAULT_DLQ_MAX_RECORD_BYTES,
        retry_seconds: float = 0.5,
    ) -> None:
        self.topics = topics
        self._sender = sender
        self._partitions = partitions
        self._dlq_max_record_bytes = dlq_max_record_bytes
        self._retry_seconds = retry_seconds
        self._metrics = metrics
        self._clock = clock
        self._by_channel: dict[Channel, str] = {
            Channel.SERVICE_TROUBLE_REQUESTS: topics.service_trouble_requests,
            Channel.PARTNER_PROBLEM_REQUESTS: topics.partner_problem_requests,
            Channel.NOTIFICATIONS: topics.notifications,
            Channel.ESCALATIONS: topics.escalations,
        }

    def messages(self, messages: Iterable[OutboundMessage], at: datetime) -> list[SentRecord]:
        records = []
        for message in messages:
            event_type = message.envelope.event_type
            records.append(
                SentRecord(
                    self._by_channel[message.channel],
                    None,
                    message.key.encode(),
                    encode(message.envelope),
                    tuple(headers_for(event_type)),
                    at.timestamp(),
                )
            )
            self._metrics.messages_out.labels(message.channel.value, event_type).inc()
        return records

    def dead_letter_record(self, origin: Origin, rejection: Rejection, at: datetime) -> SentRecord:
        value = dlq_record(
            origin.topic,
            origin.partition,
            origin.offset,
            origin.key,
            origin.value,
            rejection,
            at,
            self._dlq_max_record_bytes,
        )
        self._metrics.dead_letters.labels(origin.topic, rejection.code.value).inc()
        return SentRecord(
            self.topics.dlq, None, origin.key, value, tuple(dlq_headers()), at.timestamp()
        )

    def report_commands(
        self,
        commands: Iterable[ReportCommand],
        origin: Origin | None,
        at: datetime,
        *,
        relayed: bool = False,
    ) -> list[SentRecord]:
        return [
            self._internal(
                self.topics.report_commands,
                command.report_id.encode(),
                encode_internal(command, origin, relayed=relayed),
                at,
            )
            for command in commands
        ]

    def service_trouble_commands(
        self,
        routed: Iterable[ToServiceTrouble],
        origin: Origin | None,
        at: datetime,
        *,
        relayed: bool = False,
    ) -> list[SentRecord]:
        return [
            self._internal(
                self.topics.service_trouble_commands,
                item.service_id.encode(),
                encode_internal(item.command, origin, relayed=relayed),
                at,
            )
            for item in routed
        ]

    async def dead_letter(self, origin: Origin, rejection: Rejection) -> None:
        """Dead-letter a record no decision was taken on (it could not be read)."""
        await self.send([self.dead_letter_record(origin, rejection, self._clock.now())])

    async def repartition(self, record: Consumed) -> None:
        """Forward an upstream customer event, bytes untouched, to its report's partition."""
        header = origin_header(record.topic, record.partition, record.offset)
        forwarded = self._internal(
            self.topics.customer_events_repartitioned,
            record.key,
            record.value,
            self._clock.now(),
            (header,),
        )
        await self.send([forwarded])

    async def relay_to_reports(self, commands: Iterable[ReportCommand], origin: Origin) -> None:
        await self.send(self.report_commands(commands, origin, self._clock.now(), relayed=True))

    async def relay_to_service_troubles(
        self, routed: Iterable[ToServiceTrouble], origin: Origin
    ) -> None:
        now = self._clock.now()
        await self.send(self.service_trouble_commands(routed, origin, now, relayed=True))

    async def tick(self, report_id: str, encoded_tick: bytes) -> None:
        tick = self._internal(
            self.topics.report_commands, report_id.encode(), encoded_tick, self._clock.now()
        )
        await self.send([tick])

    async def send(self, records: Sequence[SentRecord]) -> None:
        """Hand each record to the producer, in order. One that is refused is retried until
        it is taken: its partition waits (nothing after it is processed or committed)
        rather than lose it."""
        for record in records:
            failures = 0
            while True:
                try:
                    await self._sender.send(record)
                    break
                except Exception as exc:
                    failures += 1
                    self._metrics.send_failures.labels(record.topic).inc()
                    if record.topic == self.topics.dlq:
                        self._metrics.dead_letter_send_failures.inc()
                    delay = min(30.0, self._retry_seconds * 2 ** min(failures - 1, 6))
                    log.error(
                        "record not sent; the partition waits and retries",
                        extra={"topic": record.topic, "error": repr(exc), "retry_in": delay},
                    )
                    await asyncio.sleep(delay)

    def _internal(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        at: datetime,
        headers: tuple[tuple[str, bytes], ...] = (),
    ) -> SentRecord:
        return SentRecord(
            topic, partition_for(key, self._partitions), key, value, headers, at.timestamp()
        )
