"""Each demo run keeps its own state directory; earlier ones are forgotten."""

from __future__ import annotations

import os
from pathlib import Path

from problem_tracker.demo.run import prune_state
from problem_tracker.worker_child import PID_FILE


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
