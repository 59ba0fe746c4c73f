"""Pieces the benchmark figures rest on: percentiles and what is read from a worker log."""

from __future__ import annotations

import json
from pathlib import Path

from bench.kafka_env import BenchWorker, RunTopics
from bench.report import percentile


def _line(ts: str, msg: str, **extra: object) -> str:
    return json.dumps({"ts": f"2026-11-27T11:00:{ts}+00:00", "msg": msg, **extra})


def test_a_percentile_is_a_value_that_was_observed() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0


def test_the_latest_due_index_rebuild_is_read_from_the_worker_log(tmp_path: Path) -> None:
    worker = BenchWorker("h:1", "app", RunTopics("p.", 6), tmp_path)
    worker.log_path.write_text(
        "\n".join(
            [
                _line("01.000", "[^---Recovery]: Restore complete!"),
                _line("01.004", "due-index rebuilt", entries=10),
                "not json: a stray line from a library",
                _line("30.100", "[^---Recovery]: Restore complete!"),
                _line("30.620", "due-index rebuilt", entries=200000),
            ]
        )
    )
    entries, seconds = worker.last_rebuild() or (0, 0.0)
    assert entries == 200000
    assert round(seconds, 3) == 0.52
