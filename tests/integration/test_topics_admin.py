"""Topic administration on a real broker: the contract's topics, created once, as planned."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource

from kafka_helpers import create_topics
from problem_tracker.admin import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, TopicSettings

pytestmark = pytest.mark.integration


def _topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    resource = ConfigResource("topic", topic)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    entries = admin.describe_configs([resource])[resource].result(timeout=30)
    return {name: entry.value for name, entry in entries.items()}


def test_missing_topics_are_created_with_their_planned_cleanup_and_retention(
    kafka_bootstrap: str, topic_namer: Callable[[str], str]
) -> None:
    topics = TopicSettings(prefix=topic_namer("p") + ".", retention_ms=3_600_000)
    plan = topic_plan(topics)

    report = ensure_topics(KafkaSettings(bootstrap_servers=kafka_bootstrap), plan)

    assert sorted(report.created) == sorted(spec.name for spec in plan)
    assert report.warnings == []
    known_errors = _topic_config(kafka_bootstrap, topics.name("known-errors"))
    assert known_errors["cleanup.policy"] == "compact"
    events = _topic_config(kafka_bootstrap, topics.name("customer-problem.events"))
    assert (events["cleanup.policy"], events["retention.ms"]) == ("delete", "3600000")


def test_ensuring_topics_twice_creates_nothing_the_second_time(
    kafka_bootstrap: str, topic_namer: Callable[[str], str]
) -> None:
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    plan = topic_plan(TopicSettings(prefix=topic_namer("p") + "."))
    ensure_topics(kafka, plan)

    again = ensure_topics(kafka, plan)

    assert again.created == []
    assert sorted(again.existing) == sorted(spec.name for spec in plan)
    assert again.warnings == []


def test_an_existing_topic_unlike_the_plan_is_kept_and_reported(
    kafka_bootstrap: str, topic_namer: Callable[[str], str]
) -> None:
    topics = TopicSettings(prefix=topic_namer("p") + ".")
    known_errors = topics.name("known-errors")
    create_topics(kafka_bootstrap, [known_errors], partitions=2)

    report = ensure_topics(KafkaSettings(bootstrap_servers=kafka_bootstrap), topic_plan(topics))

    assert known_errors in report.existing
    assert known_errors not in report.created
    assert sorted(report.warnings) == [
        f"{known_errors}: 2 partitions, planned 6",
        f"{known_errors}: cleanup.policy=delete, planned compact",
    ]
