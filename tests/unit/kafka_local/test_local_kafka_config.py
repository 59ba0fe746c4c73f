"""What the local broker is told, and how it is found, without starting a JVM."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from problem_tracker.config import LocalKafkaSettings
from problem_tracker.kafka_local import LocalKafka, LocalKafkaError
from problem_tracker.kafka_local.command import local_settings
from problem_tracker.kafka_local.fetch import ensure_fetched, is_fetched, packaged_file
from problem_tracker.kafka_local.java import require_java
from problem_tracker.kafka_local.properties import (
    SaslSslListener,
    listener_ports,
    parse_properties,
    random_cluster_id,
    server_properties,
)


def test_a_single_node_broker_replicates_nothing_and_listens_only_on_loopback() -> None:
    props = parse_properties(
        server_properties(port=19092, controller_port=19093, log_dir=Path("/d/kraft"))
    )

    assert props["process.roles"] == "broker,controller"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
    assert props["log.dirs"] == "/d/kraft"
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "min.insync.replicas",
    ):
        assert props[key] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["num.partitions"] == "6"
    assert listener_ports(props) == (19092, 19093)


def test_comments_and_blank_lines_are_not_properties() -> None:
    assert parse_properties("# note\n\n! other\na = 1\nb=x=y\n") == {"a": "1", "b": "x=y"}


def test_cluster_ids_are_kafka_shaped_and_never_look_like_options() -> None:
    ids = {random_cluster_id() for _ in range(200)}

    assert len(ids) == 200
    assert all(len(i) == 22 and not i.startswith("-") and "=" not in i for i in ids)


def test_the_pom_and_log_config_ship_inside_the_package() -> None:
    pom = packaged_file("pom.xml").read_text()

    assert "<artifactId>kafka_2.13</artifactId>" in pom
    assert "${kafka.version}" in pom
    assert "kafka.logs.dir" in packaged_file("log4j2.xml").read_text()


def test_a_complete_fetch_is_reused_without_maven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    libs = tmp_path / "9.9.9" / "libs"
    libs.mkdir(parents=True)
    (libs / ".complete").write_text("kafka 9.9.9\n")
    monkeypatch.setenv("PATH", "")

    assert ensure_fetched(tmp_path, "9.9.9") == libs


def test_a_half_finished_fetch_is_not_taken_for_a_complete_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "9.9.9" / "libs").mkdir(parents=True)
    monkeypatch.setenv("PATH", "")

    assert not is_fetched(tmp_path, "9.9.9")
    with pytest.raises(LocalKafkaError, match=r"^mvn not found: install Maven"):
        ensure_fetched(tmp_path, "9.9.9")


def test_without_java_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    broker = LocalKafka(LocalKafkaSettings(data_dir=tmp_path, port=1, controller_port=2))

    with pytest.raises(LocalKafkaError, match=r"java not found: install a JDK 17\+"):
        broker.start()


def test_a_broker_that_never_ran_is_down(tmp_path: Path) -> None:
    broker = LocalKafka(LocalKafkaSettings(data_dir=tmp_path))

    assert not broker.is_up()
    assert broker.running_bootstrap() is None
    assert broker.stop() is False


def test_throwaway_brokers_get_their_own_ports_and_data_dirs(tmp_path: Path) -> None:
    base = LocalKafkaSettings()
    one = LocalKafka.throwaway(base, tmp_path / "one").settings
    two = LocalKafka.throwaway(base, tmp_path / "two").settings

    ports = {one.port, one.controller_port, two.port, two.controller_port}
    assert len(ports) == 4
    assert base.port not in ports
    assert one.cache_dir == two.cache_dir == base.cache_dir


def test_a_custom_port_on_the_command_line_moves_the_controller_port_too() -> None:
    args = argparse.Namespace(port=29092, controller_port=None, data_dir=Path("/tmp/k"))

    settings = local_settings(args, LocalKafkaSettings())

    assert (settings.port, settings.controller_port, settings.data_dir) == (
        29092,
        29093,
        Path("/tmp/k"),
    )


def _fake_tool(directory: Path, name: str, script: str) -> None:
    tool = directory / name
    tool.write_text(f"#!/bin/sh\n{script}\n")
    tool.chmod(0o755)


def test_an_old_java_is_refused_with_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_tool(tmp_path, "java", "echo 'openjdk version \"11.0.22\" 2024-01-16' >&2")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(LocalKafkaError, match=r"is Java 11, Kafka 4 needs 17\+: install a JDK"):
        require_java()


def test_a_failed_fetch_shows_what_maven_said_and_leaves_no_cache_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_tool(tmp_path, "mvn", "echo '[ERROR] Could not resolve kafka_2.13:jar:0.0.1'; exit 1")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(LocalKafkaError) as failure:
        ensure_fetched(tmp_path / "cache", "0.0.1")

    assert str(failure.value).splitlines() == [
        "fetching Kafka 0.0.1 with Maven failed (exit 1):",
        "[ERROR] Could not resolve kafka_2.13:jar:0.0.1",
    ]
    assert list((tmp_path / "cache" / "0.0.1").iterdir()) == []


def _listener(**changes: object) -> SaslSslListener:
    fields: dict[str, object] = {
        "port": 19094,
        "keystore": Path("/tls/broker.keystore.pem"),
        "truststore": Path("/tls/ca.pem"),
        "scram_users": {"problem-tracker": "s3cret", "simulator": "other-s3cret"},
    }
    return SaslSslListener(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_sasl_ssl_listener_is_added_beside_plaintext_and_the_controller() -> None:
    props = parse_properties(
        server_properties(
            port=19092, controller_port=19093, log_dir=Path("/d"), sasl_ssl=_listener()
        )
    )

    assert props["listeners"] == (
        "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093,SASL_SSL://127.0.0.1:19094"
    )
    assert props["advertised.listeners"] == (
        "PLAINTEXT://127.0.0.1:19092,SASL_SSL://127.0.0.1:19094"
    )
    assert props["listener.security.protocol.map"] == (
        "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL"
    )
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    prefix = "listener.name.sasl_ssl."
    assert props[f"{prefix}scram-sha-512.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    )
    assert props[f"{prefix}ssl.client.auth"] == "required"
    assert props[f"{prefix}ssl.keystore.type"] == props[f"{prefix}ssl.truststore.type"] == "PEM"
    assert props[f"{prefix}ssl.keystore.location"] == "/tls/broker.keystore.pem"
    assert props[f"{prefix}ssl.truststore.location"] == "/tls/ca.pem"
    assert f"{prefix}ssl.key.password" not in props
    assert listener_ports(props) == (19092, 19093)


def test_an_encrypted_broker_key_gets_its_password() -> None:
    props = _listener(key_password="k3y").properties()

    assert props["listener.name.sasl_ssl.ssl.key.password"] == "k3y"


def test_scram_users_are_created_when_the_storage_is_formatted() -> None:
    assert _listener().format_arguments() == [
        "--add-scram",
        "SCRAM-SHA-512=[name=problem-tracker,password=s3cret]",
        "--add-scram",
        "SCRAM-SHA-512=[name=simulator,password=other-s3cret]",
    ]


@pytest.mark.parametrize("password", ["a,b", "a]b", "a=b", 'a"b', "a b"])
def test_a_scram_password_the_storage_tool_would_misread_is_refused(password: str) -> None:
    with pytest.raises(ValueError, match="name or password holds one of"):
        _listener(scram_users={"u": password}).format_arguments()


def test_the_listener_repr_shows_users_not_passwords() -> None:
    text = repr(_listener(key_password="k3y"))

    assert "problem-tracker" in text
    assert "s3cret" not in text
    assert "k3y" not in text


def test_a_throwaway_broker_keeps_its_sasl_ssl_listener(tmp_path: Path) -> None:
    broker = LocalKafka.throwaway(LocalKafkaSettings(), tmp_path, sasl_ssl=_listener())

    assert broker.sasl_ssl_bootstrap == "127.0.0.1:19094"
    with pytest.raises(LocalKafkaError, match="no SASL_SSL listener"):
        _ = LocalKafka(LocalKafkaSettings(data_dir=tmp_path)).sasl_ssl_bootstrap


def test_with_acls_every_request_is_authorized_but_the_brokers_own_and_super_users() -> None:
    props = _listener(acls=True, super_users=("harness",)).properties()

    assert props["authorizer.class.name"] == (
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    )
    assert props["super.users"] == "User:ANONYMOUS;User:harness"
    assert "allow.everyone.if.no.acl.found" not in props
    assert "authorizer.class.name" not in _listener().properties()
