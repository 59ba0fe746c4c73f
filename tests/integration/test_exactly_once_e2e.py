"""With ``processing_guarantee=exactly_once`` every output is written in the transaction of
the input that caused it: a downstream consumer reading committed records sees the whole
internal-fault flow."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from pipeline import Pipeline

from problem_tracker.simulate.messages import CLOSE, Topic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pipeline(pipeline_factory: Callable[..., Pipeline]) -> Pipeline:
    return pipeline_factory(PROBLEM_TRACKER_WORKER__PROCESSING_GUARANTEE="exactly_once")


def read_committed(pipeline: Pipeline, topic: Topic, timeout: float = 30.0) -> list:
    """Every committed value of ``topic``, as a downstream consumer with read_committed
    sees it (read to the end of each partition)."""
    consumer = Consumer(
        {
            "bootstrap.servers": pipeline.bootstrap,
            "group.id": f"downstream-{uuid.uuid4().hex}",
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    name = pipeline.names[topic]
    consumer.assign([TopicPartition(name, p, OFFSET_BEGINNING) for p in range(3)])
    values: list = []
    unread = {0, 1, 2}
    deadline = time.monotonic() + timeout
    try:
        while unread and time.monotonic() < deadline:
            record = consumer.poll(0.2)
            if record is None:
                continue
            if record.error() is None:
                values.append(json.loads(record.value()))
            elif record.error().code() == KafkaError._PARTITION_EOF:
                unread.discard(record.partition())
    finally:
        consumer.close()
    assert not unread, f"partitions {unread} of {name} not read to the end"
    return values


def test_an_internal_fault_flows_through_a_transactional_worker_to_committed_readers(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-eos-1", services=["svc-eos-1"])
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-eos-1")
    pipeline.wait_for(
        "service trouble linked",
        lambda: (pipeline.view("CPR-eos-1") or {}).get("serviceTroubleReport"),
    )
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    pipeline.wait_status("CPR-eos-1", "resolved")
    pipeline.customer(CLOSE, "CPR-eos-1")
    pipeline.wait_statuses("CPR-eos-1", ["acknowledged", "inProgress", "resolved", "closed"])

    requests = read_committed(pipeline, Topic.SERVICE_TROUBLE_REQUESTS)
    notifications = read_committed(pipeline, Topic.NOTIFICATIONS)

    assert [r["eventType"] for r in requests] == ["CreateServiceTroubleReportRequest"]
    assert [
        n["event"]["customerProblemReport"]["status"]
        for n in notifications
        if n["eventType"] == "CustomerProblemReportStatusChangeEvent"
    ] == ["acknowledged", "inProgress", "resolved", "closed"]
    assert [n["eventType"] for n in notifications].count("CustomerProblemReportResolvedEvent") == 1
    assert len({n["eventId"] for n in notifications}) == len(notifications)


def test_a_transactional_worker_killed_mid_flow_shows_committed_readers_each_output_once(
    pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pipeline.create("CPR-eos-2", services=["svc-eos-2"])
    request_id = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-eos-2")
    pipeline.wait_for(
        "service trouble linked",
        lambda: (pipeline.view("CPR-eos-2") or {}).get("serviceTroubleReport"),
    )
    pipeline.worker.kill()
    pipeline.restart_worker(tmp_path_factory.mktemp("worker-eos-empty-disk"))

    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, request_id, "resolved")
    pipeline.wait_status("CPR-eos-2", "resolved", timeout=60)
    pipeline.customer(CLOSE, "CPR-eos-2")
    pipeline.wait_status("CPR-eos-2", "closed")

    notifications = [
        n
        for n in read_committed(pipeline, Topic.NOTIFICATIONS)
        if n["correlationId"] == "CPR-eos-2"
    ]
    statuses = [
        n["event"]["customerProblemReport"]["status"]
        for n in notifications
        if n["eventType"] == "CustomerProblemReportStatusChangeEvent"
    ]
    assert statuses == ["acknowledged", "inProgress", "resolved", "closed"]
    assert len({n["eventId"] for n in notifications}) == len(notifications)
    requests = read_committed(pipeline, Topic.SERVICE_TROUBLE_REQUESTS)
    assert [r["correlationId"] for r in requests].count(request_id) == 1
