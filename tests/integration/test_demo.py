"""The demo end to end on the session broker: its summary agrees with what was played."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from problem_tracker.config import KafkaSettings, Settings, TopicSettings
from problem_tracker.demo import Demo, DemoOptions, DemoResult
from problem_tracker.simulate import BadKind

pytestmark = pytest.mark.integration

FAST_POLICY = Path(__file__).parents[2] / "deploy" / "policies" / "sla-policy.fast.yaml"


@pytest.fixture(scope="module")
def demo_run(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[DemoResult, str]:
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap),
        topics=TopicSettings(partitions=3),
    )
    options = DemoOptions(
        count=10,
        rate=30.0,
        duration=20.0,
        bad_rate=0.4,
        resolve_after=2.0,
        idle_timeout=4.0,
        seed=20261127,
        workdir=tmp_path_factory.mktemp("demo"),
        sla_policy=FAST_POLICY,
        bootstrap_servers=kafka_bootstrap,
    )
    said = io.StringIO()
    result = Demo(settings, options, Console(file=said, width=120), os.environ).run()
    return result, said.getvalue()


def test_every_created_report_is_acknowledged_and_has_one_last_status(
    demo_run: tuple[DemoResult, str],
) -> None:
    result, _ = demo_run
    summary = result.summary

    assert summary.reports == result.simulation.reports_created == 10
    assert summary.acknowledged == summary.reports
    assert sum(summary.last_status.values()) == summary.reports
    assert summary.complete
    assert summary.off_contract == 0


def test_each_kind_of_bad_input_sent_shows_up_in_the_dlq_with_its_code(
    demo_run: tuple[DemoResult, str],
) -> None:
    result, _ = demo_run
    sent = {BadKind(kind).expected_code for kind in result.simulation.bad} - {None}

    assert sent, "the seed sends bad input"
    assert sent <= set(result.summary.dlq)
    assert result.summary.dlq_total >= result.simulation.dlq_seen


def test_every_request_on_the_topics_reached_the_simulated_responders(
    demo_run: tuple[DemoResult, str],
) -> None:
    result, _ = demo_run
    summary, answered = result.summary, result.simulation.responders
    issued = summary.str_requests + summary.partner_requests + summary.cancel_requests

    assert issued > 0
    assert issued == answered["requests"] + answered["repeated requests"]


def test_the_demo_uses_the_given_cluster_and_stops_its_worker_gracefully(
    demo_run: tuple[DemoResult, str],
) -> None:
    result, said = demo_run

    assert not result.local_kafka
    assert f"using {result.settings.kafka.bootstrap_servers}" in said
    assert result.settings.topics.prefix == f"{result.run_id}."
    assert result.worker_stop is not None
    assert result.worker_stop.startswith("stopped gracefully")
