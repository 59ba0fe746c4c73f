"""The open-report gauges count this worker's reports by status, priority, jeopardy and
escalation level, from the deadlines table's entries, exactly, across rebalances."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from builders import NOW, a_report
from problem_tracker.application.ports import FixedClock
from problem_tracker.domain.report import Status
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.ticks import Summary, TickScheduler, decode_entry, encode_entry


def _gauge(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return -1.0 if value is None else value


def _scheduler(deadlines: dict[bytes, bytes], **kwargs: Any) -> tuple[TickScheduler, Metrics]:
    metrics = Metrics()
    due = NOW + timedelta(minutes=5)
    return (
        TickScheduler(deadlines, lambda state: due, None, FixedClock(NOW), metrics, **kwargs),  # type: ignore[arg-type]
        metrics,
    )


def test_an_entry_reads_back_and_an_entry_of_digits_only_has_no_summary() -> None:
    summary = Summary("inProgress", "1", "warning", "2")

    assert decode_entry(encode_entry(17, summary)) == (17, summary)
    assert decode_entry(encode_entry(None, summary)) == (None, summary)
    assert decode_entry(b"17") == (17, None)


def test_reports_move_between_labels_and_leave_when_closed() -> None:
    deadlines: dict[bytes, bytes] = {}
    scheduler, metrics = _scheduler(deadlines)
    name = "problem_tracker_open_reports"

    scheduler.after_decision("A", a_report(id="A"))
    scheduler.after_decision("B", a_report(id="B", priority=1))
    scheduler.after_decision("A", a_report(id="A", status=Status.IN_PROGRESS))
    scheduler.open_reports.publish()

    assert _gauge(metrics, name, status="acknowledged", priority="2") == 0
    assert _gauge(metrics, name, status="inProgress", priority="2") == 1
    assert _gauge(metrics, name, status="acknowledged", priority="1") == 1
    assert _gauge(metrics, "problem_tracker_open_reports_in_jeopardy", jeopardy="none") == 2
    assert (
        _gauge(metrics, "problem_tracker_open_reports_by_escalation_level", escalation_level="0")
        == 2
    )

    scheduler.after_decision("A", a_report(id="A", status=Status.CLOSED))
    scheduler.open_reports.publish()

    assert b"A" not in deadlines
    assert _gauge(metrics, name, status="inProgress", priority="2") == 0
    assert _gauge(metrics, "problem_tracker_open_reports_in_jeopardy", jeopardy="none") == 1


def test_a_rebalance_recounts_from_the_entries_and_zeroes_labels_it_took_away() -> None:
    deadlines: dict[bytes, bytes] = {}
    legacy = a_report(id="L", status=Status.PENDING)
    scheduler, metrics = _scheduler(deadlines, report_of={"L": legacy}.get)
    scheduler.after_decision("A", a_report(id="A"))
    scheduler.after_decision("B", replace(a_report(id="B"), status=Status.HELD))
    scheduler.open_reports.publish()
    del deadlines[b"B"]  # its partition went to another worker
    deadlines[b"L"] = b"12345"  # written before entries carried a summary

    scheduler.rebuild()

    name = "problem_tracker_open_reports"
    assert _gauge(metrics, name, status="acknowledged", priority="2") == 1
    assert _gauge(metrics, name, status="held", priority="2") == 0
    assert _gauge(metrics, name, status="pending", priority="2") == 1
    assert len(scheduler.index) == 2
