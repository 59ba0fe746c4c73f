"""The Faust application object, configured from Settings (no module-level app)."""

from __future__ import annotations

from typing import Any

import faust
from faust.types import TransportT

from problem_tracker.config import Settings
from problem_tracker.streaming.consumer import GatedTransport


def faust_broker_credentials(settings: Settings) -> Any:
    """SASL credentials for Faust's Kafka clients, when the cluster wants them."""
    kafka = settings.kafka
    if kafka.sasl_mechanism is None or kafka.sasl_password is None:
        return None
    return faust.SASLCredentials(
        username=kafka.sasl_username or "",
        password=kafka.sasl_password.get_secret_value(),
        mechanism=kafka.sasl_mechanism,
        ssl_context=None if kafka.security_protocol == "SASL_PLAINTEXT" else _ssl_context(),
    )


def _ssl_context() -> Any:
    import ssl

    return ssl.create_default_context()


class WorkerApp(faust.App):
    """Faust's app, consuming through the gated transport (``streaming.consumer``)."""

    def _new_transport(self) -> TransportT:
        return GatedTransport(self.conf.broker_consumer, self)


def create_app(settings: Settings) -> faust.App:
    """A Faust app for one worker; agents and tables are attached by ``wiring``."""
    worker = settings.worker
    return WorkerApp(
        worker.app_id,
        broker=f"kafka://{settings.kafka.bootstrap_servers.replace(',', ';kafka://')}",
        broker_credentials=faust_broker_credentials(settings),
        store=worker.store,
        # Faust names table files without the app id: keep each app's state apart.
        datadir=str(worker.data_dir / worker.app_id),
        processing_guarantee="at_least_once",
        topic_partitions=settings.topics.partitions,
        topic_replication_factor=settings.topics.replication_factor,
        topic_allow_declare=True,
        web_enabled=worker.web_port > 0,
        web_port=worker.web_port,
        web_bind=worker.web_host,
        web_host=worker.web_host,
        producer_max_request_size=max(worker.max_message_bytes * 4, 1_048_576),
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        broker_commit_interval=worker.commit_interval_seconds,
        broker_session_timeout=worker.session_timeout_seconds,
        broker_heartbeat_interval=worker.heartbeat_interval_seconds,
        broker_rebalance_timeout=worker.session_timeout_seconds,
        consumer_group_instance_id=worker.group_instance_id,
        table_standby_replicas=worker.standby_replicas,
        table_cleanup_interval=30.0,
        autodiscover=False,
        web_in_thread=False,
    )
