"""SASL_SSL end to end: SCRAM-SHA-512 over TLS with client certificates, on a real broker.

The module starts its own throwaway broker with an extra SASL_SSL listener (certificates
made by the test, the SCRAM users created when the storage is formatted; the broker
requires client certificates and authorizes every request by ACL). Every client of the
test, the worker's included, reaches it only through that listener, configured by
``KafkaSettings`` as an operator would. The worker's user holds exactly the ACLs of
``problem-tracker acls plan`` (deploy/kafka-acls); the harness, standing in for upstream
systems, downstream consumers and the topics Job, is a super user.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from pipeline import now, report
from pydantic import SecretStr
from worker_process import isolated_settings, start_ready, worker_in

from problem_tracker.admin.access import ClusterAccessError, admin_client
from problem_tracker.admin.acls import acl_bindings, worker_acls
from problem_tracker.admin.client_config import confluent_config
from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, Settings, TopicSettings
from problem_tracker.kafka_local import LocalKafka, free_port
from problem_tracker.kafka_local.properties import SaslSslListener
from problem_tracker.simulate import messages
from problem_tracker.worker_child import WorkerChild
from tls_material import TlsMaterial, make_tls_material

pytestmark = pytest.mark.integration

USER = "problem-tracker"
HARNESS = "harness"
STRANGER = "stranger"  # authenticates, holds no ACL
REFUSED_WITHIN_SECONDS = 45.0
# Contact data of the customer in the events produced: none of it may reach a log line.
CONTACT_NAME = "Zebulon Quixote-Marchetti"
CONTACT_EMAIL = "zebulon.qm@example.org"
CONTACT_PHONE = "+44 20 7946 0958"
ATTRIBUTES_CHANGED = "CustomerProblemReportAttributeValueChangeEvent"


@dataclass(frozen=True)
class SecureCluster:
    broker: LocalKafka
    tls: TlsMaterial
    passwords: dict[str, str]

    @property
    def password(self) -> str:
        return self.passwords[USER]

    def kafka(self, user: str = USER, **changes: Any) -> KafkaSettings:
        """What an operator configures for the worker; ``changes`` spoil one setting."""
        fields: dict[str, Any] = {
            "bootstrap_servers": self.broker.sasl_ssl_bootstrap,
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": user,
            "sasl_password": SecretStr(self.passwords[user]),
            "ssl_cafile": self.tls.ca_cert,
            "ssl_certfile": self.tls.client_cert,
            "ssl_keyfile": self.tls.client_key,
            "ssl_key_password": SecretStr(self.tls.client_key_password),
        }
        return KafkaSettings.model_validate({**fields, **changes})


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureCluster]:
    home = tmp_path_factory.mktemp("secure-kafka")
    tls = make_tls_material(home / "tls", client_key_password=secrets.token_hex(12))
    passwords = {name: secrets.token_hex(16) for name in (USER, HARNESS, STRANGER)}
    listener = SaslSslListener(
        port=free_port(),
        keystore=tls.broker_keystore,
        truststore=tls.ca_cert,
        scram_users=passwords,
        acls=True,
        super_users=(HARNESS,),
    )
    broker = LocalKafka.throwaway(Settings().local_kafka, home / "data", sasl_ssl=listener)
    broker.start()
    try:
        yield SecureCluster(broker, tls, passwords)
    finally:
        broker.stop()


@dataclass(frozen=True)
class SecureRun:
    """What one worker did on the secured cluster, read after it stopped."""

    cluster: SecureCluster
    topics: TopicSettings
    report_id: str
    notifications: list[dict[str, Any]]
    dead_letters: list[dict[str, Any]]
    log: str


def _settings(cluster: SecureCluster, tag: str, kafka: KafkaSettings) -> Settings:
    settings = isolated_settings(kafka.bootstrap_servers, f"pt-sec-{tag}", f"sec{tag}.")
    return settings.model_copy(update={"kafka": kafka})


def _contact_party(report_id: str) -> dict[str, Any]:
    """The customer as a CRM sends it: TMF contact media the contract does not model."""
    return {
        "role": "customer",
        "id": f"cust-{report_id}",
        "name": CONTACT_NAME,
        "segment": "gold",
        "contactMedium": [
            {"mediumType": "email", "characteristic": {"emailAddress": CONTACT_EMAIL}},
            {"mediumType": "phone", "characteristic": {"phoneNumber": CONTACT_PHONE}},
        ],
    }


def _grant(kafka: KafkaSettings, bindings: list[Any]) -> None:
    admin = AdminClient(confluent_config(kafka))
    for future in admin.create_acls(bindings, request_timeout=30).values():
        future.result(timeout=30)


def _produce(
    kafka: KafkaSettings, records: list[messages.SimMessage], topics: TopicSettings
) -> None:
    producer = Producer({**confluent_config(kafka), "linger.ms": 1})
    errors: list[str] = []
    names = {
        messages.Topic.CUSTOMER_EVENTS: topics.name(topics.customer_events),
    }
    for message in records:
        producer.produce(
            names[message.topic],
            key=message.key.encode() if message.key else None,
            value=messages.value_bytes(message),
            headers=messages.headers(message),
            on_delivery=lambda err, _msg: errors.append(str(err)) if err else None,
        )
    assert producer.flush(30) == 0
    assert not errors, errors


def _read(
    kafka: KafkaSettings, topics: list[str], until: Any, timeout: float = 60.0
) -> list[tuple[str, dict[str, Any]]]:
    """Every record of ``topics`` (3 partitions each) until ``until(records)`` holds."""
    consumer = Consumer({**confluent_config(kafka), "group.id": f"sec-reader-{uuid.uuid4()}"})
    consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t in topics for p in range(3)])
    records: list[tuple[str, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout
    try:
        while not until(records) and time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is None or record.error() is not None:
                continue
            records.append((str(record.topic()), json.loads(record.value())))
    finally:
        consumer.close()
    return records


@pytest.fixture(scope="module")
def secure_run(cluster: SecureCluster, tmp_path_factory: pytest.TempPathFactory) -> SecureRun:
    """A worker reaching the cluster only over SASL_SSL; a create with the customer's
    contact data, an amendment with it in a note, and a malformed create carrying it."""
    tag = uuid.uuid4().hex[:8]
    harness = cluster.kafka(HARNESS)
    settings = _settings(cluster, tag, cluster.kafka())
    topics = settings.topics
    ensure_topics(harness, topic_plan(topics))  # the topics Job
    _grant(harness, acl_bindings(worker_acls(settings.effective_app_id, topics), f"User:{USER}"))
    # DEBUG: the most a worker ever logs must still hold no secret and no contact data.
    debug = {"PROBLEM_TRACKER_WORKER__LOG_LEVEL": "DEBUG"}
    worker = worker_in(Path(tmp_path_factory.mktemp(f"secure-worker-{tag}")), settings, debug)
    start_ready(worker)
    report_id = f"CPR-sec-{tag}"
    created = report(report_id, services=[f"svc-{tag}"], relatedParty=[_contact_party(report_id)])
    created["description"] = f"no line since Monday, call {CONTACT_PHONE}"
    malformed = report(f"{report_id}-bad", relatedParty=[_contact_party(report_id)])
    malformed["severity"] = f"write to {CONTACT_EMAIL}"
    _produce(
        harness,
        [
            messages.report_created(f"evt-{tag}-1", now(), created),
            messages.attributes_changed(
                f"evt-{tag}-2",
                now(),
                report_id,
                note=[
                    messages.note(
                        "service-desk", now(), f"{CONTACT_NAME} asks for a call on {CONTACT_PHONE}"
                    )
                ],
            ),
            messages.report_created(f"evt-{tag}-3", now(), malformed),
        ],
        topics,
    )
    notifications_topic = topics.name(topics.notifications)
    dlq_topic = topics.name(topics.dlq)

    def seen_all(records: list[tuple[str, dict[str, Any]]]) -> bool:
        notified = {
            (value["eventType"], value["event"]["customerProblemReport"].get("status"))
            for topic, value in records
            if topic == notifications_topic
        }
        return (
            ("CustomerProblemReportStatusChangeEvent", "acknowledged") in notified
            and any(event == ATTRIBUTES_CHANGED for event, _ in notified)
            and any(topic == dlq_topic for topic, _ in records)
        )

    try:
        records = _read(harness, [notifications_topic, dlq_topic], seen_all)
    finally:
        worker.stop()
    return SecureRun(
        cluster=cluster,
        topics=topics,
        report_id=report_id,
        notifications=[v for t, v in records if t == notifications_topic],
        dead_letters=[v for t, v in records if t == dlq_topic],
        log=worker.log_path.read_text(errors="replace"),
    )


def test_the_worker_acknowledges_a_report_over_sasl_ssl_with_scram_sha_512(
    secure_run: SecureRun,
) -> None:
    statuses = [
        n["event"]["customerProblemReport"].get("status")
        for n in secure_run.notifications
        if n["eventType"] == "CustomerProblemReportStatusChangeEvent"
    ]

    assert "acknowledged" in statuses, secure_run.log[-3000:]
    assert any(n["eventType"] == ATTRIBUTES_CHANGED for n in secure_run.notifications)
    assert [d["key"] for d in secure_run.dead_letters] == [f"{secure_run.report_id}-bad"]
    # aiokafka (the worker's Faust clients) authenticated with the mechanism we asked for
    assert f"Authenticated as {USER} via SCRAM-SHA-512" in secure_run.log


def test_the_worker_user_may_not_write_what_its_acls_do_not_grant(secure_run: SecureRun) -> None:
    """The run above succeeded with the plan's ACLs alone: the broker does enforce them."""
    topics = secure_run.topics
    producer = Producer(
        {**confluent_config(secure_run.cluster.kafka()), "message.timeout.ms": 20_000}
    )
    errors: list[str] = []

    producer.produce(
        topics.name(topics.customer_events),  # an input: Read, not Write
        key=b"CPR-forged",
        value=b"{}",
        on_delivery=lambda err, _msg: errors.append(err.name() if err else "delivered"),
    )
    producer.flush(30)

    assert errors == ["TOPIC_AUTHORIZATION_FAILED"]


