"""What a benchmark run found, the machine it ran on, and where the result is written.

A ``Result`` holds measured figures (name, value, unit) and goal checks; it is printed as
a table and saved as JSON so later runs can be compared with this one.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shlex
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | int | str
    unit: str = ""


@dataclass(frozen=True)
class GoalCheck:
    """One product goal against what was measured; ``met`` is None when not checkable."""

    goal: str
    measured: str
    met: bool | None


@dataclass
class Result:
    benchmark: str
    parameters: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    goals: list[GoalCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    load_at_start: tuple[float, float, float] = field(default_factory=os.getloadavg)

    def add(self, name: str, value: float | int | str, unit: str = "") -> None:
        if any(figure.name == name for figure in self.figures):
            raise ValueError(f"figure {name!r} measured twice")
        self.figures.append(Figure(name, value, unit))

    def check(self, goal: str, measured: str, met: bool | None) -> None:
        self.goals.append(GoalCheck(goal, measured, met))

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "date": self.started.date().isoformat(),
            "started": self.started.isoformat(timespec="seconds"),
            "command": "python -m bench " + shlex.join(sys.argv[1:]),
            "machine": machine(),
            "load_average_1_5_15": {"start": self.load_at_start, "end": os.getloadavg()},
            "parameters": self.parameters,
            "figures": {f.name: {"value": f.value, "unit": f.unit} for f in self.figures},
            "goals": [asdict(g) for g in self.goals],
            "series": self.series,
            "notes": self.notes,
        }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(_meminfo_kib("MemTotal") / 1024**2, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def _meminfo_kib(field_name: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.seconds``."""

    seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._started


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size of a process (VmRSS), this one by default."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation): a value that was actually observed."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def save(result: Result, results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{result.benchmark}-{result.started.date().isoformat()}.json"
    path.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
    return path


def show(result: Result, path: Path, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"bench {result.benchmark}", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for figure in result.figures:
        table.add_row(figure.name, _format(figure.value), figure.unit)
    console.print(table)
    for goal in result.goals:
        verdict = {True: "MET", False: "NOT MET", None: "not checked"}[goal.met]
        console.print(f"goal: {goal.goal} — measured {goal.measured}: {verdict}")
    for name, points in result.series.items():
        shown = ", ".join(f"{x:g}: {y:g}" for x, y in _thin(points))
        console.print(f"{name}: {shown}")
    for note in result.notes:
        console.print(f"note: {note}")
    console.print(f"result written to {path}")


def _thin(points: list[tuple[float, float]], most: int = 12) -> list[tuple[float, float]]:
    """About ``most`` points for the console, always ending with the last one."""
    kept = points[:: max(1, -(-len(points) // most))]
    return kept if kept[-1:] == points[-1:] else [*kept, points[-1]]


def _format(value: float | int | str) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def finish(result: Result, results_dir: Path) -> int:
    """Save and print. A missed goal is a finding, not a failure of the run: exit 0."""
    show(result, save(result, results_dir))
    return 0
