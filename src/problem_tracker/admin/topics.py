"""The topics of the wire contract (CONTRACT.md), planned from settings and created once.

Reference data (``known-errors``, ``component-ownership``) is compacted: the latest value
per key is the current truth and a null value deletes it. Event and request streams are
time-retained; rejected input on the DLQ is kept longer so an operator can investigate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._config import ConfigResource  # public as admin.ConfigResource
from confluent_kafka.cimpl import NewTopic  # public as admin.NewTopic

from problem_tracker.admin.client_config import confluent_config
from problem_tracker.config import KafkaSettings, TopicSettings

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


def ensure_topics(
    kafka: KafkaSettings, plan: Iterable[TopicSpec], timeout: float = 30.0
) -> EnsureReport:
    """Create the planned topics that are missing; leave existing ones, noting differences.

    Safe to run any number of times, and concurrently with another instance.
    """
    admin = AdminClient(confluent_config(kafka))
    wanted = list(plan)
    present = admin.list_topics(timeout=timeout).topics
    missing = [spec for spec in wanted if spec.name not in present]
    created, raced = _create(admin, missing, timeout)
    existing = [spec for spec in wanted if spec.name in present or spec.name in raced]
    warnings = _differences(admin, [s for s in existing if s.name in present], present, timeout)
    return EnsureReport(created=created, existing=[s.name for s in existing], warnings=warnings)


def _create(
    admin: AdminClient, specs: list[TopicSpec], timeout: float
) -> tuple[list[str], set[str]]:
    if not specs:
        return [], set()
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
    raced: set[str] = set()
    for name, future in admin.create_topics(new, operation_timeout=timeout).items():
        try:
            future.result(timeout=timeout)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise
            raced.add(name)
    return created, raced


def _differences(
    admin: AdminClient, specs: list[TopicSpec], present: Mapping[str, object], timeout: float
) -> list[str]:
    warnings = []
    for spec in specs:
        actual = len(getattr(present[spec.name], "partitions", {}))
        if actual != spec.partitions:
            warnings.append(f"{spec.name}: {actual} partitions, planned {spec.partitions}")
    if not specs:
        return warnings
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
