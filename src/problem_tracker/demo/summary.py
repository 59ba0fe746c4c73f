"""What a demo run amounted to, read off the processor's own output topics.

The numbers come from what Track & Manage Customer Problem published, not from what the
simulator believes it sent: the last status of each report, the delegated work Coordinate
Customer Problem asked for, the jeopardy and escalations of Escalate/End Customer Problem,
and the input it refused.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from problem_tracker.contracts.delegated import (
    CancelPartnerProblemReportRequest,
    CancelServiceTroubleReportRequest,
    CreatePartnerProblemReportRequest,
    CreateServiceTroubleReportRequest,
)
from problem_tracker.contracts.dlq import DeadLetterRecord
from problem_tracker.contracts.escalations import (
    CustomerProblemEscalationEvent,
    CustomerProblemJeopardyEvent,
)
from problem_tracker.contracts.outbound import ReportSnapshot, ReportStatus
from problem_tracker.contracts.registry import Channel
from problem_tracker.demo.outputs import Outputs

ESCALATION_TYPES = (
    "CustomerProblemJeopardyEvent",
    "CustomerProblemEscalationEvent",
    "CustomerProblemEscalationEndEvent",
)


@dataclass(frozen=True)
class StatusStep:
    status: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class ReportStory:
    """One report's status history, with the escalation signals it raised."""

    report_id: str
    steps: tuple[StatusStep, ...]
    signals: tuple[str, ...]


@dataclass(frozen=True)
class DemoSummary:
    """Counts of one run; ``last_status`` has every TMF621 status, zero or not."""

    reports: int
    acknowledged: int
    last_status: Mapping[str, int]
    str_requests: int
    partner_requests: int
    reports_sharing_str: int
    cancel_requests: int
    escalations: Mapping[str, int]
    escalation_signals: Mapping[str, int]
    dlq: Mapping[str, int]
    dlq_example: str | None
    off_contract: int
    complete: bool
    story: ReportStory | None

    @property
    def dlq_total(self) -> int:
        return sum(self.dlq.values())


def summarise(outputs: Outputs) -> DemoSummary:
    """The run as the processor's output topics tell it."""
    snapshots = _last_snapshots(outputs.of(Channel.NOTIFICATIONS))
    requests = outputs.of(Channel.SERVICE_TROUBLE_REQUESTS)
    partner = outputs.of(Channel.PARTNER_PROBLEM_REQUESTS)
    escalations = outputs.of(Channel.ESCALATIONS)
    dead_letters = [r for r in outputs.of(Channel.DLQ) if isinstance(r, DeadLetterRecord)]
    return DemoSummary(
        reports=len(snapshots),
        acknowledged=_acknowledged(outputs.of(Channel.NOTIFICATIONS)),
        last_status=_count_all(
            (s.status.value for s in snapshots.values()), [s.value for s in ReportStatus]
        ),
        str_requests=sum(isinstance(r, CreateServiceTroubleReportRequest) for r in requests),
        partner_requests=sum(isinstance(r, CreatePartnerProblemReportRequest) for r in partner),
        reports_sharing_str=_sharing(snapshots.values()),
        cancel_requests=sum(
            isinstance(r, CancelServiceTroubleReportRequest | CancelPartnerProblemReportRequest)
            for r in [*requests, *partner]
        ),
        escalations=_count_all((e.event_type for e in escalations), ESCALATION_TYPES),
        escalation_signals=Counter(_signal(e)[1] for e in escalations),
        dlq=Counter(r.error.code.value for r in dead_letters),
        dlq_example=_dlq_line(dead_letters[0]) if dead_letters else None,
        off_contract=sum(outputs.off_contract.values()),
        complete=outputs.complete,
        story=_story(snapshots, escalations),
    )


def _last_snapshots(notifications: Iterable[Any]) -> dict[str, ReportSnapshot]:
    """Each report's latest snapshot: a report's notifications share a partition, in order."""
    return {
        n.event.customer_problem_report.id: n.event.customer_problem_report for n in notifications
    }


def _acknowledged(notifications: Iterable[Any]) -> int:
    return len(
        {
            n.event.customer_problem_report.id
            for n in notifications
            if n.event_type == "CustomerProblemReportStatusChangeEvent"
            and n.event.customer_problem_report.status is ReportStatus.ACKNOWLEDGED
        }
    )


def _count_all(values: Iterable[str], every: Iterable[str]) -> dict[str, int]:
    counts = Counter(values)
    return {name: counts.get(name, 0) for name in every} | dict(counts)


def _sharing(snapshots: Iterable[ReportSnapshot]) -> int:
    """Reports whose service trouble report also serves another report (shared trouble)."""
    reports_by_request: defaultdict[str, set[str]] = defaultdict(set)
    for snapshot in snapshots:
        for work in snapshot.service_trouble_report:
            reports_by_request[work.request_id].add(snapshot.id)
    return len(set().union(*(ids for ids in reports_by_request.values() if len(ids) > 1)))


def _signal(message: Any) -> tuple[str, str]:
    """The report an escalation-topic message is about, and what it says in a few words."""
    if isinstance(message, CustomerProblemJeopardyEvent):
        jeopardy = message.event.customer_problem_jeopardy
        return jeopardy.customer_problem_report_id, f"jeopardy {jeopardy.jeopardy.value}"
    if isinstance(message, CustomerProblemEscalationEvent):
        escalation = message.event.customer_problem_escalation
        label = f"level {escalation.level} {escalation.kind.value} → {escalation.target}"
        return escalation.customer_problem_report_id, label
    end = message.event.customer_problem_escalation_end
    return end.customer_problem_report_id, f"escalation ended: {end.reason.value}"


def _dlq_line(record: DeadLetterRecord) -> str:
    return f"{record.error.code.value} on {record.original_topic}: {record.error.message}"


def _story(snapshots: Mapping[str, ReportSnapshot], escalations: list[Any]) -> ReportStory | None:
    """The report that went through the most statuses, to show one lifecycle in full."""
    if not snapshots:
        return None
    chosen = max(snapshots.values(), key=lambda s: len(s.status_change_history))
    history = chosen.status_change_history
    steps = tuple(
        StatusStep(h.status.value, h.status_change_date, h.status_change_reason) for h in history
    )
    if not steps:
        steps = (StatusStep(chosen.status.value, chosen.status_change_date, None),)
    signals = tuple(label for report, label in map(_signal, escalations) if report == chosen.id)
    return ReportStory(chosen.id, steps, signals)
