import io
from collections import Counter

from rich.console import Console

from problem_tracker.simulate.console import ProgressView, bad_input_table, summary
from problem_tracker.simulate.simulation import SimulationReport


def _render(renderable: object) -> str:
    out = io.StringIO()
    Console(file=out, width=120).print(renderable)
    return out.getvalue()


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("│")[1:-1]]


def _report(**fields: object) -> SimulationReport:
    report = SimulationReport(seed=7, count=10, reports_created=10, reports_open=2)
    for name, value in fields.items():
        setattr(report, name, value)
    return report


def test_the_summary_names_the_seed_and_what_was_sent_and_seen() -> None:
    report = _report(
        sent=Counter({"CustomerProblemReportCreateEvent": 10}),
        notifications=Counter({"CustomerProblemReportResolvedEvent": 8}),
        responders=Counter({"requests": 4}),
    )
    text = _render(summary(report))
    assert "seed 7" in text
    assert "10 of 10" in text
    assert "sent CustomerProblemReportCreateEvent" in text
    assert "seen CustomerProblemReportResolvedEvent" in text
    assert "responders: requests" in text


def test_a_responders_only_summary_leaves_out_reports() -> None:
    text = _render(summary(SimulationReport(seed=1, count=0, upstream=False)))
    assert "reports created" not in text


def test_bad_input_is_shown_next_to_the_dead_letters_with_its_code() -> None:
    report = _report(
        bad=Counter({"oversized": 2, "duplicate-event": 1}),
        dlq=Counter({"oversized": 2, "unknown-report": 1, "something-else": 3}),
    )
    lines = _render(bad_input_table(report)).splitlines()
    rows = {cells[0]: cells[1:] for cells in map(_cells, lines) if cells}
    assert rows["oversized"] == ["2", "oversized", "2"]
    assert rows["unknown-report"] == ["0", "unknown-report", "1"]
    assert rows["duplicate-event"] == ["1", "—", "none expected"]
    assert rows["(other)"] == ["", "something-else", "3"]


def test_progress_follows_the_report() -> None:
    out = io.StringIO()
    view = ProgressView(Console(file=out, width=100), 10, upstream=True, responders=True)
    with view:
        view.update(_report(responders=Counter({"requests": 3})))
    text = out.getvalue()
    assert "10/10" in text
    assert "3" in text
