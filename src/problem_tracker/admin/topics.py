"""The topics of the wire contract (CONTRACT.md) and the worker's internal topics, planned
from settings and created once.

Reference data (``known-errors``, ``component-ownership``) is compacted: the latest value
per key is the current truth and a null value deletes it. Event and request streams are
time-retained; rejected input on the DLQ is kept longer so an operator can investigate.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._config import ConfigResource  # public as admin.ConfigResource
from confluent_kafka.cimpl import NewTopic  # public as admin.NewTopic

from problem_tracker.admin.access import ClusterAccessError, admin_client
from problem_tracker.config import KafkaSettings, Settings, TopicSettings

AUTHORIZATION_FAILED = ("TOPIC_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED")
DLQ_MIN_RETENTION_MS = 30 * 24 * 3600 * 1000
COMPACTED = ("known_errors", "component_ownership")
TIME_RETAINED = (
    "customer_events",
    "service_trouble_events",
    "partner_problem_events",
    "service_trouble_requests",
    "partner_problem_requests",
    "notifications",
    "escalations",
)
INTERNAL_CUSTOMER_EVENTS = "customer-events-repartition"
INTERNAL_REPORT_COMMANDS = "report-commands"
INTERNAL_SERVICE_TROUBLE_COMMANDS = "service-trouble-commands"
INTERNAL_TOPICS = (
    INTERNAL_CUSTOMER_EVENTS,
    INTERNAL_REPORT_COMMANDS,
    INTERNAL_SERVICE_TROUBLE_COMMANDS,
)
"""The worker's own topics, each named ``<effective app id>-<name>``."""
TABLES = ("reports", "service-troubles", "deadlines")
"""The worker's tables; each has a compacted ``<effective app id>-<table>-changelog`` topic."""


@dataclass(frozen=True)
class TopicSpec:
    """One topic as the cluster should have it."""

    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EnsureReport:
    """What ``ensure_topics`` did: created, found already there, and what differs from plan."""

    created: list[str]
    existing: list[str]
    warnings: list[str]
    partitions: dict[str, int] = field(default_factory=dict)
    """How many partitions each planned topic has on the cluster."""


def topic_plan(topics: TopicSettings) -> list[TopicSpec]:
    """Every contract topic with the configured prefix, partitions and retention."""

    def spec(attribute: str, config: dict[str, str]) -> TopicSpec:
        return TopicSpec(
            name=topics.name(getattr(topics, attribute)),
            partitions=topics.partitions,
            replication_factor=topics.replication_factor,
            config=config,
        )

    retention = str(topics.retention_ms)
    dlq_retention = (
        -1 if topics.retention_ms == -1 else max(topics.retention_ms, DLQ_MIN_RETENTION_MS)
    )
    return [
        *(
            spec(name, {"cleanup.policy": "delete", "retention.ms": retention})
            for name in TIME_RETAINED
        ),
        *(spec(name, {"cleanup.policy": "compact"}) for name in COMPACTED),
        spec("dlq", {"cleanup.policy": "delete", "retention.ms": str(dlq_retention)}),
    ]


def internal_topic_plan(app_id: str, settings: TopicSettings) -> list[TopicSpec]:
    """The internal topics and the tables' changelogs of the app ``app_id`` (pass
    ``Settings.effective_app_id``), created before the worker joins its group: Faust only
    declares the topics agents read directly, and a worker that joins before a changelog
    it just created is served runs without it."""

    def spec(name: str, config: dict[str, str]) -> TopicSpec:
        return TopicSpec(
            name=f"{app_id}-{name}",
            partitions=settings.partitions,
            replication_factor=settings.replication_factor,
            config=config,
        )

    commands = {"cleanup.policy": "delete", "retention.ms": str(settings.retention_ms)}
    return [
        *(spec(name, commands) for name in INTERNAL_TOPICS),
        *(spec(f"{table}-changelog", {"cleanup.policy": "compact"}) for table in TABLES),
    ]


