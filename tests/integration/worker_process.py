"""Run ``problem-tracker worker`` as a real child process against the test broker.

Integration tests drive the worker exactly as an operator would: environment settings,
its own data directory, a unique app id and topic prefix so tests never share state.
A worker's home directory holds its log (``worker.log``) and its tables (``state/``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from problem_tracker.config import KafkaSettings, Settings, TopicSettings, WorkerSettings
from problem_tracker.kafka_local import free_port
from problem_tracker.worker_child import WorkerChild, WorkerStartError

READY_SECONDS = 90.0


def isolated_settings(bootstrap: str, app_id: str, topic_prefix: str) -> Settings:
    """A worker of its own app on its own topics; a killed one leaves its group in seconds,
    not half a minute."""
    return Settings(
        kafka=KafkaSettings(bootstrap_servers=bootstrap),
        topics=TopicSettings(prefix=topic_prefix, partitions=3),
        worker=WorkerSettings(
            app_id=app_id,
            log_level="INFO",
            session_timeout_seconds=6,
            heartbeat_interval_seconds=1,
        ),
    )


def worker_in(home: Path, settings: Settings, extra_env: Mapping[str, str]) -> WorkerChild:
    """A worker with its log and tables under ``home``, its endpoints on a free port."""
    worker = settings.worker.model_copy(
        update={"data_dir": home / "state", "web_port": free_port()}
    )
    return WorkerChild(
        settings.model_copy(update={"worker": worker}),
        home / "worker.log",
        os.environ,
        overrides=extra_env,
    )


def home_of(worker: WorkerChild) -> Path:
    return worker.log_path.parent


def start_ready(worker: WorkerChild, timeout: float = READY_SECONDS) -> WorkerChild:
    """Start and wait until ready; a worker that is not says why from its log."""
    worker.start()
    try:
        worker.wait_ready(timeout)
    except WorkerStartError as exc:
        worker.stop()
        raise WorkerStartError(f"{exc}:\n{worker.tail()}") from exc
    return worker
