"""A misspelt setting stops the command in one line that names the right one; it is never
ignored in silence while a default takes its place."""

from __future__ import annotations

import pytest

from problem_tracker.cli import main
from problem_tracker.config import setting_names, unknown_settings


def test_every_known_variable_is_accepted() -> None:
    environ = dict.fromkeys(setting_names(), "x")
    environ["PATH"] = "/usr/bin"

    assert unknown_settings(environ) == []
    assert "PROBLEM_TRACKER_WORKER__DATA_DIR" in setting_names()


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("PROBLEM_TRACKER_DATA_DIR", "PROBLEM_TRACKER_WORKER__DATA_DIR"),
        ("PROBLEM_TRACKER_WORKER__SLA_POLICY_FIL", "PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE"),
        ("problem_tracker_kafka__bootstrap_server", "PROBLEM_TRACKER_KAFKA__BOOTSTRAP_SERVERS"),
    ],
)
def test_a_misspelt_variable_is_named_with_the_setting_it_was_meant_for(
    name: str, suggestion: str
) -> None:
    assert unknown_settings({name: "x"}) == [
        f"{name} is not a setting (did you mean {suggestion}?)"
    ]


def test_a_command_refuses_to_run_with_a_misspelt_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROBLEM_TRACKER_DATA_DIR", "/srv/state")

    code = main(["topics", "plan"])

    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert lines == [
        "problem-tracker topics: PROBLEM_TRACKER_DATA_DIR is not a setting "
        "(did you mean PROBLEM_TRACKER_WORKER__DATA_DIR?)"
    ]
