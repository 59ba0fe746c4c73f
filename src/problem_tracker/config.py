"""One settings object, built once at the entry point and passed down.

Environment variables use the prefix ``PROBLEM_TRACKER_`` and ``__`` between a group
and its field, e.g. ``PROBLEM_TRACKER_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:9092``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "problem-tracker"


class KafkaSettings(BaseModel):
    """How to reach the cluster."""

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None


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
