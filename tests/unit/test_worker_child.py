"""A worker child is configured by the Settings it is given, and by nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from problem_tracker.config import KafkaSettings, Settings, TopicSettings, WorkerSettings
from problem_tracker.worker_child import (
    PID_FILE,
    WorkerChild,
    WorkerStartError,
    holds_live_worker,
    settings_env,
)


def test_the_child_environment_rebuilds_the_same_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(
        kafka=KafkaSettings(
            bootstrap_servers="b1:9092,b2:9092",
            security_protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="demo",
            sasl_password=SecretStr("s3cret"),
            ssl_cafile=Path("/etc/kafka/ca.pem"),
            ssl_certfile=Path("/etc/kafka/client.pem"),
            ssl_keyfile=Path("/etc/kafka/client.key"),
            ssl_key_password=SecretStr("key-s3cret"),
            ssl_check_hostname=False,
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
    inherited = {
        "PATH": "/usr/bin",
        "PROBLEM_TRACKER_WORKER__APP_ID": "someone-elses",
        "PROBLEM_TRACKER_KAFKA__SASL_PASSWORD": "someone-elses",
    }

    environment = WorkerChild(settings, tmp_path / "worker.log", inherited).environment()

    assert environment["PATH"] == "/usr/bin"
    assert environment["PROBLEM_TRACKER_WORKER__APP_ID"] == "problem-tracker"
    assert "PROBLEM_TRACKER_KAFKA__SASL_PASSWORD" not in environment


def test_a_child_asked_to_inherit_settings_takes_unset_fields_from_the_parent(
    tmp_path: Path,
) -> None:
    inherited = {"PROBLEM_TRACKER_KAFKA__SASL_PASSWORD": "from-the-vault"}

    child = WorkerChild(Settings(), tmp_path / "worker.log", inherited, inherit_settings=True)

    assert child.environment()["PROBLEM_TRACKER_KAFKA__SASL_PASSWORD"] == "from-the-vault"


def test_overrides_win_over_the_settings(tmp_path: Path) -> None:
    overrides = {"PROBLEM_TRACKER_WORKER__PROCESSING_GUARANTEE": "exactly_once"}

    child = WorkerChild(Settings(), tmp_path / "worker.log", {}, overrides=overrides)

    assert child.environment()["PROBLEM_TRACKER_WORKER__PROCESSING_GUARANTEE"] == "exactly_once"


def test_a_worker_that_cannot_start_is_reported_with_the_cause_from_its_log(
    tmp_path: Path,
) -> None:
    missing_policy = tmp_path / "no-such-policy.yaml"
    settings = Settings(
        worker=WorkerSettings(data_dir=tmp_path / "state", sla_policy_file=missing_policy)
    )
    log_path = tmp_path / "worker.log"
    log_path.write_text("the earlier worker's log\n")
    child = WorkerChild(settings, log_path, {})

    with child, pytest.raises(WorkerStartError, match="exited"):
        child.start().wait_ready(timeout=30)

    assert not child.alive
    assert any(str(missing_policy) in line for line in child.log_excerpt())
    assert log_path.with_suffix(".previous.log").read_text() == "the earlier worker's log\n"
    assert (tmp_path / "state" / PID_FILE).read_text() == f"{child.pid}\n"
    assert not holds_live_worker(tmp_path / "state")
