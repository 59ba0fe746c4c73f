"""The benchmark harness keeps running: tiny sizes, real code paths, a result on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.__main__ import build_parser, main


def _result(results_dir: Path, name: str) -> dict:
    [path] = results_dir.glob(f"{name}-*.json")
    return json.loads(path.read_text())


def test_the_due_index_benchmark_measures_memory_speed_and_rebuild(tmp_path: Path) -> None:
    assert main(["due-index", "--reports", "3000", "--results-dir", str(tmp_path)]) == 0

    result = _result(tmp_path, "due-index")
    figures = result["figures"]
    assert figures["spread: index bytes/report (traced)"]["value"] > 0
    assert figures["clustered: schedule"]["unit"] == "reports/s"
    assert figures["rebuild: iterate store + DueIndex.rebuild"]["value"] > 0
    assert result["command"].startswith("python -m bench")
    assert [goal["met"] for goal in result["goals"]] == [None, None]


def test_the_domain_benchmark_takes_every_report_to_closed(tmp_path: Path) -> None:
    assert main(["domain", "--reports", "30", "--results-dir", str(tmp_path)]) == 0

    figures = _result(tmp_path, "domain")["figures"]
    assert figures["reports taken from create to closed"]["value"] == 30
    assert figures["commands handled"]["value"] == 30 * 6
    assert figures["decode + handle + encode throughput"]["unit"] == "commands/s"


def test_an_unknown_benchmark_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["everything"])
    assert "invalid choice" in capsys.readouterr().err
