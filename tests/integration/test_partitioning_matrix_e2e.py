"""Any upstream producer, any input topic: the worker owns the partitioning of its state.

Upstream systems are not ours. Each scenario plays them with three confluent-kafka
producers: one left at the client's defaults (librdkafka's CRC32 ``consistent_random``,
also the Go, .NET and node clients' default), one with Java's ``murmur2_random``, and one
that picks a random partition for every record. Reports are spread over the three, and
some reports get their events from all three. The input topic has 1, 3 or 12 partitions
while the worker's own topics keep 3, with one or two workers sharing the group.

In every case: each report is acknowledged, linked to its shared service trouble or its
partner request, resolved when the answers come, and closed; every SLA signal of the
second-scale policy arrives once, in order, within a second of its due instant; and
nothing the worker sent itself is dead-lettered.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer
from pipeline import Pipeline, now
from worker_process import isolated_settings, start_ready, worker_in

from kafka_helpers import create_topics
from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, TopicSettings
from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import SimMessage, Topic
from problem_tracker.worker_child import WorkerChild

pytestmark = pytest.mark.integration

FAST_POLICY = Path(__file__).resolve().parents[2] / "deploy/policies/sla-policy.fast.yaml"
RESOLUTION = timedelta(seconds=8)  # fast-priority-1
THRESHOLDS = (50, 75, 100)
LADDER_STEP = timedelta(seconds=3)  # level 1 → level 2
ON_TIME = timedelta(seconds=1)
GRID = timedelta(milliseconds=100)  # deadlines sit on the tick grid
PRODUCERS = ("default", "murmur2_random", "random-partition")


class Upstream:
    """Three outside producers, none tuned to what the worker expects."""

    def __init__(self, bootstrap: str, names: dict[Topic, str], input_partitions: int) -> None:
        self._names = names
        self._input_partitions = input_partitions
        self._random = random.Random(7)
        self._producers = {
            "default": Producer({"bootstrap.servers": bootstrap}),
            "murmur2_random": Producer(
                {"bootstrap.servers": bootstrap, "partitioner": "murmur2_random"}
            ),
            "random-partition": Producer({"bootstrap.servers": bootstrap}),
        }
        self.partitions_used: dict[str, set[int]] = {}

    def send(self, kind: str, message: SimMessage) -> None:
        producer = self._producers[kind]
        extra: dict[str, Any] = {}
        topic = self._names[message.topic]
        if kind == "random-partition":
            count = self._input_partitions if message.topic is Topic.CUSTOMER_EVENTS else 3
            extra["partition"] = self._random.randrange(count)
        delivered: list[Any] = []
        producer.produce(
            topic,
            key=None if message.key is None else message.key.encode(),
            value=messages.value_bytes(message),
            headers=messages.headers(message),
            on_delivery=lambda err, record: delivered.append((err, record)),
            **extra,
        )
        producer.flush(30)
        err, record = delivered[0]
        assert err is None, err
        if message.topic is Topic.CUSTOMER_EVENTS:
            self.partitions_used.setdefault(str(message.key), set()).add(record.partition())


@dataclass
class Scenario:
    pipeline: Pipeline
    upstream: Upstream
    workers: list[WorkerChild]
    tag: str

    def rid(self, name: str) -> str:
        return f"CPR-{self.tag}-{name}"


@pytest.fixture(scope="module")
def scenario_factory(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[int, int], Scenario]]:
    started: list[Scenario] = []

    def start(input_partitions: int, workers: int) -> Scenario:
        tag = uuid.uuid4().hex[:6]
        prefix = f"pm{tag}."
        create_topics(kafka_bootstrap, [f"{prefix}customer-problem.events"], input_partitions)
        ensure_topics(
            KafkaSettings(bootstrap_servers=kafka_bootstrap),
            topic_plan(TopicSettings(prefix=prefix, partitions=3)),
        )
        settings = isolated_settings(kafka_bootstrap, f"pt-pm-{tag}", prefix)
        env = {"PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE": str(FAST_POLICY)}
        children = [
            worker_in(Path(tmp_path_factory.mktemp(f"pm-{tag}-{n}")), settings, env)
            for n in range(workers)
        ]
        pipeline = Pipeline(kafka_bootstrap, prefix, children[0])
        upstream = Upstream(kafka_bootstrap, pipeline.names, input_partitions)
        for entity, owner, role in (
            (f"svc-{tag}", "noc", "internal"),
            (f"svc-sla-{tag}", "noc", "internal"),
            (f"cpe-{tag}", "partner-acme", "partner"),
        ):
            upstream.send(
                "default",
                messages.component_ownership(
                    pipeline.event_id(),
                    now(),
                    {"id": entity, "referredType": "Service"},
                    {"id": owner, "role": role},
                ),
            )
        pipeline.collector.start()
        scenario = Scenario(pipeline, upstream, children, tag)
        started.append(scenario)
        for child in children:
            start_ready(child)
        for child in children:  # the first one has been through the second one's join
            child.wait_ready(60)
        return scenario

    yield start
    for scenario in started:
        for child in scenario.workers:
            child.stop()
        scenario.pipeline.collector.stop()


def create(scenario: Scenario, kind: str, report_id: str, entity: str, **fields: Any) -> None:
    pipeline = scenario.pipeline
    message = pipeline.create_message(report_id, services=[entity], **fields)
    scenario.upstream.send(kind, message)


def customer(scenario: Scenario, kind: str, event_type: str, report_id: str, **fields: Any) -> None:
    pipeline = scenario.pipeline
    payload = {"id": report_id, **fields}
    scenario.upstream.send(
        kind, messages.customer_event(pipeline.event_id(), now(), event_type, payload)
    )


def answer(scenario: Scenario, kind: str, topic: Topic, request_id: str, status: str) -> None:
    scenario.upstream.send(kind, scenario.pipeline.answer_message(topic, request_id, status))


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


Signal = tuple[str, int, datetime, str | None]


def sla_signals(pipeline: Pipeline, report_id: str) -> list[Signal]:
    """Threshold jeopardy and breach-ladder steps in publication order: kind, threshold or
    level, eventTime, and the due time a jeopardy names."""
    found: list[Signal] = []
    for output in pipeline.outputs(Topic.ESCALATIONS, report_id):
        value = output.value
        at = parse_time(value["eventTime"])
        if output.event_type == "CustomerProblemJeopardyEvent":
            jeopardy = value["event"]["customerProblemJeopardy"]
            if jeopardy.get("cause") == "threshold":
                found.append(("jeopardy", jeopardy["thresholdPercent"], at, jeopardy["dueTime"]))
        elif output.event_type == "CustomerProblemEscalationEvent":
            step = value["event"]["customerProblemEscalation"]
            if step["reason"] == "sla-breached" and step["level"] <= 2:
                found.append(("ladder", step["level"], at, None))
    return found


MATRIX = [(1, 1), (3, 1), (12, 1), (1, 2), (3, 2), (12, 2)]


@pytest.mark.parametrize(("input_partitions", "workers"), MATRIX, ids=lambda v: str(v))
def test_every_report_meets_its_state_whatever_the_upstream_partitioning(
    scenario_factory: Callable[[int, int], Scenario], input_partitions: int, workers: int
) -> None:
    scenario = scenario_factory(input_partitions, workers)
    pipeline, tag = scenario.pipeline, scenario.tag
    delegated = {scenario.rid(f"{kind}-{n}"): kind for kind in PRODUCERS for n in range(2)}
    mixed = [scenario.rid(f"mixed-{n}") for n in range(3)]
    sla = {scenario.rid(f"sla-{kind}"): kind for kind in PRODUCERS}

    for report_id, kind in sla.items():
        create(scenario, kind, report_id, f"svc-sla-{tag}", priority=1)
    for n, (report_id, kind) in enumerate(delegated.items()):
        create(scenario, kind, report_id, f"svc-{tag}" if n % 2 else f"cpe-{tag}", priority=3)
    for n, report_id in enumerate(mixed):
        create(scenario, PRODUCERS[n], report_id, f"svc-{tag}", priority=3)

    every = [*delegated, *mixed]
    for report_id in every:
        pipeline.wait_status(report_id, "inProgress")
    service_request = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, f"svc-{tag}")
    assert len(pipeline.created_requests(Topic.SERVICE_TROUBLE_REQUESTS, f"svc-{tag}")) == 1
    partner_requests = [
        r["requestId"]
        for r in pipeline.created_requests(Topic.PARTNER_PROBLEM_REQUESTS, f"cpe-{tag}")
    ]
    assert len(partner_requests) == sum(1 for n in range(len(delegated)) if n % 2 == 0)

    for kind in PRODUCERS:
        answer(scenario, kind, Topic.SERVICE_TROUBLE_EVENTS, service_request, "inProgress")
    answer(scenario, "default", Topic.SERVICE_TROUBLE_EVENTS, service_request, "resolved")
    for n, request_id in enumerate(partner_requests):
        answer(scenario, PRODUCERS[n % 3], Topic.PARTNER_PROBLEM_EVENTS, request_id, "resolved")
    for report_id in every:
        pipeline.wait_status(report_id, "resolved")
    for n, report_id in enumerate(every):
        kind = delegated.get(report_id) or PRODUCERS[(n + 1) % 3]
        customer(scenario, kind, "CustomerProblemReportCloseEvent", report_id)
    for report_id in every:
        pipeline.wait_statuses(report_id, ["acknowledged", "inProgress", "resolved", "closed"])

    for report_id in sla:
        pipeline.wait_for(
            f"{report_id}: ladder level 2",
            lambda r=report_id: any(
                s[0] == "ladder" and s[1] == 2 for s in sla_signals(pipeline, r)
            ),
            timeout=40,
        )
    pipeline.settle(quiet=1.5)
    for report_id in sla:
        assert_on_time_once_and_in_order(pipeline, report_id)

    internal = [
        d for d in pipeline.dead_letters() if not d["originalTopic"].startswith(pipeline.prefix)
    ]
    assert internal == []
    assert pipeline.dead_letters() == []
    if input_partitions > 1:  # upstream really did put one report's events on several
        assert any(len(used) > 1 for used in scenario.upstream.partitions_used.values())


def assert_on_time_once_and_in_order(pipeline: Pipeline, report_id: str) -> None:
    signals = sla_signals(pipeline, report_id)
    assert [(kind, what) for kind, what, _, _ in signals] == [
        ("jeopardy", 50),
        ("jeopardy", 75),
        ("jeopardy", 100),
        ("ladder", 1),
        ("ladder", 2),
    ], signals
    due_time = parse_time(signals[0][3])
    expected = [due_time - RESOLUTION * (1 - t / 100) for t in THRESHOLDS]
    expected += [due_time, due_time + LADDER_STEP]
    late = [at - due for (_, _, at, _), due in zip(signals, expected, strict=True)]
    assert all(-GRID <= lateness <= ON_TIME for lateness in late), late
