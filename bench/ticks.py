"""Jeopardy & Escalate on time: how long after its due instant each SLA signal is published.

A worker runs with a policy whose targets are seconds (deploy/policies/sla-policy.fast.yaml
by default), reports are created at a steady rate and left open, and every
CustomerProblemJeopardyEvent and CustomerProblemEscalationEvent is consumed from
customer-problem.escalations. Its due instant follows from its payload and the report's
SLA rule (a 24x7 calendar, the clock never paused): a threshold jeopardy is due when that
share of the resolution target is used up (``dueTime`` minus the rest of the target), a
breach at ``dueTime``, the n-th escalation at ``dueTime`` plus the ladder offset of step
n. The delay is arrival time minus due instant. The due-index fires on whole seconds
(rounded up, so never early), so the delay after the whole second is reported too.
"""

from __future__ import annotations

import argparse
import json
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.report import RESULTS_DIR, Result, finish, percentile
from bench.rig import add_rig_arguments, rig
from problem_tracker.config import Settings
from problem_tracker.domain.calendar import AlwaysOpen
from problem_tracker.domain.sla_policy import SlaRule, match_rule
from problem_tracker.policy.loader import load_policy
from problem_tracker.simulate.messages import Topic

GOAL_P99_SECONDS = 1.0
ZERO = timedelta(0)
FAST_POLICY = Path(__file__).resolve().parents[1] / "deploy/policies/sla-policy.fast.yaml"
JEOPARDY = "CustomerProblemJeopardyEvent"
ESCALATION = "CustomerProblemEscalationEvent"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("ticks", help="SLA signal delay after the due instant")
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=25.0, help="reports created per second")
    parser.add_argument("--priority", type=int, default=2, help="priority of every report")
    parser.add_argument("--policy", type=Path, default=FAST_POLICY)
    parser.add_argument("--linger", type=float, default=5.0, help="seconds after the last due")
    add_rig_arguments(parser)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class Signal:
    """One jeopardy or escalation as it arrived, with the instant it was due."""

    report_id: str
    kind: str
    due: datetime
    arrived: float

    @property
    def delay(self) -> float:
        return self.arrived - self.due.timestamp()

    @property
    def delay_after_whole_second(self) -> float:
        return self.arrived - math.ceil(self.due.timestamp())


@dataclass
class DueInstants:
    """Works out when each signal of a report was due, from the signals seen before it."""

    rule: SlaRule
    due_at: dict[str, datetime] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.rule.calendar, AlwaysOpen):
            raise ValueError(f"rule {self.rule.name} has a business calendar: use a 24x7 rule")

    def of(self, event_type: str, payload: dict[str, Any]) -> tuple[str, datetime] | None:
        """(kind, due instant) of a timed signal; None for one no timer caused."""
        if event_type == JEOPARDY:
            return self._jeopardy(payload["customerProblemJeopardy"])
        if event_type == ESCALATION:
            return self._escalation(payload["customerProblemEscalation"])
        return None

    def _jeopardy(self, body: dict[str, Any]) -> tuple[str, datetime] | None:
        report_id, due_time = body["customerProblemReportId"], body.get("dueTime")
        if due_time is None:
            return None
        due = datetime.fromisoformat(due_time.replace("Z", "+00:00"))
        self.due_at[report_id] = due
        if body.get("jeopardy") == "breached":
            return "breach", due
        threshold = body.get("thresholdPercent")
        if threshold is None:
            return None
        rest = self.rule.targets.resolution - self.rule.threshold_point(int(threshold))
        return f"jeopardy {threshold} %", due - rest

    def _escalation(self, body: dict[str, Any]) -> tuple[str, datetime] | None:
        report_id = body["customerProblemReportId"]
        due = self.due_at.get(report_id)
        if due is None:
            return None
        step = self.steps.get(report_id, 0) + 1
        self.steps[report_id] = step
        offset = self.rule.ladder.offset(step)
        if offset is None:
            return None
        return f"escalation step {step}", due + offset


@dataclass
class SignalLog:
    """Every timed signal that arrived; fed by the watcher thread."""

    instants: DueInstants
    signals: list[Signal] = field(default_factory=list)
    untimed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(
        self, role: Topic, key: str | None, headers: dict[str, str], value: bytes, at: float
    ) -> None:
        envelope = json.loads(value)
        timed = self.instants.of(envelope.get("eventType", ""), envelope.get("event", {}))
        with self.lock:
            if timed is None:
                self.untimed += 1
            else:
                kind, due = timed
                self.signals.append(Signal(key or "", kind, due, at))

    def snapshot(self) -> list[Signal]:
        with self.lock:
            return list(self.signals)


def run(args: argparse.Namespace, settings: Settings) -> int:
    rule = match_rule(load_policy(args.policy), args.priority, "major", "gold", "incident")
    parameters = {k: str(v) for k, v in vars(args).items() if k != "handler"}
    result = Result("ticks", {**parameters, "rule": rule.name})
    log = SignalLog(DueInstants(rule))
    last_due = rule.targets.resolution + (rule.ladder.offset(len(rule.ladder.levels)) or ZERO)
    env = {"PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE": str(args.policy.resolve())}
    with rig(args, settings, "ticks", (Topic.ESCALATIONS,), log.seen, env) as running:
        started = time.monotonic()
        for i in range(args.reports):
            delay = started + i / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            service = running.services[i % len(running.services)]
            running.sender.create(f"CPR-{i:07d}", service, args.priority)
        running.sender.flush()
        time.sleep(last_due.total_seconds() + args.linger)
        worker_lag = tick_lag(running.worker.metrics())
    summarise(result, log, args.reports, worker_lag)
    return finish(result, args.results_dir)


def tick_lag(metrics: dict[str, float]) -> tuple[float, float]:
    """Count and mean of the worker's own tick lag (due → Tick sent)."""
    count = metrics.get("problem_tracker_tick_lag_seconds_count", 0.0)
    total = metrics.get("problem_tracker_tick_lag_seconds_sum", 0.0)
    return count, (total / count if count else float("nan"))


def summarise(
    result: Result, log: SignalLog, reports: int, worker_lag: tuple[float, float]
) -> None:
    signals = log.snapshot()
    result.add("reports created", reports)
    result.add("timed signals received", len(signals))
    result.add("other messages on the escalations topic", log.untimed)
    by_kind: dict[str, list[float]] = {}
    for signal in signals:
        by_kind.setdefault(signal.kind, []).append(signal.delay)
    for kind in sorted(by_kind):
        result.add(f"signals: {kind}", len(by_kind[kind]))
    delays = [s.delay for s in signals]
    after_second = [s.delay_after_whole_second for s in signals]
    for label, values in (("delay after due", delays), ("delay after whole second", after_second)):
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            result.add(f"{label} {name}", round(percentile(values, fraction) * 1000), "ms")
        result.add(f"{label} max", round(max(values, default=float("nan")) * 1000), "ms")
    count, mean = worker_lag
    result.add("worker tick lag (due → Tick sent), count", int(count))
    result.add("worker tick lag (due → Tick sent), mean", round(mean * 1000), "ms")
    p99 = percentile(delays, 0.99)
    result.check(
        f"escalation published ≤ {GOAL_P99_SECONDS:.0f} s after its deadline at p99",
        f"p99 {p99 * 1000:.0f} ms over {len(delays)} jeopardy/escalation signals",
        p99 <= GOAL_P99_SECONDS if delays else None,
    )
