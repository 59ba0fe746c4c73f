"""Fixtures that run the processor as a real worker process on the session broker."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pipeline import Pipeline
from worker_process import isolated_settings, start_ready, worker_in

from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, TopicSettings

PipelineFactory = Callable[..., Pipeline]


@pytest.fixture(scope="module")
def pipeline_factory(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineFactory]:
    """Start pipelines (a worker on its own topics) for one test module; stop them after."""
    started: list[Pipeline] = []

    def start(**worker_env: str) -> Pipeline:
        tag = uuid.uuid4().hex[:8]
        prefix = f"it{tag}."
        ensure_topics(
            KafkaSettings(bootstrap_servers=kafka_bootstrap),
            topic_plan(TopicSettings(prefix=prefix, partitions=3)),
        )
        settings = isolated_settings(kafka_bootstrap, f"pt-it-{tag}", prefix)
        worker = worker_in(Path(tmp_path_factory.mktemp(f"worker-{tag}")), settings, worker_env)
        pipeline = Pipeline(kafka_bootstrap, prefix, worker)
        pipeline.collector.start()
        started.append(pipeline)
        start_ready(worker)
        return pipeline

    yield start
    for pipeline in started:
        pipeline.worker.stop()
        pipeline.collector.stop()


@pytest.fixture(scope="module")
def pipeline(pipeline_factory: PipelineFactory) -> Pipeline:
    """One worker shared by the scenarios of a module (each uses its own report ids)."""
    return pipeline_factory()
