"""The ticks benchmark: its command line, and when it says each SLA signal was due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.__main__ import build_parser
from bench.ticks import ESCALATION, FAST_POLICY, JEOPARDY, DueInstants

from problem_tracker.domain.sla_policy import match_rule
from problem_tracker.policy.loader import load_policy

DUE = datetime(2026, 11, 27, 12, 0, 15, 250000, tzinfo=UTC)


def _instants() -> DueInstants:
    return DueInstants(match_rule(load_policy(FAST_POLICY), 2, "major", "gold", "incident"))


def _jeopardy(level: str, threshold: int | None) -> dict:
    body = {
        "customerProblemReportId": "CPR-1",
        "jeopardy": level,
        "dueTime": "2026-11-27T12:00:15.250Z",
    }
    if threshold is not None:
        body["thresholdPercent"] = threshold
    return {"customerProblemJeopardy": body}


def _escalation(level: int) -> dict:
    return {"customerProblemEscalation": {"customerProblemReportId": "CPR-1", "level": level}}


def test_the_kafka_benchmarks_take_sizes_broker_and_policy_from_the_command_line() -> None:
    parser = build_parser()
    ticks = parser.parse_args(["ticks", "--reports", "50", "--rate", "10", "--bootstrap", "h:1"])
    pipeline = parser.parse_args(["pipeline", "--reports", "7", "--paced", "0"])

    assert (ticks.reports, ticks.rate, ticks.bootstrap) == (50, 10.0, "h:1")
    assert ticks.policy == FAST_POLICY
    assert FAST_POLICY.is_file()
    assert (pipeline.reports, pipeline.paced, pipeline.bootstrap) == (7, 0, None)
    assert pipeline.results_dir == Path(__file__).resolve().parents[3] / "bench" / "results"


def test_a_threshold_jeopardy_is_due_when_that_share_of_the_target_is_used_up() -> None:
    instants = _instants()
    assert instants.rule.targets.resolution == timedelta(seconds=15)

    assert instants.of(JEOPARDY, _jeopardy("warning", 50)) == (
        "jeopardy 50 %",
        DUE - timedelta(seconds=7.5),
    )
    assert instants.of(JEOPARDY, _jeopardy("breached", None)) == ("breach", DUE)


def test_escalations_are_due_at_the_breach_then_after_each_rung_repeat() -> None:
    instants = _instants()
    assert instants.of(ESCALATION, _escalation(1)) is None

    instants.of(JEOPARDY, _jeopardy("warning", 50))
    due = [instants.of(ESCALATION, _escalation(level)) for level in (1, 2, 3)]

    assert due == [
        ("escalation step 1", DUE),
        ("escalation step 2", DUE + timedelta(seconds=3)),
        ("escalation step 3", DUE + timedelta(seconds=8)),
    ]


def test_other_messages_on_the_escalations_topic_are_not_timed() -> None:
    assert _instants().of("CustomerProblemEscalationEndEvent", {}) is None
