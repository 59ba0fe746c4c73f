"""What the local broker is told: single-node KRaft settings, and a fresh cluster id."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

NODE_ID = 1
SCRAM_MECHANISM = "SCRAM-SHA-512"
SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
UNSAFE_IN_SCRAM_ARGUMENT = re.compile(r'[,=\[\]"\s]')


@dataclass(frozen=True)
class SaslSslListener:
    """An extra client listener speaking SASL_SSL: SCRAM-SHA-512 over TLS with client
    certificates required. PLAINTEXT stays for the broker itself (inter-broker) and for
    tools, CONTROLLER for KRaft.

    ``keystore`` is a PEM file holding the broker's private key (PKCS#8, encrypted with
    ``key_password`` or not) and its certificate chain; ``truststore`` a PEM file of the
    CA(s) whose client certificates are accepted. ``scram_users`` (name to password) are
    written into the metadata log when the storage is formatted, i.e. on first start.

    With ``acls`` the broker authorizes every request (KRaft's ``StandardAuthorizer``,
    nothing allowed without an ACL) except those of ``super_users`` (SCRAM user names) and
    of the PLAINTEXT and CONTROLLER listeners (principal ``ANONYMOUS``: the broker itself).
    """

    port: int
    keystore: Path
    truststore: Path
    key_password: str | None = None
    scram_users: Mapping[str, str] = field(default_factory=dict)
    acls: bool = False
    super_users: tuple[str, ...] = ()

    def __repr__(self) -> str:  # passwords stay out of reprs and logs
        users = ", ".join(sorted(self.scram_users))
        return f"SaslSslListener(port={self.port}, keystore={self.keystore}, users=[{users}])"

    def properties(self) -> dict[str, str]:
        prefix = "listener.name.sasl_ssl."
        entries = {
            "sasl.enabled.mechanisms": SCRAM_MECHANISM,
            f"{prefix}sasl.enabled.mechanisms": SCRAM_MECHANISM,
            f"{prefix}{SCRAM_MECHANISM.lower()}.sasl.jaas.config": SCRAM_LOGIN,
            f"{prefix}ssl.client.auth": "required",
            f"{prefix}ssl.keystore.type": "PEM",
            f"{prefix}ssl.keystore.location": str(self.keystore),
            f"{prefix}ssl.truststore.type": "PEM",
            f"{prefix}ssl.truststore.location": str(self.truststore),
        }
        if self.key_password is not None:
            entries[f"{prefix}ssl.key.password"] = self.key_password
        if self.acls:
            entries["authorizer.class.name"] = AUTHORIZER
            entries["super.users"] = ";".join(
                f"User:{name}" for name in ("ANONYMOUS", *self.super_users)
            )
        return entries

    def format_arguments(self) -> list[str]:
        """``StorageTool format`` arguments creating the SCRAM users."""
        arguments: list[str] = []
        for name, password in self.scram_users.items():
            if UNSAFE_IN_SCRAM_ARGUMENT.search(name + password):
                raise ValueError(f'SCRAM user {name!r}: name or password holds one of ,=[]"')
            arguments += ["--add-scram", f"{SCRAM_MECHANISM}=[name={name},password={password}]"]
        return arguments


def server_properties(
    *,
    port: int,
    controller_port: int,
    log_dir: Path,
    num_partitions: int = 6,
    sasl_ssl: SaslSslListener | None = None,
) -> str:
    """One combined broker+controller on loopback; replication 1 everywhere so it can run.

    With ``sasl_ssl`` the broker also listens for SASL_SSL clients on its port.
    """
    listeners = f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}"
    advertised = f"PLAINTEXT://127.0.0.1:{port}"
    protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if sasl_ssl is not None:
        listeners += f",SASL_SSL://127.0.0.1:{sasl_ssl.port}"
        advertised += f",SASL_SSL://127.0.0.1:{sasl_ssl.port}"
        protocols += ",SASL_SSL:SASL_SSL"
    entries = {
        "process.roles": "broker,controller",
        "node.id": str(NODE_ID),
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller_port}",
        "listeners": listeners,
        "advertised.listeners": advertised,
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": protocols,
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
        **(sasl_ssl.properties() if sasl_ssl is not None else {}),
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
