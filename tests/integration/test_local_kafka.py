"""The project's broker really carries messages: what the worker and demo rely on."""

from __future__ import annotations

import pytest

from kafka_helpers import consume, create_topics, produce_json

pytestmark = pytest.mark.integration


def test_json_messages_come_back_with_their_keys_and_headers(
    kafka_bootstrap: str, unique_topic: str
) -> None:
    create_topics(kafka_bootstrap, [unique_topic], partitions=3)
    sent = [(f"report-{i}", {"n": i}) for i in range(5)]
    produce_json(kafka_bootstrap, unique_topic, sent, headers={"eventType": "Test"})

    received = consume(kafka_bootstrap, unique_topic, 5)

    assert sorted((r.key, r.value["n"]) for r in received) == [(k, v["n"]) for k, v in sent]
    assert {r.headers["eventType"] for r in received} == {"Test"}


def test_one_key_always_lands_on_one_partition(kafka_bootstrap: str, unique_topic: str) -> None:
    create_topics(kafka_bootstrap, [unique_topic], partitions=6)
    produce_json(kafka_bootstrap, unique_topic, [("same-report", {"n": i}) for i in range(4)])

    received = consume(kafka_bootstrap, unique_topic, 4)

    assert len({r.partition for r in received}) == 1
    assert [r.value["n"] for r in received] == [0, 1, 2, 3]
