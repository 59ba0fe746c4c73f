"""The composition root of a worker: settings in, a runnable Faust app out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import faust
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from faust.types import TP

from problem_tracker.application.ports import Clock, SystemClock
from problem_tracker.config import Settings
from problem_tracker.contracts.limits import decode_limits
from problem_tracker.contracts.outcomes import ReferenceKind
from problem_tracker.domain.context import DecisionContext, ProcessPolicy, ReportLimits
from problem_tracker.domain.timekeeping import next_deadline
from problem_tracker.observability.metrics import Metrics
from problem_tracker.policy import load_policy
from problem_tracker.streaming.agents import Processors, register_agents
from problem_tracker.streaming.app import create_app
from problem_tracker.streaming.broker_watch import BrokerWatch, metadata_probe
from problem_tracker.streaming.impact_timers import ImpactTimers
from problem_tracker.streaming.outbox import Outbox, OutboxTopics
from problem_tracker.streaming.partitioning import partition_for
from problem_tracker.streaming.processors import (
    DelegatedEventRouter,
    ReferenceValidator,
    ReportProcessor,
    ServiceTroubleProcessor,
    Shell,
)
from problem_tracker.streaming.producer import FaustSender, committed_offsets
from problem_tracker.streaming.query_api import Owners, register_query_api
from problem_tracker.streaming.reference import ReferenceIndex, ReferenceLoader
from problem_tracker.streaming.ticks import TickScheduler
from problem_tracker.streaming.topics import TABLES, Topics, declare_topics
from problem_tracker.streaming.views import ACTIVE, STANDBY, Readiness, register_views

log = logging.getLogger(__name__)


@dataclass
class Worker:
    """Everything one worker runs, built once."""

    app: faust.App
    topics: Topics
    metrics: Metrics
    reference: ReferenceLoader
    readiness: Readiness
    ticks: TickScheduler
    broker_watch: BrokerWatch
    impact_timers: ImpactTimers


class UnsupportedGuaranteeError(ValueError):
    """A processing guarantee the worker does not keep under faults."""


def build_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    if settings.worker.processing_guarantee != "at_least_once":
        raise UnsupportedGuaranteeError(
            "PROBLEM_TRACKER_WORKER__PROCESSING_GUARANTEE=exactly_once is refused: Faust's "
            "transactions do not make a record's state, outputs and offset atomic under "
            "crashes and rebalances (RELIABILITY.md); use at_least_once, whose outputs are "
            "effectively once (kept with the state, replayed byte for byte after a crash)"
        )
    clock = clock or SystemClock()
    app = create_app(settings)
    topics = declare_topics(app, settings.topics)
    metrics = Metrics()
    if settings.worker.faust_metrics:
        faust_metrics = FaustMetrics.create(metrics.registry, "problem_tracker_faust")
        app.monitor = PrometheusMonitor(metrics=faust_metrics)
    partitions = settings.topics.partitions

    def table(name: str) -> Any:
        # Faust consumes the options dict it is given: one fresh dict per table.
        return app.Table(
            name,
            partitions=partitions,
            key_type=bytes,
            value_type=bytes,
            options=settings.worker.rocksdb_options(),
        )

    reports_table = table(TABLES[0])
    service_troubles_table = table(TABLES[1])
    deadlines_table = table(TABLES[2])
    limits = decode_limits(
        max_message_bytes=settings.worker.max_message_bytes,
        earliest=settings.worker.earliest_date,
        years_ahead=settings.worker.latest_date_years_ahead,
        now=clock.now(),
    )
    reference = ReferenceLoader(
        settings.kafka,
        {
            ReferenceKind.KNOWN_ERRORS: topics.known_errors.get_topic_name(),
            ReferenceKind.COMPONENT_OWNERSHIP: topics.component_ownership.get_topic_name(),
        },
        ReferenceIndex(),
        limits,
        metrics,
    )
    outbox = Outbox(
        outbox_topics(topics),
        FaustSender(app, metrics),
        metrics,
        clock,
        partitions,
        settings.worker.dlq_max_record_bytes,
    )
    shell = Shell(
        outbox,
        clock,
        metrics,
        limits,
        max_state_bytes=settings.worker.max_state_bytes,
        max_table_value_bytes=settings.worker.max_table_value_bytes,
        committed=committed_offsets(app),
    )
    policy = ProcessPolicy(
        ask_customer_when_no_affected_entity=settings.worker.ask_customer_when_no_affected_entity
    )
    context = DecisionContext(
        reference=reference.index,
        policy=policy,
        sla_policy=load_policy(settings.worker.sla_policy_file),
        limits=ReportLimits(
            max_notes=settings.worker.max_notes_per_report,
            max_note_bytes=settings.worker.max_note_bytes_per_report,
            max_entities=settings.worker.max_entities_per_report,
            max_parties=settings.worker.max_parties_per_report,
        ),
    )
    reports = ReportProcessor(shell, reports_table, context)
    ticks = TickScheduler(
        deadlines_table, next_deadline, outbox, clock, metrics, report_of=reports.state_of
    )
    reports.after_decision = ticks.after_decision
    service_troubles = ServiceTroubleProcessor(
        shell,
        service_troubles_table,
        timedelta(seconds=settings.worker.impact_update_interval_seconds),
    )
    impact_timers = ImpactTimers(outbox, clock)
    service_troubles.after_decision = impact_timers.after_decision
    processors = Processors(
        reports=reports,
        service_troubles=service_troubles,
        delegated=DelegatedEventRouter(shell),
        reference=ReferenceValidator(shell),
    )
    register_agents(app, topics, processors, outbox, metrics)
    broker_watch = BrokerWatch(
        metadata_probe(settings.kafka, timeout=5.0),
        settings.kafka.bootstrap_servers,
        settings.worker.broker_grace_seconds,
    )
    readiness = Readiness(
        reference.loaded,
        reference.alive,
        lambda: bool(app.rebalancing),
        broker_watch.problem,
    )

    def refresh_gauges() -> None:
        metrics.ready.set(0 if readiness.problems() else 1)
        ticks.open_reports.publish()
        for kind, size in reference.index.sizes().items():
            metrics.reference_entries.labels(kind).set(size)

    copy_of = copy_holder(app, reports_table)
    token = settings.worker.api_token
    register_views(app, readiness, metrics, reports_table, refresh_gauges, copy_of, token)
    owners = Owners(app, lambda: reports_table.changelog_topic.get_topic_name(), partitions)
    register_query_api(
        app, reports_table, deadlines_table, owners, lambda key: copy_of(key) == ACTIVE, token
    )

    @app.on_rebalance_complete.connect  # type: ignore[arg-type]
    async def on_rebalanced(sender: object, **kwargs: object) -> None:
        ticks.rebuild()
        impact_timers.rebuild(service_troubles.states())
        readiness.rebalanced = True

    @app.timer(settings.worker.tick_interval_seconds)  # type: ignore[untyped-decorator]
    async def fire_due_ticks() -> None:
        await ticks.fire_due()
        await impact_timers.fire_due()

    return Worker(app, topics, metrics, reference, readiness, ticks, broker_watch, impact_timers)


def outbox_topics(topics: Topics) -> OutboxTopics:
    """The names the outbox writes to."""
    return OutboxTopics(
        service_trouble_requests=topics.service_trouble_requests.get_topic_name(),
        partner_problem_requests=topics.partner_problem_requests.get_topic_name(),
        notifications=topics.notifications.get_topic_name(),
        escalations=topics.escalations.get_topic_name(),
        dlq=topics.dlq.get_topic_name(),
        customer_events_repartitioned=topics.customer_events_repartitioned.get_topic_name(),
        report_commands=topics.report_commands.get_topic_name(),
        service_trouble_commands=topics.service_trouble_commands.get_topic_name(),
    )


def copy_holder(app: faust.App, table: Any) -> Callable[[bytes], str]:
    """Which copy of a key's table partition this worker holds, as the assignor says."""

    def copy_of(key: bytes) -> str:
        partition = partition_for(key, table.partitions or app.conf.topic_partitions)
        tp = TP(table.changelog_topic.get_topic_name(), partition)
        if tp in app.assignor.assigned_actives():
            return ACTIVE
        if tp in app.assignor.assigned_standbys():
            return STANDBY
        return "none"

    return copy_of