def test_no_secret_and_no_contact_data_reach_the_worker_log(secure_run: SecureRun) -> None:
    cluster = secure_run.cluster
    forbidden = {
        "SASL password": cluster.password,
        "key password": cluster.tls.client_key_password,
        "contact name": CONTACT_NAME,
        "contact email": CONTACT_EMAIL,
        "contact phone": CONTACT_PHONE,
    }
    lines = secure_run.log.splitlines()

    assert sum('"level": "debug"' in line for line in lines) > 100  # a worker that really ran
    leaks = {what: line for what, value in forbidden.items() for line in lines if value in line}
    assert leaks == {}


def _run_refused(worker: WorkerChild) -> tuple[int, list[str]]:
    """Start a worker that should not get in; its exit code and its log lines."""
    worker.start()
    assert worker.process is not None
    try:
        code = worker.process.wait(REFUSED_WITHIN_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        pytest.fail(f"still running after {REFUSED_WITHIN_SECONDS} s:\n{worker.tail(20)}")
    return code, [line for line in worker.log_path.read_text().splitlines() if line.strip()]


WRONG_PASSWORD = "not-the-password"


def _wrong_password(cluster: SecureCluster) -> dict[str, Any]:
    return {"sasl_password": SecretStr(WRONG_PASSWORD)}


def _untrusted_broker(cluster: SecureCluster) -> dict[str, Any]:
    return {"ssl_cafile": cluster.tls.other_ca_cert}


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [(_wrong_password, "authentication failed"), (_untrusted_broker, "TLS handshake")],
    ids=["wrong-password", "untrusted-broker-certificate"],
)
def test_a_refused_worker_exits_with_one_clear_line(
    cluster: SecureCluster,
    tmp_path: Path,
    spoil: Callable[[SecureCluster], dict[str, Any]],
    problem: str,
) -> None:
    kafka = cluster.kafka(**spoil(cluster))
    worker = worker_in(tmp_path, _settings(cluster, uuid.uuid4().hex[:8], kafka), {})

    started = time.monotonic()
    code, lines = _run_refused(worker)

    assert code != 0
    assert len(lines) == 1, "\n".join(lines[:20])
    (line,) = lines
    assert line.startswith("problem-tracker worker: ")
    assert problem in line
    assert cluster.broker.sasl_ssl_bootstrap in line
    assert "Traceback" not in line
    assert cluster.password not in line
    assert WRONG_PASSWORD not in line
    assert time.monotonic() - started < REFUSED_WITHIN_SECONDS


