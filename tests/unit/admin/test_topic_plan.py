"""The contract's topics as planned from settings, and how clients reach the cluster."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from problem_tracker.admin import confluent_config, topic_plan
from problem_tracker.admin.topics import deployment_plan
from problem_tracker.cli import main
from problem_tracker.config import KafkaSettings, Settings, TopicSettings, WorkerSettings

CONTRACT_TOPICS = {
    "customer-problem.events",
    "service-trouble.events",
    "partner-problem.events",
    "known-errors",
    "component-ownership",
    "service-trouble.requests",
    "partner-problem.requests",
    "customer-problem.notifications",
    "customer-problem.escalations",
    "customer-problem.dlq",
}
DAY_MS = 24 * 3600 * 1000


def test_every_contract_topic_is_planned_with_the_prefix() -> None:
    plan = topic_plan(TopicSettings(prefix="acme."))

    assert {spec.name for spec in plan} == {f"acme.{name}" for name in CONTRACT_TOPICS}
    assert {spec.partitions for spec in plan} == {6}


def test_reference_data_is_compacted_and_streams_are_time_retained() -> None:
    plan = {spec.name: spec for spec in topic_plan(TopicSettings(retention_ms=3 * DAY_MS))}

    for name in ("known-errors", "component-ownership"):
        assert dict(plan[name].config) == {"cleanup.policy": "compact"}
    events = plan["customer-problem.events"].config
    assert dict(events) == {"cleanup.policy": "delete", "retention.ms": str(3 * DAY_MS)}


def test_rejected_input_is_kept_at_least_thirty_days() -> None:
    def dlq_retention(retention_ms: int) -> str:
        plan = topic_plan(TopicSettings(retention_ms=retention_ms))
        return next(s.config["retention.ms"] for s in plan if s.name == "customer-problem.dlq")

    assert dlq_retention(DAY_MS) == str(30 * DAY_MS)
    assert dlq_retention(90 * DAY_MS) == str(90 * DAY_MS)
    assert dlq_retention(-1) == "-1"


def test_partitions_and_replication_follow_settings() -> None:
    plan = topic_plan(TopicSettings(partitions=12, replication_factor=3))

    assert {(spec.partitions, spec.replication_factor) for spec in plan} == {(12, 3)}


def test_a_plaintext_cluster_needs_only_its_address() -> None:
    assert confluent_config(KafkaSettings(bootstrap_servers="k:9092")) == {
        "bootstrap.servers": "k:9092",
        "security.protocol": "PLAINTEXT",
    }


def test_sasl_credentials_reach_the_client_and_the_password_is_revealed_only_there() -> None:
    kafka = KafkaSettings(
        bootstrap_servers="k:9093",
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="tracker",
        sasl_password=SecretStr("s3cret"),
    )

    config = confluent_config(kafka)

    assert config["sasl.password"] == "s3cret"
    assert (config["sasl.mechanism"], config["sasl.username"]) == ("SCRAM-SHA-512", "tracker")
    assert "s3cret" not in repr(kafka)


def test_the_deployment_plan_adds_the_internal_topics_under_the_effective_app_id() -> None:
    settings = Settings(
        topics=TopicSettings(prefix="prod.", partitions=4), worker=WorkerSettings(app_id="pt")
    )

    names = [spec.name for spec in deployment_plan(settings)]

    assert settings.effective_app_id == "prod.pt"
    assert names[: len(CONTRACT_TOPICS)] == [spec.name for spec in topic_plan(settings.topics)]
    assert names[len(CONTRACT_TOPICS) :] == [
        "prod.pt-customer-events-repartition",
        "prod.pt-report-commands",
        "prod.pt-service-trouble-commands",
        "prod.pt-reports-changelog",
        "prod.pt-service-troubles-changelog",
        "prod.pt-deadlines-changelog",
    ]


def test_without_a_prefix_the_effective_app_id_is_the_app_id() -> None:
    assert Settings(worker=WorkerSettings(app_id="pt")).effective_app_id == "pt"


def test_topics_plan_prints_the_contract_topics_and_the_internal_ones(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROBLEM_TRACKER_TOPICS__PREFIX", "acme.")
    monkeypatch.setenv("PROBLEM_TRACKER_WORKER__APP_ID", "tracker")

    assert main(["topics", "plan"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(CONTRACT_TOPICS) + 6
    by_name = {line.split()[0]: line for line in lines}
    assert "partitions=6 rf=1 cleanup.policy=delete" in by_name["acme.tracker-report-commands"]
    assert by_name["acme.tracker-reports-changelog"].endswith("cleanup.policy=compact")
