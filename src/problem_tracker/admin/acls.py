"""The Kafka ACLs a worker needs, and nothing more, derived from its settings.

One list serves both ways of granting them: ``kafka-acls.sh`` commands for an operator
(``problem-tracker acls plan``) and confluent-kafka ``AclBinding`` objects for tools and
tests. The contract's topics are created beforehand by ``problem-tracker topics create``
under an administrative principal (the k8s Job), so the worker is not allowed to create
them; it creates only its own internal topics, all named ``<app id>-…``, where the app id
is the effective one (``Settings.effective_app_id``: the topic prefix, then
``WORKER__APP_ID``), also the name of the consumer group.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Literal

# public as confluent_kafka.admin.*, which does not re-export them for type checkers
from confluent_kafka.admin._acl import AclBinding, AclOperation, AclPermissionType
from confluent_kafka.admin._resource import ResourcePatternType, ResourceType

from problem_tracker.config import Settings, TopicSettings

INPUTS = (
    "customer_events",
    "service_trouble_events",
    "partner_problem_events",
    "known_errors",
    "component_ownership",
)
OUTPUTS = (
    "service_trouble_requests",
    "partner_problem_requests",
    "notifications",
    "escalations",
    "dlq",
)
Resource = Literal["topic", "group"]
Pattern = Literal["literal", "prefixed"]
OPERATIONS = {
    "Read": AclOperation.READ,
    "Write": AclOperation.WRITE,
    "Create": AclOperation.CREATE,
    "Describe": AclOperation.DESCRIBE,
    "DescribeConfigs": AclOperation.DESCRIBE_CONFIGS,
}
COMMAND = 'kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --add'
READ_WHY = "input: consumed (its configuration is checked at start)"
WRITE_WHY = "output: produced to (its configuration is checked at start)"
RESOURCES = {"topic": ResourceType.TOPIC, "group": ResourceType.GROUP}
PATTERNS = {"literal": ResourcePatternType.LITERAL, "prefixed": ResourcePatternType.PREFIXED}


@dataclass(frozen=True)
class AclGrant:
    """Operations allowed on one resource (a name, or every name with a prefix)."""

    resource: Resource
    name: str
    pattern: Pattern
    operations: tuple[str, ...]
    why: str


def worker_acls(app_id: str, topics: TopicSettings) -> list[AclGrant]:
    """What a worker of ``app_id`` (the effective app id) does on the cluster, as ACL
    grants."""
    reads = ("Read", "Describe", "DescribeConfigs")
    writes = ("Write", "Describe", "DescribeConfigs")
    return [
        *(
            AclGrant("topic", topics.name(getattr(topics, t)), "literal", reads, READ_WHY)
            for t in INPUTS
        ),
        *(
            AclGrant("topic", topics.name(getattr(topics, t)), "literal", writes, WRITE_WHY)
            for t in OUTPUTS
        ),
        AclGrant(
            "topic",
            f"{app_id}-",
            "prefixed",
            ("Create", "Read", "Write", "Describe", "DescribeConfigs"),
            "internal: customer-events repartition, report and service-trouble commands, "
            "table changelogs, Faust's assignor topic",
        ),
        AclGrant("group", app_id, "literal", ("Read", "Describe"), "the workers' consumer group"),
    ]


def acl_bindings(grants: list[AclGrant], principal: str, host: str = "*") -> list[AclBinding]:
    """The grants as confluent-kafka bindings for ``AdminClient.create_acls``."""
    return [
        AclBinding(
            RESOURCES[grant.resource],
            grant.name,
            PATTERNS[grant.pattern],
            principal,
            host,
            OPERATIONS[operation],
            AclPermissionType.ALLOW,
        )
        for grant in grants
        for operation in grant.operations
    ]


def kafka_acls_commands(grants: list[AclGrant], principal: str) -> list[str]:
    """One ``kafka-acls.sh --add`` command per grant; ``$BOOTSTRAP`` and ``$ADMIN_CONFIG``
    (an admin client properties file) are left to the shell."""
    commands = []
    for grant in grants:
        target = f"--{grant.resource} {shlex.quote(grant.name)}"
        if grant.pattern == "prefixed":
            target += " --resource-pattern-type prefixed"
        operations = " ".join(f"--operation {operation}" for operation in grant.operations)
        commands.append(
            f"# {grant.why}\n"
            f"{COMMAND} \\\n"
            f"  --allow-principal {shlex.quote(principal)} {operations} \\\n"
            f"  {target}"
        )
    return commands


def acls_script(settings: Settings, principal: str) -> str:
    """A bash script granting ``principal`` the ACLs of the workers configured by
    ``settings`` with ``kafka-acls.sh``."""
    topics, app_id = settings.topics, settings.effective_app_id
    prefix = f", topic prefix {topics.prefix!r}" if topics.prefix else ""
    head = [
        "#!/usr/bin/env bash",
        f"# Kafka ACLs of the problem-tracker workers: principal {principal}, app id "
        f"{app_id!r}{prefix}.",
        "# Generated by `problem-tracker acls plan`; see deploy/kafka-acls/README.md.",
        "#   BOOTSTRAP=broker:9093 ADMIN_CONFIG=admin.properties ./worker-acls.sh",
        "set -euo pipefail",
        ': "${BOOTSTRAP:?the brokers, host:port}"',
        ': "${ADMIN_CONFIG:?a client properties file of a principal allowed to alter ACLs}"',
    ]
    body = kafka_acls_commands(worker_acls(app_id, topics), principal)
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n"