def test_a_worker_without_its_acls_exits_with_one_line_naming_the_topics(
    cluster: SecureCluster, tmp_path: Path
) -> None:
    settings = _settings(cluster, uuid.uuid4().hex[:8], cluster.kafka(STRANGER))
    ensure_topics(cluster.kafka(HARNESS), topic_plan(settings.topics))  # the topics Job ran

    code, lines = _run_refused(worker_in(tmp_path, settings, {}))

    assert code != 0
    assert len(lines) == 1, "\n".join(lines[:20])
    assert lines[0].startswith(
        "problem-tracker worker: Kafka refused to create or show topics "
        "(TOPIC_AUTHORIZATION_FAILED): "
    )
    assert settings.topics.name(settings.topics.customer_events) in lines[0]
    assert "problem-tracker acls plan" in lines[0]


def test_the_broker_requires_a_client_certificate(cluster: SecureCluster) -> None:
    kafka = cluster.kafka(ssl_certfile=None, ssl_keyfile=None, ssl_key_password=None)

    with pytest.raises(ClusterAccessError, match="TLS handshake") as refused:
        admin_client(kafka, timeout=20)

    assert "bad certificate" in str(refused.value)


def test_the_plaintext_listener_still_serves_the_broker_itself(cluster: SecureCluster) -> None:
    admin = admin_client(KafkaSettings(bootstrap_servers=cluster.broker.bootstrap), timeout=20)

    assert admin.list_topics(timeout=10).brokers
