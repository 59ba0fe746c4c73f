"""What the local broker is told: single-node KRaft settings, and a fresh cluster id."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

NODE_ID = 1


def server_properties(
    *, port: int, controller_port: int, log_dir: Path, num_partitions: int = 6
) -> str:
    """One combined broker+controller on loopback; replication 1 everywhere so it can run."""
    entries = {
        "process.roles": "broker,controller",
        "node.id": str(NODE_ID),
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": str(num_partitions),
        "auto.create.topics.enable": "true",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "min.insync.replicas": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    return "".join(f"{key}={value}\n" for key, value in entries.items())


def parse_properties(text: str) -> dict[str, str]:
    """Read back the ``key=value`` lines this module writes (comments and blanks skipped)."""
    result: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "!")) or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        result[key.strip()] = value.strip()
    return result


def listener_ports(properties: dict[str, str]) -> tuple[int, int]:
    """The (client, controller) ports a generated ``server.properties`` listens on."""
    ports: dict[str, int] = {}
    for listener in properties.get("listeners", "").split(","):
        name, _, address = listener.partition("://")
        ports[name.strip()] = int(address.rsplit(":", 1)[1])
    return ports["PLAINTEXT"], ports["CONTROLLER"]


def random_cluster_id() -> str:
    """A cluster id as Kafka writes them: 16 random bytes, base64url, no padding.

    Like Kafka's ``Uuid.randomUuid`` it never starts with ``-``, which a CLI would take for
    an option.
    """
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not text.startswith("-"):
            return text
