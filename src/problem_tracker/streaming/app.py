"""The Faust application object, configured from Settings (no module-level app)."""

from __future__ import annotations

import ssl
from typing import Any

import faust
from faust.types import TransportT

from problem_tracker.config import SASL_PROTOCOLS, KafkaSettings, Settings
from problem_tracker.streaming.consumer import GatedTransport


def faust_broker_credentials(settings: Settings) -> Any:
    """Credentials for Faust's Kafka clients (aiokafka): SASL (PLAIN, SCRAM-SHA-256/512)
    over TLS or not, TLS alone, or None for PLAINTEXT."""
    kafka = settings.kafka
    if kafka.security_protocol in SASL_PROTOCOLS:
        if kafka.sasl_mechanism is None or kafka.sasl_password is None:
            raise ValueError(kafka.incoherence() or "kafka: SASL credentials missing")
        return faust.SASLCredentials(
            username=kafka.sasl_username or "",
            password=kafka.sasl_password.get_secret_value(),
            mechanism=kafka.sasl_mechanism,
            ssl_context=_ssl_context(kafka) if kafka.uses_tls else None,
        )
    if kafka.uses_tls:
        return faust.SSLCredentials(_ssl_context(kafka))
    return None


def _ssl_context(kafka: KafkaSettings) -> ssl.SSLContext:
    """A client TLS context: brokers verified against ``ssl_cafile`` (else the system's
    CAs), the client certificate presented when one is configured."""
    files = kafka.tls_files()
    cafile = files.get("ssl_cafile")
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=None if cafile is None else str(cafile)
    )
    context.check_hostname = kafka.ssl_check_hostname
    if "ssl_certfile" in files:
        secret = kafka.ssl_key_password
        # Never None: OpenSSL would then prompt for the passphrase on the terminal.
        password = "" if secret is None else secret.get_secret_value()
        try:
            context.load_cert_chain(
                str(files["ssl_certfile"]), str(files["ssl_keyfile"]), lambda: password
            )
        except ssl.SSLError as exc:
            raise ValueError(
                f"kafka ssl_certfile {files['ssl_certfile']} / ssl_keyfile "
                f"{files['ssl_keyfile']}: cannot load the client certificate and key "
                f"(wrong ssl_key_password, or a key that does not match?): {exc.reason or exc}"
            ) from None
    return context


class WorkerApp(faust.App):
    """Faust's app, consuming through the gated transport (``streaming.consumer``)."""

    def _new_transport(self) -> TransportT:
        return GatedTransport(self.conf.broker_consumer, self)


def create_app(settings: Settings) -> faust.App:
    """A Faust app for one worker; agents and tables are attached by ``wiring``."""
    worker = settings.worker
    return WorkerApp(
        settings.effective_app_id,
        broker=f"kafka://{settings.kafka.bootstrap_servers.replace(',', ';kafka://')}",
        broker_credentials=faust_broker_credentials(settings),
        store=worker.store,
        # Faust names table files without the app id: keep each app's state apart.
        datadir=str(worker.data_dir / settings.effective_app_id),
        processing_guarantee="at_least_once",
        topic_partitions=settings.topics.partitions,
        topic_replication_factor=settings.topics.replication_factor,
        topic_allow_declare=True,
        web_enabled=worker.web_port > 0,
        web_port=worker.web_port,
        web_bind=worker.web_host,
        web_host=worker.web_host,
        canonical_url=worker.advertised_url or f"http://{worker.web_host}:{worker.web_port}",
        # Faust's own pages show raw table values (contact data) without authentication.
        web_router_enabled=False,
        web_tables_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        producer_max_request_size=max(worker.max_message_bytes * 4, 1_048_576),
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        broker_commit_interval=worker.commit_interval_seconds,
        broker_session_timeout=worker.session_timeout_seconds,
        broker_heartbeat_interval=worker.heartbeat_interval_seconds,
        broker_rebalance_timeout=worker.session_timeout_seconds,
        table_standby_replicas=worker.standby_replicas,
        table_cleanup_interval=30.0,
        autodiscover=False,
        web_in_thread=False,
    )
