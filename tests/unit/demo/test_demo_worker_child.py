"""The demo's worker child is configured by its environment, and by nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from problem_tracker.config import KafkaSettings, Settings, TopicSettings, WorkerSettings
from problem_tracker.demo.run import prune_state
from problem_tracker.demo.worker_child import PID_FILE, WorkerChild, settings_env


def test_the_child_environment_rebuilds_the_same_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(
        kafka=KafkaSettings(
            bootstrap_servers="b1:9092,b2:9092",
            sasl_mechanism="PLAIN",
            sasl_username="demo",
            sasl_password=SecretStr("s3cret"),
        ),
        topics=TopicSettings(prefix="demo-1.", partitions=3),
        worker=WorkerSettings(
            app_id="demo-1", sla_policy_file=Path("/policies/fast.yaml"), web_port=7001
        ),
    )
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)

    assert Settings() == settings


def test_settings_set_in_the_parent_shell_do_not_reach_the_child(tmp_path: Path) -> None:
    settings = Settings(worker=WorkerSettings(data_dir=tmp_path / "state"))
    inherited = {"PATH": "/usr/bin", "PROBLEM_TRACKER_WORKER__APP_ID": "someone-elses"}

    child = WorkerChild(settings, tmp_path / "worker.log", inherited)

    assert child.environment()["PATH"] == "/usr/bin"
    assert child.environment()["PROBLEM_TRACKER_WORKER__APP_ID"] == "problem-tracker"


def test_earlier_runs_state_is_removed_unless_a_kept_worker_still_uses_it(
    tmp_path: Path,
) -> None:
    old, kept, current = (tmp_path / name for name in ("demo-1", "demo-2", "demo-3"))
    for run_dir in (old, kept, current):
        run_dir.mkdir()
    (old / PID_FILE).write_text("999999999\n")
    (kept / PID_FILE).write_text(f"{os.getpid()}\n")

    prune_state(tmp_path, keep="demo-3")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-2", "demo-3"]
