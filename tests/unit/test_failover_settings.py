"""How soon a dead worker's partitions move, as configured: a session timeout the broker
accepts by default, heartbeats that fit in it, and static membership only when asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from problem_tracker.config import Settings, WorkerSettings
from problem_tracker.streaming.app import create_app


def test_a_crashed_worker_is_noticed_after_10_seconds_by_default() -> None:
    worker = WorkerSettings()

    assert worker.session_timeout_seconds == 10
    assert worker.heartbeat_interval_seconds == 3
    assert worker.group_instance_id is None


def test_heartbeats_must_fit_three_times_in_the_session_timeout() -> None:
    with pytest.raises(ValidationError, match="at most a third of session_timeout_seconds"):
        WorkerSettings(session_timeout_seconds=6, heartbeat_interval_seconds=3)


def test_the_settings_reach_the_kafka_consumer(tmp_path: Path) -> None:
    app = create_app(
        Settings(
            worker=WorkerSettings(
                store="memory://",
                data_dir=tmp_path,
                session_timeout_seconds=12,
                heartbeat_interval_seconds=2,
                group_instance_id="worker-0",
            )
        )
    )

    assert app.conf.broker_session_timeout == 12
    assert app.conf.broker_heartbeat_interval == 2
    assert app.conf.consumer_group_instance_id == "worker-0"


def test_static_membership_is_off_unless_an_id_is_given(tmp_path: Path) -> None:
    app = create_app(Settings(worker=WorkerSettings(store="memory://", data_dir=tmp_path)))

    assert app.conf.consumer_group_instance_id is None
