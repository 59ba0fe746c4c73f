"""How a demo run's outcome reads in a terminal: one table, then one report's story."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from problem_tracker.demo.summary import DemoSummary, ReportStory

Rows = list[tuple[str, object]]


def summary_table(summary: DemoSummary) -> Table:
    """Reports by last status, delegated work, escalations and the DLQ, in sections."""
    table = Table()
    table.add_column("what")
    table.add_column("count", justify="right")
    for section in _sections(summary):
        for label, value in section:
            table.add_row(label, str(value))
        table.add_section()
    return table


def _sections(summary: DemoSummary) -> list[Rows]:
    reports: Rows = [
        ("reports seen on the notifications topic", summary.reports),
        ("  … of which were acknowledged", summary.acknowledged),
    ]
    reports += [(f"  last status {status}", n) for status, n in summary.last_status.items()]
    delegated: Rows = [
        ("service trouble (STR) requests issued", summary.str_requests),
        ("  reports sharing an STR with another report", summary.reports_sharing_str),
        ("partner problem requests issued", summary.partner_requests),
        ("cancel requests (STR and partner)", summary.cancel_requests),
    ]
    escalations: Rows = [(f"{kind}", n) for kind, n in summary.escalations.items()]
    escalations += [(f"  {signal}", n) for signal, n in sorted(summary.escalation_signals.items())]
    dlq: Rows = [("DLQ entries", summary.dlq_total)]
    dlq += [(f"  {code}", n) for code, n in sorted(summary.dlq.items())]
    checks: Rows = [("published records off the contract", summary.off_contract)]
    return [reports, delegated, escalations, dlq, checks]


def story_lines(story: ReportStory) -> Text:
    """``CPR-1: acknowledged 10:00:00.120 → inProgress +0.4 s → …`` and its signals."""
    first = story.steps[0]
    text = Text(f"{story.report_id}: ", style="bold")
    stamp = f"{first.at:%H:%M:%S.%f}"[:-3]
    text.append(f"{first.status} {stamp}")
    for step in story.steps[1:]:
        text.append(f" → {step.status} +{(step.at - first.at).total_seconds():.1f} s")
        if step.reason:
            text.append(f" ({step.reason})", style="dim")
    for signal in story.signals:
        text.append(f"\n  {signal}", style="yellow")
    return text


def samples(summary: DemoSummary) -> RenderableType:
    """A few lines that show real traffic: one report's lifecycle and one refused record."""
    parts: list[RenderableType] = [Text("Sample: the longest status history", style="bold")]
    if summary.story is not None:
        parts.append(story_lines(summary.story))
    if summary.dlq_example is not None:
        parts.append(Text(f"Sample DLQ entry: {summary.dlq_example}"))
    return Group(*parts)
