"""How a run looks in a terminal: a live progress display and a closing summary."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from problem_tracker.simulate.faults import BadKind
from problem_tracker.simulate.simulation import SimulationReport


class ProgressView:
    """Reports created, requests answered, resolutions and DLQ entries seen, live."""

    def __init__(self, console: Console, count: int, *, upstream: bool, responders: bool) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks = {}
        if upstream:
            self._tasks["created"] = self._progress.add_task("reports created", total=count)
        if responders:
            self._tasks["answered"] = self._progress.add_task("requests answered", total=None)
        if upstream:
            self._tasks["resolved"] = self._progress.add_task("resolved seen", total=count)
            self._tasks["dlq"] = self._progress.add_task("DLQ seen", total=None)

    def __enter__(self) -> ProgressView:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, report: SimulationReport) -> None:
        values = {
            "created": report.reports_created,
            "answered": report.requests_answered,
            "resolved": report.resolved_seen,
            "dlq": report.dlq_seen,
        }
        for name, task in self._tasks.items():
            self._progress.update(task, completed=values[name])


def summary(report: SimulationReport) -> Table:
    """Everything the run sent and saw, grouped by who did it."""
    table = Table(title=f"Simulation (seed {report.seed})", show_lines=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    elapsed = f"{report.elapsed:.1f}" + (" (interrupted)" if report.interrupted else "")
    rows: list[tuple[str, object]] = [("elapsed seconds", elapsed)]
    if report.upstream:
        rows += [
            ("reference records sent", report.reference_sent),
            ("reports created", f"{report.reports_created} of {report.count}"),
            ("reports still open", report.reports_open),
        ]
    rows += [(f"sent {event_type}", n) for event_type, n in sorted(report.sent.items())]
    rows += [
        (f"skipped {action} (status moved on)", n) for action, n in sorted(report.skipped.items())
    ]
    rows += [(f"seen {event_type}", n) for event_type, n in sorted(report.notifications.items())]
    rows += [(f"responders: {what}", n) for what, n in sorted(report.responders.items())]
    rows += [("delivery failures", len(report.delivery_failures))]
    for what, count in rows:
        table.add_row(what, str(count))
    return table


def bad_input_table(report: SimulationReport) -> Table:
    """Each kind of bad input sent, next to the DLQ entries carrying its code."""
    table = Table(title="Deliberately bad input")
    for column in ("kind", "sent", "expected DLQ code", "DLQ entries seen"):
        table.add_column(column, justify="left" if column != "sent" else "right")
    for kind in BadKind:
        code = kind.expected_code
        seen = "none expected" if code is None else str(report.dlq.get(code, 0))
        table.add_row(kind.value, str(report.bad.get(kind.value, 0)), code or "—", seen)
    expected = {kind.expected_code for kind in BadKind}
    for code, count in sorted(report.dlq.items()):
        if code not in expected:
            table.add_row("(other)", "", code, str(count))
    return table