def deployment_plan(settings: Settings) -> list[TopicSpec]:
    """Every topic a deployment needs: the contract's, then the worker's internal ones.
    What ``topics plan`` prints, ``topics create`` creates and a worker ensures at start."""
    return [
        *topic_plan(settings.topics),
        *internal_topic_plan(settings.effective_app_id, settings.topics),
    ]


def ensure_topics(
    kafka: KafkaSettings, plan: Iterable[TopicSpec], timeout: float = 30.0
) -> EnsureReport:
    """Create the planned topics that are missing; leave existing ones, noting differences.

    Safe to run any number of times, and concurrently with another instance. Returns once
    every planned topic is visible to clients: creation is acknowledged by the controller
    before the brokers serve the new topic, and a worker started right after must find it.
    A cluster that refuses our credentials or certificates raises ``ClusterAccessError``
    at once, in one line.
    """
    admin = admin_client(kafka, timeout)
    wanted = list(plan)
    deadline = time.monotonic() + timeout
    present = admin.list_topics(timeout=timeout).topics
    missing = [spec for spec in wanted if spec.name not in present]
    created = _create(admin, missing, timeout)
    existing = [spec for spec in wanted if spec.name not in created]
    visible = _await_visible(admin, {spec.name for spec in wanted}, deadline)
    warnings = _differences(admin, existing, visible, timeout)
    return EnsureReport(
        created=created,
        existing=[s.name for s in existing],
        warnings=warnings,
        partitions=visible,
    )


def _create(admin: AdminClient, specs: list[TopicSpec], timeout: float) -> list[str]:
    """Names created by this call; one created meanwhile by someone else is not an error."""
    if not specs:
        return []
    new = [
        NewTopic(
            s.name,
            num_partitions=s.partitions,
            replication_factor=s.replication_factor,
            config=dict(s.config),
        )
        for s in specs
    ]
    created: list[str] = []
    refused: dict[str, str] = {}
    for name, future in admin.create_topics(new, operation_timeout=timeout).items():
        try:
            future.result(timeout=timeout)
            created.append(name)
        except KafkaException as exc:
            code = exc.args[0].name()
            if code in AUTHORIZATION_FAILED:
                refused[name] = code
            elif code != "TOPIC_ALREADY_EXISTS":
                raise
    if refused:
        raise ClusterAccessError(
            f"Kafka refused to create or show topics ({', '.join(sorted(set(refused.values())))}): "
            f"{', '.join(sorted(refused))}; grant the ACLs of `problem-tracker acls plan` "
            "and create the contract's topics with `problem-tracker topics create`"
        )
    return created


def _await_visible(admin: AdminClient, names: set[str], deadline: float) -> dict[str, int]:
    """Partition counts of ``names`` once the broker serves them all."""
    while True:
        remaining = max(0.5, deadline - time.monotonic())
        topics = admin.list_topics(timeout=remaining).topics
        counts = {
            name: len(topics[name].partitions)
            for name in names
            if name in topics and topics[name].error is None and topics[name].partitions
        }
        if len(counts) == len(names):
            return counts
        if time.monotonic() >= deadline:
            unseen = sorted(names - counts.keys())
            raise TimeoutError(f"topics not served by the cluster yet: {', '.join(unseen)}")
        time.sleep(0.1)


def _differences(
    admin: AdminClient, specs: list[TopicSpec], partitions: Mapping[str, int], timeout: float
) -> list[str]:
    if not specs:
        return []
    warnings = []
    for spec in specs:
        actual = partitions[spec.name]
        if actual != spec.partitions:
            warnings.append(f"{spec.name}: {actual} partitions, planned {spec.partitions}")
    resources = [ConfigResource("topic", spec.name) for spec in specs]
    described = admin.describe_configs(resources, request_timeout=timeout)
    for spec, resource in zip(specs, resources, strict=True):
        entries = described[resource].result(timeout=timeout)
        policy = entries["cleanup.policy"].value if "cleanup.policy" in entries else None
        if policy != spec.config.get("cleanup.policy", policy):
            warnings.append(
                f"{spec.name}: cleanup.policy={policy}, planned {spec.config['cleanup.policy']}"
            )
    return warnings
