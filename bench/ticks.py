"""Jeopardy & Escalate on time: how long after its due instant each SLA signal is published.

A worker runs with a policy whose targets are seconds (deploy/policies/sla-policy.fast.yaml
by default), reports are created at a steady rate and left open, and every
CustomerProblemJeopardyEvent and CustomerProblemEscalationEvent is consumed from
customer-problem.escalations. Its due instant follows from its payload and the report's
SLA rule (a 24x7 calendar, the clock never paused): a threshold jeopardy is due when that
share of the resolution target is used up (``dueTime`` minus the rest of the target), a
breach at ``dueTime``, the n-th escalation at ``dueTime`` plus the ladder offset of step
n. The delay is arrival time minus due instant. The due-index rounds deadlines up to
100 ms slots (never early), so the delay after that slot is reported too.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.report import RESULTS_DIR, Result, finish, percentile
from bench.rig import add_rig_arguments, rig
from problem_tracker.config import Settings
from problem_tracker.domain.sla.calendar import AlwaysOpen
from problem_tracker.domain.sla.policy import SlaRule, match_rule
from problem_tracker.policy.loader import load_policy
from problem_tracker.simulate.messages import Topic
from problem_tracker.streaming.due_index import from_slot, to_slot

GOAL_P99_SECONDS = 1.0
ZERO = timedelta(0)
FAST_POLICY = Path(__file__).resolve().parents[1] / "deploy/policies/sla-policy.fast.yaml"
JEOPARDY = "CustomerProblemJeopardyEvent"
ESCALATION = "CustomerProblemEscalationEvent"
SLA_BREACHED = "sla-breached"
UPDATE_OVERDUE = "customer-update-overdue"


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
    def delay_after_slot(self) -> float:
        """Delay after the start of the due-index slot the deadline was rounded up to."""
        return self.arrived - from_slot(to_slot(self.due)).timestamp()


@dataclass(frozen=True)
class Arrival:
    """One message from the escalations topic: its type, its inner object, when it came."""

    event_type: str
    body: dict[str, Any]
    arrived: float


@dataclass(frozen=True)
class DueInstants:
    """When each signal of a report was due, worked out once all its signals are in."""

    rule: SlaRule

    def __post_init__(self) -> None:
        if not isinstance(self.rule.calendar, AlwaysOpen):
            raise ValueError(f"rule {self.rule.name} has a business calendar: use a 24x7 rule")

    def of(self, report_id: str, arrivals: list[Arrival]) -> tuple[list[Signal], list[str]]:
        """The timed signals of one report, and the event types of the messages that are
        not (an end of escalation, a repeat the ladder does not time)."""
        due = next((_due_time(a.body) for a in arrivals if _due_time(a.body)), None)
        signals: list[Signal] = []
        untimed: list[str] = []
        steps = 0
        for arrival in arrivals:
            if arrival.event_type == ESCALATION and arrival.body.get("reason") == SLA_BREACHED:
                steps += 1
            timed = None if due is None else self._instant(arrival, due, steps)
            if timed is None:
                untimed.append(arrival.event_type)
            else:
                signals.append(Signal(report_id, timed[0], timed[1], arrival.arrived))
        return signals, untimed

    def _instant(self, arrival: Arrival, due: datetime, steps: int) -> tuple[str, datetime] | None:
        body, targets = arrival.body, self.rule.targets
        if arrival.event_type == JEOPARDY:
            if body.get("jeopardy") == "breached":
                return "breach", due
            threshold = body.get("thresholdPercent")
            if threshold is None:
                return None
            rest = targets.resolution - self.rule.threshold_point(int(threshold))
            return f"jeopardy {threshold} %", due - rest
        if arrival.event_type != ESCALATION:
            return None
        if body.get("reason") == SLA_BREACHED:
            offset = self.rule.ladder.offset(steps)
            return None if offset is None else (f"escalation step {steps}", due + offset)
        if body.get("reason") == UPDATE_OVERDUE and targets.customer_update is not None:
            started = due - targets.resolution
            return "customer update overdue", started + targets.customer_update
        return None


def _due_time(body: dict[str, Any]) -> datetime | None:
    text = body.get("dueTime")
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class SignalLog:
    """Everything that arrived on the escalations topic, by report; fed by the watcher."""

    arrivals: dict[str, list[Arrival]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(
        self, role: Topic, key: str | None, headers: dict[str, str], value: bytes, at: float
    ) -> None:
        envelope = json.loads(value)
        inner: dict[str, Any] = next(iter(envelope.get("event", {}).values()), {})
        arrival = Arrival(envelope.get("eventType", ""), inner, at)
        with self.lock:
            self.arrivals.setdefault(key or "", []).append(arrival)

    def timed(self, instants: DueInstants) -> tuple[list[Signal], dict[str, int]]:
        signals: list[Signal] = []
        untimed: dict[str, int] = {}
        with self.lock:
            for report_id, arrivals in self.arrivals.items():
                found, others = instants.of(report_id, arrivals)
                signals.extend(found)
                for event_type in others:
                    untimed[event_type] = untimed.get(event_type, 0) + 1
        return signals, untimed


def run(args: argparse.Namespace, settings: Settings) -> int:
    rule = match_rule(load_policy(args.policy), args.priority, "major", "gold", "incident")
    parameters = {k: str(v) for k, v in vars(args).items() if k != "handler"}
    result = Result("ticks", {**parameters, "rule": rule.name})
    instants = DueInstants(rule)
    log = SignalLog()
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
    signals, untimed = log.timed(instants)
    summarise(result, signals, untimed, args.reports, worker_lag)
    return finish(result, args.results_dir)


def tick_lag(metrics: dict[str, float]) -> tuple[float, float]:
    """Count and mean of the worker's own tick lag (due → Tick sent)."""
    count = metrics.get("problem_tracker_tick_lag_seconds_count", 0.0)
    total = metrics.get("problem_tracker_tick_lag_seconds_sum", 0.0)
    return count, (total / count if count else float("nan"))


