"""The ticks benchmark: its command line, and when it says each SLA signal was due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.__main__ import build_parser
from bench.ticks import ESCALATION, FAST_POLICY, JEOPARDY, Arrival, DueInstants

from problem_tracker.domain.sla.policy import match_rule
from problem_tracker.policy.loader import load_policy

DUE = datetime(2026, 11, 27, 12, 0, 15, 250000, tzinfo=UTC)
ARRIVED = DUE.timestamp() + 30


def _instants() -> DueInstants:
    return DueInstants(match_rule(load_policy(FAST_POLICY), 2, "major", "gold", "incident"))


def _jeopardy(level: str, threshold: int | None = None) -> Arrival:
    body: dict[str, Any] = {"jeopardy": level, "dueTime": "2026-11-27T12:00:15.250Z"}
    if threshold is not None:
        body["thresholdPercent"] = threshold
    return Arrival(JEOPARDY, body, ARRIVED)


def _escalation(level: int, reason: str = "sla-breached") -> Arrival:
    return Arrival(ESCALATION, {"level": level, "reason": reason}, ARRIVED)


def _due(arrivals: list[Arrival]) -> list[tuple[str, datetime]]:
    signals, _ = _instants().of("CPR-1", arrivals)
    return [(signal.kind, signal.due) for signal in signals]


def test_the_kafka_benchmarks_take_sizes_broker_and_policy_from_the_command_line() -> None:
    parser = build_parser()
    ticks = parser.parse_args(["ticks", "--reports", "50", "--rate", "10", "--bootstrap", "h:1"])
    pipeline = parser.parse_args(["pipeline", "--reports", "7", "--paced", "0"])
    ceilings = parser.parse_args(
        ["ceilings", "--processes", "2", "--baseline-src", "a/src", "--baseline-src", "b/src"]
    )

    assert (ticks.reports, ticks.rate, ticks.bootstrap) == (50, 10.0, "h:1")
    assert ticks.policy == FAST_POLICY
    assert FAST_POLICY.is_file()
    assert (pipeline.reports, pipeline.paced, pipeline.bootstrap) == (7, 0, None)
    assert pipeline.results_dir == Path(__file__).resolve().parents[3] / "bench" / "results"
    assert (ceilings.rounds, ceilings.processes, ceilings.ceilings) == (3, 2, True)
    assert ceilings.baseline_src == [Path("a/src"), Path("b/src")]


def test_a_threshold_jeopardy_is_due_when_that_share_of_the_target_is_used_up() -> None:
    assert _instants().rule.targets.resolution == timedelta(seconds=15)

    assert _due([_jeopardy("warning", 50), _jeopardy("breached")]) == [
        ("jeopardy 50 %", DUE - timedelta(seconds=7.5)),
        ("breach", DUE),
    ]


def test_breach_escalations_are_due_at_the_breach_then_after_each_rung_repeat() -> None:
    arrivals = [_escalation(1), _jeopardy("warning", 50), _escalation(2), _escalation(3)]

    assert _due(arrivals) == [
        ("escalation step 1", DUE),
        ("jeopardy 50 %", DUE - timedelta(seconds=7.5)),
        ("escalation step 2", DUE + timedelta(seconds=3)),
        ("escalation step 3", DUE + timedelta(seconds=8)),
    ]


def test_an_overdue_customer_update_is_due_one_update_interval_after_the_clock_started() -> None:
    arrivals = [_escalation(1, "customer-update-overdue"), _jeopardy("warning", 50)]

    assert _due(arrivals)[0] == (
        "customer update overdue",
        DUE - timedelta(seconds=15) + timedelta(seconds=6),
    )


def test_messages_no_timer_caused_are_counted_apart() -> None:
    end = Arrival("CustomerProblemEscalationEndEvent", {"reason": "resolved"}, ARRIVED)
    failure = _escalation(1, "delegated-report-rejected")

    signals, untimed = _instants().of("CPR-1", [_jeopardy("warning", 50), end, failure])

    assert [s.kind for s in signals] == ["jeopardy 50 %"]
    assert untimed == ["CustomerProblemEscalationEndEvent", ESCALATION]
    assert signals[0].delay == ARRIVED - (DUE - timedelta(seconds=7.5)).timestamp()
