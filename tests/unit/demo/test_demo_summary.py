"""The demo's summary tells the run as the processor's output topics tell it."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from rich.console import Console

from problem_tracker.contracts.registry import Channel
from problem_tracker.demo.console import samples, summary_table
from problem_tracker.demo.outputs import Outputs
from problem_tracker.demo.summary import ESCALATION_TYPES, summarise

MESSAGES = Path(__file__).parents[2] / "assets" / "messages"


@cache
def _asset(name: str) -> dict[str, Any]:
    return dict(json.loads((MESSAGES / f"{name}.json").read_text()))


def asset(name: str) -> dict[str, Any]:
    return copy.deepcopy(_asset(name))


def status_change(
    report_id: str, status: str, *, history: list[str] | None = None, strs: list[str] = ()
) -> dict[str, Any]:
    message = asset("CustomerProblemReportStatusChangeEvent")
    message["correlationId"] = report_id
    report = message["event"]["customerProblemReport"]
    report.update(id=report_id, status=status, partnerProblemReport=[])
    report["serviceTroubleReport"] = [{"requestId": r, "status": "acknowledged"} for r in strs]
    steps = history or [status]
    report["statusChangeHistory"] = [
        {"status": s, "statusChangeDate": f"2026-11-26T10:00:0{i}Z"} for i, s in enumerate(steps)
    ]
    return message


def escalation(report_id: str, level: int, target: str) -> dict[str, Any]:
    message = asset("CustomerProblemEscalationEvent")
    message["correlationId"] = report_id
    body = message["event"]["customerProblemEscalation"]
    body.update(customerProblemReportId=report_id, level=level, target=target)
    return message


def outputs(*records: tuple[Channel, dict[str, Any] | bytes]) -> Outputs:
    found = Outputs()
    for channel, value in records:
        found.add(channel, value if isinstance(value, bytes) else json.dumps(value).encode())
    return found


N = Channel.NOTIFICATIONS


def test_a_reports_last_notification_gives_its_last_status() -> None:
    summary = summarise(
        outputs(
            (N, status_change("CPR-1", "acknowledged")),
            (N, status_change("CPR-2", "acknowledged")),
            (N, status_change("CPR-1", "inProgress", history=["acknowledged", "inProgress"])),
        )
    )

    assert summary.reports == 2
    assert summary.acknowledged == 2
    assert summary.last_status["inProgress"] == 1
    assert summary.last_status["acknowledged"] == 1
    assert summary.last_status["closed"] == 0


def test_reports_on_one_service_trouble_request_share_it() -> None:
    summary = summarise(
        outputs(
            (N, status_change("CPR-1", "inProgress", strs=["STR-a"])),
            (N, status_change("CPR-2", "inProgress", strs=["STR-a"])),
            (N, status_change("CPR-3", "inProgress", strs=["STR-b"])),
        )
    )

    assert summary.reports_sharing_str == 2


def test_requests_and_cancellations_are_counted_apart() -> None:
    summary = summarise(
        outputs(
            (Channel.SERVICE_TROUBLE_REQUESTS, asset("CreateServiceTroubleReportRequest")),
            (Channel.SERVICE_TROUBLE_REQUESTS, asset("CancelServiceTroubleReportRequest")),
            (Channel.PARTNER_PROBLEM_REQUESTS, asset("CreatePartnerProblemReportRequest")),
            (Channel.PARTNER_PROBLEM_REQUESTS, asset("CancelPartnerProblemReportRequest")),
        )
    )

    assert (summary.str_requests, summary.partner_requests, summary.cancel_requests) == (1, 1, 2)


def test_a_run_without_escalations_still_lists_every_escalation_type() -> None:
    summary = summarise(outputs())

    assert summary.escalations == dict.fromkeys(ESCALATION_TYPES, 0)
    assert summary.dlq_total == 0
    assert summary.story is None


def test_escalations_are_counted_by_type_and_told_in_the_story_of_their_report() -> None:
    summary = summarise(
        outputs(
            (N, status_change("CPR-1", "inProgress", history=["acknowledged", "inProgress"])),
            (Channel.ESCALATIONS, escalation("CPR-1", 1, "tier-2-support")),
            (Channel.ESCALATIONS, escalation("CPR-9", 2, "duty-manager")),
            (Channel.ESCALATIONS, asset("CustomerProblemJeopardyEvent")),
        )
    )

    assert summary.escalations["CustomerProblemEscalationEvent"] == 2
    assert summary.escalations["CustomerProblemJeopardyEvent"] == 1
    assert summary.escalation_signals["level 2 hierarchical → duty-manager"] == 1
    assert summary.story is not None
    assert summary.story.report_id == "CPR-1"
    assert summary.story.signals == ("level 1 hierarchical → tier-2-support",)


def test_the_story_is_the_report_with_the_longest_status_history() -> None:
    summary = summarise(
        outputs(
            (N, status_change("CPR-1", "inProgress", history=["acknowledged", "inProgress"])),
            (N, status_change("CPR-2", "closed", history=["acknowledged", "resolved", "closed"])),
        )
    )

    assert summary.story is not None
    assert [step.status for step in summary.story.steps] == ["acknowledged", "resolved", "closed"]


def test_dead_letters_are_counted_by_code_with_one_example() -> None:
    summary = summarise(outputs((Channel.DLQ, asset("DeadLetterRecord"))))

    assert summary.dlq == {"schema-violation": 1}
    assert summary.dlq_example == (
        "schema-violation on customer-problem.events: Field required (and 4 more)"
    )


def test_a_published_record_off_the_contract_is_counted_not_summarised() -> None:
    summary = summarise(outputs((N, b'{"eventType": "CustomerProblemReportStatusChangeEvent"}')))

    assert summary.off_contract == 1
    assert summary.reports == 0


def test_the_printed_summary_shows_statuses_codes_and_one_lifecycle() -> None:
    summary = summarise(
        outputs(
            (N, status_change("CPR-1", "closed", history=["acknowledged", "resolved", "closed"])),
            (Channel.DLQ, asset("DeadLetterRecord")),
        )
    )
    console = Console(record=True, width=140)

    console.print(summary_table(summary))
    console.print(samples(summary))
    text = console.export_text()

    assert "last status cancelled" in text
    assert "schema-violation" in text
    assert "CPR-1: acknowledged 10:00:00.000 → resolved +1.0 s → closed +2.0 s" in text
