"""Reach the cluster once, up front, and say in one line why not when it refuses us.

librdkafka retries a refused connection for ever, logging each attempt: a wrong password or
an untrusted certificate would be dozens of identical lines and then a timeout naming
neither. ``admin_client`` returns an admin client only once the cluster has answered a
metadata request, and raises ``ClusterAccessError`` as soon as authentication or the TLS
handshake fails (those do not heal by retrying), or when nothing answers in time.
"""

from __future__ import annotations

import time
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from problem_tracker.admin.client_config import confluent_config
from problem_tracker.config import KafkaSettings

SILENT = 0  # librdkafka's own log lines: every error reaches ``error_cb`` instead
AUTHENTICATION = frozenset({KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED})
TLS = frozenset({KafkaError._SSL})
TLS_IN_TRANSPORT = "SSL routines"  # e.g. the broker's "alert bad certificate"
POLL_SECONDS = 1.0


class ClusterAccessError(RuntimeError):
    """The cluster refused our credentials or certificates, or never answered."""


def admin_client(kafka: KafkaSettings, timeout: float) -> AdminClient:
    """An admin client that has reached the cluster; ``ClusterAccessError`` otherwise."""
    errors: list[KafkaError] = []
    config: dict[str, Any] = {**confluent_config(kafka), "log_level": SILENT}
    config["error_cb"] = errors.append
    admin = AdminClient(config)
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin.list_topics(timeout=max(0.1, min(POLL_SECONDS, deadline - time.monotonic())))
            return admin
        except KafkaException as exc:
            last: KafkaError = exc.args[0]
        admin.poll(0)  # serves error_cb
        for error in errors:
            refused = refusal(kafka, error)
            if refused is not None:
                raise ClusterAccessError(refused)
        if time.monotonic() >= deadline:
            seen = [e for e in errors if e.code() != KafkaError._ALL_BROKERS_DOWN] or [last]
            raise ClusterAccessError(
                f"Kafka at {kafka.bootstrap_servers} did not answer within {timeout:.0f} s "
                f"({kafka.security_protocol}): {seen[-1].str()}"
            )


def refusal(kafka: KafkaSettings, error: KafkaError) -> str | None:
    """One line naming what failed and where, if ``error`` is one retrying cannot heal."""
    code, detail = error.code(), error.str()
    if code in AUTHENTICATION:
        return (
            f"authentication failed at Kafka {kafka.bootstrap_servers} as "
            f"{kafka.sasl_username!r} ({kafka.security_protocol} {kafka.sasl_mechanism}): "
            f"check sasl_username and sasl_password; {detail}"
        )
    if code in TLS or (code == KafkaError._TRANSPORT and TLS_IN_TRANSPORT in detail):
        return (
            f"TLS handshake with Kafka {kafka.bootstrap_servers} failed: check ssl_cafile, "
            f"ssl_certfile and ssl_keyfile; {detail}"
        )
    return None
