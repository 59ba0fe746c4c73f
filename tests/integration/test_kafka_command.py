"""An operator's view of the local broker: ``problem-tracker kafka up|status|down``."""

from __future__ import annotations

from pathlib import Path

import pytest

from problem_tracker.cli import main
from problem_tracker.kafka_local import free_port
from problem_tracker.kafka_local.broker import port_is_free

pytestmark = pytest.mark.integration


def _free_pair() -> int:
    """A free port whose successor (the controller's, by default) is free too."""
    while True:
        port = free_port()
        if port < 65535 and port_is_free(port + 1):
            return port


def test_a_broker_on_a_custom_port_comes_up_reports_itself_and_goes_down(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_pair()
    where = ["--data-dir", str(tmp_path)]
    try:
        assert main(["kafka", "up", "--port", str(port), *where]) == 0
        assert main(["kafka", "status", *where]) == 0
        assert main(["kafka", "up", "--port", str(port), *where]) == 0
    finally:
        assert main(["kafka", "down", *where]) == 0
    assert main(["kafka", "status", *where]) == 3

    lines = capsys.readouterr().out.splitlines()
    address = f"127.0.0.1:{port}"
    assert lines[0].startswith(f"{address} up (Kafka ")
    assert lines[1].startswith(f"{address} up (pid ")
    assert lines[2].startswith(f"{address} already up")
    assert lines[3] == f"{address} stopped"
    assert lines[4].endswith(" down")
    assert (tmp_path / "logs" / "server.log").stat().st_size > 0


def test_a_taken_port_is_refused_in_one_line(
    tmp_path: Path, kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = kafka_bootstrap.rsplit(":", 1)[1]

    assert main(["kafka", "up", "--port", taken, "--data-dir", str(tmp_path)]) == 1

    error = capsys.readouterr().err
    assert error.startswith(f"problem-tracker kafka: port {taken} on 127.0.0.1 is taken")
    assert error.count("\n") == 1
