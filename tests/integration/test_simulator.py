"""The simulator on a real broker: responders answer requests, upstream traffic is keyed
where Faust expects it, and the customer side closes what the processor resolved."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from kafka_helpers import Received, consume, produce_json
from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, Settings, TopicSettings
from problem_tracker.contracts.codec import encode
from problem_tracker.contracts.delegated import CreateServiceTroubleReportRequest
from problem_tracker.simulate.faults import BadKind
from problem_tracker.simulate.simulation import Simulation, SimulationOptions, SimulationReport

pytestmark = pytest.mark.integration
PARTITIONS = 3


@pytest.fixture
def settings(kafka_bootstrap: str) -> Settings:
    topics = TopicSettings(prefix=f"sim-{uuid.uuid4().hex[:8]}.", partitions=PARTITIONS)
    settings = Settings(kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap), topics=topics)
    ensure_topics(settings.kafka, topic_plan(settings.topics))
    return settings


class Running:
    """A simulation running in a thread while the test plays the processor."""

    def __init__(self, settings: Settings, options: SimulationOptions) -> None:
        self.simulation = Simulation(settings, options)
        self.report: SimulationReport | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.report = self.simulation.run()

    def __enter__(self) -> Running:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.simulation.stop()
        self._thread.join(timeout=30)

    def wait(self, timeout: float) -> SimulationReport:
        self._thread.join(timeout=timeout)
        assert self.report is not None, "the simulation did not stop by itself"
        return self.report


def _str_request(request_id: str) -> bytes:
    request = {
        "eventId": f"out-{request_id}",
        "eventTime": "2026-11-26T10:00:00Z",
        "eventType": "CreateServiceTroubleReportRequest",
        "correlationId": request_id,
        "domain": "CustomerProblem",
        "event": {
            "serviceTroubleReport": {
                "requestId": request_id,
                "affectedService": {"id": "svc-broadband-1", "referredType": "Service"},
                "customerProblemReportIds": ["CPR-1"],
                "description": "No sync",
                "priority": 2,
                "severity": "major",
            }
        },
    }
    return encode(CreateServiceTroubleReportRequest.model_validate_json(json.dumps(request)))


def test_spm_answers_a_create_request_with_the_report_then_resolves_it(
    settings: Settings, kafka_bootstrap: str
) -> None:
    topics = settings.topics
    options = SimulationOptions(
        upstream=False, resolve_after=0.5, reject_rate=0.0, seed=3, duration=60
    )
    with Running(settings, options):
        request = json.loads(_str_request("REQ-42"))
        produce_json(
            kafka_bootstrap, topics.name(topics.service_trouble_requests), [("REQ-42", request)]
        )
        answers = consume(kafka_bootstrap, topics.name(topics.service_trouble_events), 3)
    statuses = [(a.value["eventType"], a.value["event"]["serviceTroubleReport"]) for a in answers]
    assert [(t, r["status"]) for t, r in statuses] == [
        ("ServiceTroubleReportCreateEvent", "acknowledged"),
        ("ServiceTroubleReportStatusChangeEvent", "inProgress"),
        ("ServiceTroubleReportStatusChangeEvent", "resolved"),
    ]
    assert {a.value["correlationId"] for a in answers} == {"REQ-42"}
    assert len({r["id"] for _, r in statuses}) == 1
    assert answers[0].headers["eventType"] == "ServiceTroubleReportCreateEvent"


def _one_partition_per_key(records: list[Received]) -> bool:
    partitions: dict[str | None, set[int]] = {}
    for record in records:
        partitions.setdefault(record.key, set()).add(record.partition)
    return all(len(found) == 1 for found in partitions.values())


def test_upstream_records_are_keyed_and_partitioned_by_the_clients_default(
    settings: Settings, kafka_bootstrap: str
) -> None:
    options = SimulationOptions(
        count=15, rate=500, seed=5, bad_rate=0.0, responders=False, idle_timeout=0.5
    )
    report = Simulation(settings, options).run()
    sent = sum(report.sent.values())
    assert report.reports_created == 15
    assert report.sent["CustomerProblemReportCreateEvent"] == 15
    topics = settings.topics
    records = consume(kafka_bootstrap, topics.name(topics.customer_events), sent)
    assert all(r.key is not None for r in records)
    assert _one_partition_per_key(records)
    assert all(r.headers["content-type"] == "application/json" for r in records)
    assert all(r.headers["eventType"] == r.value["eventType"] for r in records)
    reference = consume(kafka_bootstrap, topics.name(topics.component_ownership), 10)
    assert _one_partition_per_key(reference)


def _notification(report_id: str, event_type: str, status: str) -> dict[str, object]:
    return {
        "eventId": f"n-{report_id}-{status}",
        "eventTime": datetime.now(UTC).isoformat(),
        "eventType": event_type,
        "correlationId": report_id,
        "domain": "CustomerProblem",
        "event": {"customerProblemReport": {"id": report_id, "status": status}},
    }


def _wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _creates(records: list[Received]) -> Iterator[str]:
    for record in records:
        if record.value["eventType"] == "CustomerProblemReportCreateEvent":
            yield str(record.key)


def test_the_customer_side_closes_a_resolved_report_and_the_run_then_ends(
    settings: Settings, kafka_bootstrap: str
) -> None:
    topics = settings.topics
    options = SimulationOptions(
        count=1, seed=8, bad_rate=0.0, responders=False, reference_data=False, duration=60
    )
    with Running(settings, options) as running:
        (report_id,) = _creates(consume(kafka_bootstrap, topics.name(topics.customer_events), 1))
        produce_json(
            kafka_bootstrap,
            topics.name(topics.notifications),
            [
                (
                    report_id,
                    _notification(report_id, "CustomerProblemReportResolvedEvent", "resolved"),
                )
            ],
        )
        dead = {"key": report_id, "error": {"code": "illegal-transition", "message": "no"}}
        produce_json(kafka_bootstrap, topics.name(topics.dlq), [(report_id, dead)])
        upstream = running.simulation.upstream
        _wait_until(lambda: upstream.sent["CustomerProblemReportCloseEvent"] == 1, timeout=15)
        closed = _notification(report_id, "CustomerProblemReportStatusChangeEvent", "closed")
        produce_json(kafka_bootstrap, topics.name(topics.notifications), [(report_id, closed)])
        report = running.wait(timeout=20)
    events = consume(
        kafka_bootstrap, topics.name(topics.customer_events), sum(report.sent.values())
    )
    assert events[-1].key == report_id
    assert events[-1].value["eventType"] == "CustomerProblemReportCloseEvent"
    assert report.reports_open == 0
    assert report.resolved_seen == 1
    assert report.dlq == {"illegal-transition": 1}
    assert not report.interrupted


def test_a_seeded_run_against_the_worker_settles_every_report_and_earns_every_dlq_code(
    pipeline_factory: Callable[..., Any], kafka_bootstrap: str
) -> None:
    pipeline = pipeline_factory()
    topics = TopicSettings(prefix=pipeline.prefix, partitions=PARTITIONS)
    settings = Settings(kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap), topics=topics)
    options = SimulationOptions(
        count=24, rate=200, seed=21, bad_rate=1.0, reject_rate=0.0, resolve_after=1.0, duration=90
    )
    report = Simulation(settings, options).run()
    assert report.reports_open == 0
    assert report.sent["CustomerProblemReportCloseEvent"] >= 20
    codes = {kind.value: kind.expected_code for kind in BadKind}
    expected = Counter({codes[kind]: n for kind, n in report.bad.items() if codes[kind]})
    assert len(expected) == len(BadKind) - 1
    assert report.dlq == expected
    # A customer acting on a status that changed meanwhile is refused, nothing else.
    assert set(report.dlq_stale) <= {"illegal-transition"}
    assert report.delivery_failures == []
