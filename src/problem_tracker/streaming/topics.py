"""Every topic the worker reads or writes, declared once from the settings.

Inbound and outbound topics carry raw bytes: decoding and encoding belong to contracts/,
so that a malformed message reaches the DLQ with its original bytes instead of failing
inside a Faust codec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import faust
from faust.types import TopicT

from problem_tracker.admin.topics import (
    INTERNAL_CUSTOMER_EVENTS,
    INTERNAL_REPORT_COMMANDS,
    INTERNAL_SERVICE_TROUBLE_COMMANDS,
    TABLES,
    TopicSpec,
)
from problem_tracker.config import TopicSettings

__all__ = ["TABLES", "InternalLayoutError", "Topics", "check_internal_layout", "declare_topics"]


@dataclass(frozen=True)
class Topics:
    """The Faust topic handles of one app."""

    customer_events: TopicT
    service_trouble_events: TopicT
    partner_problem_events: TopicT
    known_errors: TopicT
    component_ownership: TopicT
    service_trouble_requests: TopicT
    partner_problem_requests: TopicT
    notifications: TopicT
    escalations: TopicT
    dlq: TopicT
    customer_events_repartitioned: TopicT
    report_commands: TopicT
    service_trouble_commands: TopicT


def declare_topics(app: faust.App, settings: TopicSettings) -> Topics:
    """Declare external topics by their configured names and the internal ones by app id.

    Internal topics and the tables have ``settings.partitions`` partitions whatever the
    external topics have: upstream's topic is only read by the intake agent, which
    forwards every record into the repartition topic by its key.
    """

    def external(name: str, *, compacting: bool = False) -> TopicT:
        return app.topic(
            settings.name(name),
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
            replicas=settings.replication_factor,
            compacting=compacting or None,
            retention=None if compacting else settings.retention_ms / 1000,
            acks=True,
        )

    def internal(name: str) -> TopicT:
        return app.topic(
            f"{app.conf.id}-{name}",
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
            replicas=settings.replication_factor,
            internal=True,
        )

    return Topics(
        customer_events=external(settings.customer_events),
        service_trouble_events=external(settings.service_trouble_events),
        partner_problem_events=external(settings.partner_problem_events),
        known_errors=external(settings.known_errors, compacting=True),
        component_ownership=external(settings.component_ownership, compacting=True),
        service_trouble_requests=external(settings.service_trouble_requests),
        partner_problem_requests=external(settings.partner_problem_requests),
        notifications=external(settings.notifications),
        escalations=external(settings.escalations),
        dlq=external(settings.dlq),
        customer_events_repartitioned=internal(INTERNAL_CUSTOMER_EVENTS),
        report_commands=internal(INTERNAL_REPORT_COMMANDS),
        service_trouble_commands=internal(INTERNAL_SERVICE_TROUBLE_COMMANDS),
    )


class InternalLayoutError(RuntimeError):
    """The worker's own topics disagree on their partition count."""


def check_internal_layout(plan: list[TopicSpec], partitions: Mapping[str, int]) -> None:
    """Internal topics and changelogs must all have the planned partition count: a report's
    commands and its table partition are found by the same partition number. External
    topics may have any count (the intake repartitions them)."""
    wrong = [
        f"{spec.name} has {partitions[spec.name]}"
        for spec in plan
        if spec.name in partitions and partitions[spec.name] != spec.partitions
    ]
    if wrong:
        expected = plan[0].partitions
        raise InternalLayoutError(
            f"internal topics must all have {expected} partitions "
            f"(PROBLEM_TRACKER_TOPICS__PARTITIONS) but {', '.join(wrong)}; "
            "set TOPICS__PARTITIONS to their count, or use a new WORKER__APP_ID"
        )
