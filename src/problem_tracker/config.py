"""One settings object, built once at the entry point and passed down.

Environment variables use the prefix ``PROBLEM_TRACKER_`` and ``__`` between a group
and its field, e.g. ``PROBLEM_TRACKER_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:9092``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "problem-tracker"


SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")
TLS_PROTOCOLS = ("SSL", "SASL_SSL")


class KafkaSettings(BaseModel):
    """How to reach the cluster: address, protocol, SASL credentials, TLS files.

    Every client (the worker's Faust clients, the admin, the reference loader, the
    simulator, the demo) is built from these, so they all reach the cluster the same way.
    """

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    """PEM file of the CA(s) that signed the brokers' certificates; unset: the system's."""
    ssl_certfile: Path | None = None
    """PEM file of the client certificate (chain), for brokers with ``ssl.client.auth``."""
    ssl_keyfile: Path | None = None
    """PEM file of the client certificate's private key."""
    ssl_key_password: SecretStr | None = None
    """Password of ``ssl_keyfile`` when the key is encrypted."""
    ssl_check_hostname: bool = True
    """Check that a broker's certificate names the host it was reached at."""

    @field_validator("security_protocol", "sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        problem = self.incoherence()
        if problem is not None:
            raise ValueError(problem)
        return self

    def incoherence(self) -> str | None:
        """What is contradictory or missing in these settings, in one line; None if nothing."""
        protocol = self.security_protocol
        sasl_set = [
            name
            for name in ("sasl_mechanism", "sasl_username", "sasl_password")
            if getattr(self, name) is not None
        ]
        tls_set = [
            name
            for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile", "ssl_key_password")
            if getattr(self, name) is not None
        ]
        if protocol in SASL_PROTOCOLS:
            missing = [
                name
                for name in ("sasl_mechanism", "sasl_username", "sasl_password")
                if name not in sasl_set
            ]
            if missing:
                return f"security_protocol {protocol} needs {', '.join(missing)}"
        elif sasl_set:
            return (
                f"{', '.join(sasl_set)} set but security_protocol is {protocol}: "
                "use SASL_SSL (or SASL_PLAINTEXT)"
            )
        if protocol not in TLS_PROTOCOLS and tls_set:
            return (
                f"{', '.join(tls_set)} set but security_protocol is {protocol}: use SSL or SASL_SSL"
            )
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            return "ssl_certfile and ssl_keyfile go together: set both or neither"
        if self.ssl_key_password is not None and self.ssl_keyfile is None:
            return "ssl_key_password set without ssl_keyfile"
        return None

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in TLS_PROTOCOLS

    def tls_files(self) -> dict[str, Path]:
        """The TLS files configured, by setting name; raises if one cannot be read.

        Checked when a client is built, not when settings are read: commands that never
        reach Kafka do not care whether the certificates are mounted.
        """
        files = {
            name: path
            for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile")
            if (path := getattr(self, name)) is not None
        }
        for name, path in files.items():
            if not path.is_file() or not os.access(path, os.R_OK):
                raise ValueError(f"kafka {name} {path}: not a readable file")
        return files


class TopicSettings(BaseModel):
    """Topic names (CONTRACT.md defaults) and how the worker declares them."""

    prefix: str = ""
    customer_events: str = "customer-problem.events"
    service_trouble_events: str = "service-trouble.events"
    partner_problem_events: str = "partner-problem.events"
    known_errors: str = "known-errors"
    component_ownership: str = "component-ownership"
    service_trouble_requests: str = "service-trouble.requests"
    partner_problem_requests: str = "partner-problem.requests"
    notifications: str = "customer-problem.notifications"
    escalations: str = "customer-problem.escalations"
    dlq: str = "customer-problem.dlq"
    partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    retention_ms: int = Field(default=7 * 24 * 3600 * 1000, ge=-1)

    def name(self, topic: str) -> str:
        return f"{self.prefix}{topic}"


class WorkerSettings(BaseModel):
    """The Faust worker."""

    app_id: str = "problem-tracker"
    store: str = "rocksdb://"
    data_dir: Path = Path("var/worker")
    web_port: int = Field(default=6066, ge=0, le=65535)
    web_host: str = "127.0.0.1"
    advertised_url: str | None = None
    """How other workers reach this one's web server (default http://WEB_HOST:WEB_PORT)."""
    api_token: SecretStr | None = None
    """Bearer token of the /v1 query API and /reports; without one, no contact data."""
    processing_guarantee: Literal["at_least_once", "exactly_once"] = "at_least_once"
    max_message_bytes: int = Field(default=256 * 1024, ge=1024)
    dlq_max_record_bytes: int = Field(default=900_000, ge=16 * 1024)
    max_state_bytes: int = Field(default=512 * 1024, ge=16 * 1024)
    max_table_value_bytes: int = Field(default=900_000, ge=32 * 1024)
    earliest_date: AwareDatetime = datetime(2000, 1, 1, tzinfo=UTC)
    latest_date_years_ahead: float = Field(default=5.0, gt=0)
    max_notes_per_report: int = Field(default=100, ge=1)
    max_note_bytes_per_report: int = Field(default=128 * 1024, ge=4000)
    max_entities_per_report: int = Field(default=50, ge=1)
    max_parties_per_report: int = Field(default=20, ge=1)
    tick_interval_seconds: float = Field(default=0.2, gt=0)
    # A shared service trouble tells Service Problem Management its new impact this long
    # after the first change since it last did: a flood of reports gives few updates.
    impact_update_interval_seconds: float = Field(default=10.0, gt=0)
    commit_interval_seconds: float = Field(default=1.0, gt=0)
    # A crashed worker's partitions move once the group coordinator has missed its
    # heartbeats for this long. The broker accepts 6 s to 30 min by default
    # (group.min/max.session.timeout.ms); heartbeats should come at least three times
    # per session timeout.
    session_timeout_seconds: float = Field(default=10.0, gt=0)
    heartbeat_interval_seconds: float = Field(default=3.0, gt=0)
    # Static group membership (Kafka's group.instance.id, one stable id per worker, e.g.
    # the pod name of a StatefulSet): a worker restarted within the session timeout takes
    # its partitions back without a rebalance, but one that stops, even gracefully, keeps
    # them unprocessed for the whole session timeout. Unset: dynamic membership.
    group_instance_id: str | None = Field(default=None, min_length=1)
    standby_replicas: int = Field(default=1, ge=0)
    faust_metrics: bool = True
    broker_grace_seconds: float = Field(default=30.0, gt=0)
    """Not ready once the cluster has not answered a metadata request for this long."""
    """Faust's own Prometheus sensor (lag, rebalances, commit latency, send errors)."""
    rocksdb_write_buffer_bytes: int = Field(default=8 * 1024 * 1024, ge=1024 * 1024)
    rocksdb_max_write_buffers: int = Field(default=2, ge=1)
    rocksdb_block_cache_bytes: int = Field(default=32 * 1024 * 1024, ge=1024 * 1024)

    @model_validator(mode="after")
    def _heartbeats_fit_the_session(self) -> WorkerSettings:
        if self.heartbeat_interval_seconds * 3 > self.session_timeout_seconds:
            raise ValueError(
                f"heartbeat_interval_seconds ({self.heartbeat_interval_seconds:g}) must be at "
                f"most a third of session_timeout_seconds ({self.session_timeout_seconds:g})"
            )
        return self

    def rocksdb_options(self) -> dict[str, int]:
        """Per table partition: Faust's defaults (64 MiB buffers, a 2 GiB cache for each of
        tables x partitions stores) leave a worker's memory unbounded."""
        return {
            "write_buffer_size": self.rocksdb_write_buffer_bytes,
            "max_write_buffer_number": self.rocksdb_max_write_buffers,
            "block_cache_size": self.rocksdb_block_cache_bytes,
            "block_cache_compressed_size": self.rocksdb_block_cache_bytes // 4,
        }

    ask_customer_when_no_affected_entity: bool = True
    sla_policy_file: Path | None = None
    log_level: str = "INFO"


class LocalKafkaSettings(BaseModel):
    """The single-node Apache Kafka the project fetches and runs for dev, demo and tests."""

    version: str = "4.4.0"
    port: int = Field(default=9092, ge=1, le=65535)
    controller_port: int = Field(default=9093, ge=1, le=65535)
    cache_dir: Path = DEFAULT_CACHE_DIR / "kafka"
    data_dir: Path = DEFAULT_CACHE_DIR / "kafka-data"
    heap: str = "-Xms256m -Xmx1g"


class Settings(BaseSettings):
    """Everything configurable, grouped; see README 'Configuration'."""

    model_config = SettingsConfigDict(
        env_prefix="PROBLEM_TRACKER_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    worker: WorkerSettings = WorkerSettings()
    local_kafka: LocalKafkaSettings = LocalKafkaSettings()

    @property
    def effective_app_id(self) -> str:
        """The Faust app id the workers run under: ``TOPICS__PREFIX`` then
        ``WORKER__APP_ID``. It is the consumer group, the first part of every internal
        topic and changelog name (``<effective app id>-report-commands``) and the
        directory of the tables under ``WORKER__DATA_DIR``, so that deployments sharing a
        cluster under different prefixes share nothing."""
        return f"{self.topics.prefix}{self.worker.app_id}"


ENV_PREFIX = "PROBLEM_TRACKER_"


def setting_names() -> list[str]:
    """Every environment variable a ``Settings`` field is read from."""
    names = []
    for group, info in Settings.model_fields.items():
        names.append(f"{ENV_PREFIX}{group}".upper())
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            names.extend(f"{ENV_PREFIX}{group}__{field}".upper() for field in model.model_fields)
    return names


def unknown_settings(environ: Mapping[str, str]) -> list[str]:
    """``PROBLEM_TRACKER_*`` variables no setting reads, each with the closest known name:
    a misspelt variable would otherwise be ignored and its default used in silence."""
    known = setting_names()
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known:
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
        if not close:
            tail = upper.removeprefix(ENV_PREFIX).rsplit("__", 1)[-1]
            close = [k for k in known if k.endswith(f"__{tail}")][:1]
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(f"{name} is not a setting{hint}")
    return problems
