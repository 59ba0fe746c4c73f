"""Faust agents: one per source, each a loop handing records to its processor.

Agents are thin on purpose: what to do with a record is decided in ``processors`` (and
below it, in the domain). An unexpected failure on one record is logged and
dead-lettered so that a poison record cannot stop a partition; the offset moves on only
after the DLQ entry was handed to the producer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import faust
from faust.types import EventT, StreamT, TopicT

from problem_tracker.contracts.outcomes import (
    DelegatedKind,
    ReferenceKind,
    Rejection,
    RejectionCode,
)
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.outbox import Consumed, Outbox
from problem_tracker.streaming.processors import (
    DelegatedEventRouter,
    ReferenceValidator,
    ReportProcessor,
    ServiceTroubleProcessor,
)
from problem_tracker.streaming.topics import Topics

log = logging.getLogger(__name__)
Handler = Callable[[Consumed], Awaitable[None]]


@dataclass
class Processors:
    reports: ReportProcessor
    service_troubles: ServiceTroubleProcessor
    delegated: DelegatedEventRouter
    reference: ReferenceValidator


def consumed(event: EventT[bytes]) -> Consumed:
    message = event.message
    headers = message.headers or ()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return Consumed(
        message.topic,
        message.partition,
        message.offset,
        message.key,
        message.value,
        tuple((str(name), bytes(value or b"")) for name, value in pairs),
        message.timestamp or None,
    )


def _raw_source(app: faust.App, *sources: TopicT) -> TopicT:
    names = [name for source in sources for name in source.topics]
    return app.topic(*names, key_serializer="raw", value_serializer="raw")


def register_agents(
    app: faust.App, topics: Topics, processors: Processors, outbox: Outbox, metrics: Metrics
) -> None:
    """Attach every agent of the worker to ``app``."""
    reference = processors.reference
    delegated = processors.delegated
    handlers: list[tuple[TopicT, Handler]] = [
        (topics.customer_events, outbox.repartition),
        (topics.customer_events_repartitioned, processors.reports.on_repartitioned),
        (topics.report_commands, processors.reports.on_internal),
        (topics.service_trouble_commands, processors.service_troubles.on_internal),
        (topics.service_trouble_events, delegated.handler(DelegatedKind.SERVICE_TROUBLE)),
        (topics.partner_problem_events, delegated.handler(DelegatedKind.PARTNER_PROBLEM)),
        (topics.known_errors, reference.handler(ReferenceKind.KNOWN_ERRORS)),
        (topics.component_ownership, reference.handler(ReferenceKind.COMPONENT_OWNERSHIP)),
    ]
    by_topic = {topic.get_topic_name(): handler for topic, handler in handlers}

    async def run(stream: StreamT[bytes]) -> None:
        async for event in stream.events():
            record = consumed(event)
            metrics.messages_in.labels(record.topic).inc()
            started = time.perf_counter()
            try:
                await by_topic[record.topic](record)
            except Exception as exc:
                log.exception(
                    "record failed", extra={"topic": record.topic, "offset": record.offset}
                )
                rejection = Rejection(RejectionCode.SCHEMA_VIOLATION, f"unprocessable: {exc!r}")
                await outbox.dead_letter(record.origin, rejection)
            metrics.processing_seconds.labels(record.topic).observe(time.perf_counter() - started)

    # Upstream's topic is read only to be forwarded by key (see ``partitioning``); sources
    # that share a table are consumed by one agent, so that their records for one key are
    # handled in order on the worker that owns the key's partition.
    app.agent(_raw_source(app, topics.customer_events), name="intake")(run)
    app.agent(
        _raw_source(app, topics.customer_events_repartitioned, topics.report_commands),
        name="reports",
    )(run)
    app.agent(_raw_source(app, topics.service_trouble_commands), name="service-troubles")(run)
    app.agent(
        _raw_source(app, topics.service_trouble_events, topics.partner_problem_events),
        name="delegated-answers",
    )(run)
    app.agent(_raw_source(app, topics.known_errors, topics.component_ownership), name="reference")(
        run
    )
