"""``make bench-quick`` keeps working: one small round of the ceilings and the pipeline on
the session's broker, each variant measured from its outputs, its topics removed after.

Speed is never judged here (BENCHMARKS.md holds the figures); only that the harness
counts what it claims to count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = ("raw", "faust", "faust-table")


def _topics(bootstrap: str) -> set[str]:
    return set(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics)


def test_one_quick_round_measures_every_ceiling_and_complete_reports(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    before = _topics(kafka_bootstrap)
    command = [
        *(sys.executable, "-m", "bench", "ceilings", "--rounds", "1"),
        *("--reports", "60", "--messages", "400", "--timeout", "120"),
        *("--bootstrap", kafka_bootstrap, "--results-dir", str(tmp_path)),
    ]

    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=280)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [path] = tmp_path.glob("ceilings-*.json")
    result = json.loads(path.read_text())
    figures = {name: figure["value"] for name, figure in result["figures"].items()}
    for variant in VARIANTS:
        assert figures[f"{variant}: records/s"] > 0
        assert figures[f"{variant}: CPU per record"] > 0
    assert figures["pipeline: complete reports/s"] > 0
    assert figures["pipeline: worker CPU per complete report"] > 0
    assert figures["pipeline: worker messages in per report"] > 0
    assert figures["ratio: worker CPU per report / faust-table CPU per record"] > 0
    assert [goal["met"] for goal in result["goals"]] in ([True], [False])
    assert not {t for t in _topics(kafka_bootstrap) - before if t.startswith(("bench", "pt-bench"))}
