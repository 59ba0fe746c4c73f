"""Session-wide test fixtures: one real Kafka broker per session, unique topic names per test.

The broker is, in order of preference: the one named by ``KAFKA_BOOTSTRAP_SERVERS``; an
``apache/kafka`` container when a Docker engine answers; otherwise the project's own local
Kafka (``problem_tracker.kafka_local``) on free ports with a temporary data dir.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator

import pytest

from problem_tracker.config import Settings
from problem_tracker.kafka_local import LocalKafka, free_port
from problem_tracker.kafka_local.java import wait_for_metadata

KAFKA_IMAGE = "apache/kafka:4.1.0"


def _docker_engine_reachable() -> bool:
    """An engine that answers a ping, not merely an installed client."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _kafka_container() -> Iterator[str]:
    """A single-node apache/kafka, advertised on the same host port it is published on."""
    from testcontainers.core.container import DockerContainer

    port = free_port()
    container = (
        DockerContainer(KAFKA_IMAGE)
        .with_bind_ports(port, port)
        .with_envs(
            KAFKA_NODE_ID="1",
            KAFKA_PROCESS_ROLES="broker,controller",
            KAFKA_LISTENERS=f"PLAINTEXT://0.0.0.0:{port},CONTROLLER://0.0.0.0:9093",
            KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://127.0.0.1:{port}",
            KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
            KAFKA_NUM_PARTITIONS="6",
        )
    )
    with container:
        bootstrap = f"127.0.0.1:{port}"
        wait_for_metadata(bootstrap, timeout=120.0)
        yield bootstrap


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a real broker shared by the whole session."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        yield configured
    elif _docker_engine_reachable():
        yield from _kafka_container()
    else:
        settings = Settings().local_kafka
        broker = LocalKafka.throwaway(settings, tmp_path_factory.mktemp("kafka-data"))
        try:
            yield broker.start()
        finally:
            broker.stop()


@pytest.fixture
def topic_namer(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Make topic names unique to this test run: ``namer("events")`` → ``events.<test>.<id>``."""
    test = re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name)[:80]
    run = uuid.uuid4().hex[:8]
    return lambda base: f"{base}.{test}.{run}"


@pytest.fixture
def unique_topic(topic_namer: Callable[[str], str]) -> str:
    """One topic name nobody else uses."""
    return topic_namer("t")
