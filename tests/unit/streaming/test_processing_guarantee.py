"""The worker keeps only the guarantee it can keep under faults; it says so in one line."""

from __future__ import annotations

import pytest

from problem_tracker.cli import main


def test_exactly_once_is_refused_in_one_line_before_any_kafka_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("PROBLEM_TRACKER_WORKER__PROCESSING_GUARANTEE", "exactly_once")
    monkeypatch.setenv("PROBLEM_TRACKER_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("PROBLEM_TRACKER_WORKER__DATA_DIR", str(tmp_path))

    code = main(["worker", "--plain-logs"])

    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(lines) == 1
    assert "exactly_once is refused" in lines[0]
    assert "at_least_once" in lines[0]