def summarise(
    result: Result,
    signals: list[Signal],
    untimed: dict[str, int],
    reports: int,
    worker_lag: tuple[float, float],
) -> None:
    result.add("reports created", reports)
    result.add("timed signals received", len(signals))
    for event_type, count in sorted(untimed.items()):
        result.add(f"not timed: {event_type}", count)
    by_kind: dict[str, list[float]] = {}
    for signal in signals:
        by_kind.setdefault(signal.kind, []).append(signal.delay)
    for kind in sorted(by_kind):
        result.add(f"signals: {kind}", len(by_kind[kind]))
    delays = [s.delay for s in signals]
    after_slot = [s.delay_after_slot for s in signals]
    for label, values in (("delay after due", delays), ("delay after its 100 ms slot", after_slot)):
        result.add(f"{label} min", round(min(values, default=float("nan")) * 1000), "ms")
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            result.add(f"{label} {name}", round(percentile(values, fraction) * 1000), "ms")
        result.add(f"{label} max", round(max(values, default=float("nan")) * 1000), "ms")
    lag_count, mean = worker_lag
    result.add("worker tick lag (due → Tick sent), count", int(lag_count))
    result.add("worker tick lag (due → Tick sent), mean", round(mean * 1000), "ms")
    escalations = [s.delay for s in signals if s.kind.startswith("escalation step")]
    p99 = percentile(escalations, 0.99)
    result.add("breach escalations only, delay p99", round(p99 * 1000), "ms")
    result.check(
        f"escalation published ≤ {GOAL_P99_SECONDS:.0f} s after its deadline at p99",
        f"p99 {p99 * 1000:.0f} ms over {len(escalations)} breach escalations "
        f"({percentile(delays, 0.99) * 1000:.0f} ms over all {len(delays)} signals)",
        p99 <= GOAL_P99_SECONDS if escalations else None,
    )
