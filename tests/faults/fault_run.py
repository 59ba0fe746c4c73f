"""One fault scenario from start to verdict: topics of its own, its workers, the traffic
and its oracle, the fault schedule, then the outputs read back and compared."""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from fault_cluster import Broker, Cluster, Schedule, Step
from fault_compare import (
    Findings,
    ask_views,
    compare,
    failed,
    longest_stall,
    render,
    resumptions,
)
from fault_oracle import context_for
from fault_players import Links, Plan, Players
from fault_readback import Readback
from fault_trace import keep_logs, trace
from records import DEFAULT_NAMES
from worker_process import isolated_settings

from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import KafkaSettings, Settings

POLICY = Path(__file__).with_name("sla-policy.faults.yaml")
PARTITIONS = 6
SESSION_TIMEOUT = 6.0

LONG = os.environ.get("FAULT_SUITE", "short") == "long"
"""``make test-faults`` sets ``FAULT_SUITE=long``: every scenario at full size on a broker
of the suite's own; otherwise (``make test``) the short variant."""
GUARANTEE = os.environ.get("FAULT_GUARANTEE", "at_least_once")
SEED = int(os.environ.get("FAULT_SEED") or random.SystemRandom().randrange(10**6))
RESULTS = os.environ.get("FAULT_RESULTS")
"""A directory to write each scenario's figures to (JSON), if set."""

SUMMARIES: list[str] = []
"""What each scenario of this session found, printed at the end of the session."""


@dataclass(frozen=True)
class Scenario:
    name: str
    plan: Plan
    members: int
    steps: Callable[[random.Random], list[Step]] = lambda rng: []
    notes: dict[str, Any] = field(default_factory=dict)


def settings_for(bootstrap: str, tag: str) -> Settings:
    base = isolated_settings(bootstrap, f"pt-faults-{tag}", f"ft{tag}.")
    worker = base.worker.model_copy(
        update={
            "sla_policy_file": POLICY,
            "processing_guarantee": GUARANTEE,
            "session_timeout_seconds": SESSION_TIMEOUT,
        }
    )
    topics = base.topics.model_copy(update={"partitions": PARTITIONS})
    return base.model_copy(update={"worker": worker, "topics": topics})


def run(scenario: Scenario, broker: Broker, root: Path) -> tuple[Findings, dict[str, Any]]:
    """Run ``scenario``; what it found and its figures (also kept in ``SUMMARIES``)."""
    tag = f"{scenario.name[:8]}{uuid.uuid4().hex[:6]}"
    rng = random.Random(f"{SEED}/{scenario.name}")
    settings = settings_for(broker.bootstrap, tag)
    ensure_topics(KafkaSettings(bootstrap_servers=broker.bootstrap), topic_plan(settings.topics))
    names = {topic: settings.topics.prefix + name for topic, name in DEFAULT_NAMES.items()}
    cluster = Cluster(root, settings)
    readback = Readback(broker.bootstrap, names)
    links = Links(cluster)
    began = time.monotonic()
    cpu = _cpu()
    producer: Producer | None = None
    try:
        for member in range(scenario.members):
            cluster.start(member)
        readback.start()
        links.start()
        # An upstream system of its own: the client's defaults, nothing tuned to the worker.
        producer = Producer({"bootstrap.servers": broker.bootstrap})
        players = Players(
            tag=tag,
            names=names,
            producer=producer,
            readback=readback,
            links=links,
            context=context_for(POLICY),
            plan=scenario.plan,
            rng=rng,
        )
        schedule = Schedule(scenario.steps(rng), cluster, broker, players.progress, readback.busy)
        schedule.start()
        players.run(still_faulting=lambda: not schedule.finished())
        schedule.stop()
        traffic_seconds = time.monotonic() - began
        readback.settle(quiet=5.0, timeout=60.0)
        end = datetime.now(UTC)
        for group in players.waiting():
            group.unmet = players.unmet(group.wait).describe()
        report_ids = [r for group in players.groups for r in group.reports]
        views = ask_views(cluster.live(), report_ids)
        records = readback.snapshot()
        found = compare(
            players.groups,
            records,
            end=end,
            exactly_once=GUARANTEE == "exactly_once",
            views=views,
        )
        if players.undelivered:
            found.add("inputs undelivered", players.undelivered[0], len(players.undelivered))
    finally:
        if producer is not None:
            producer.close()
        links.stop()
        readback.stop()
        cluster.stop_all()
    cluster.count_remaining_errors()
    figures = _figures(scenario, cluster, schedule, records, found, traffic_seconds, began)
    harness, workers = (round(after - before) for after, before in zip(_cpu(), cpu, strict=True))
    figures["CPU seconds: harness (players, oracle, read-back) / workers"] = (
        f"{harness} / {workers}"
    )
    figures["load average at the end"] = round(os.getloadavg()[0], 1)
    summary = render(f"{scenario.name} ({GUARANTEE}, seed {SEED})", figures, found)
    SUMMARIES.append(summary)
    if RESULTS:
        out = Path(RESULTS)
        out.mkdir(parents=True, exist_ok=True)
        payload = {"figures": figures, "counts": dict(found.counts), "examples": found.examples}
        (out / f"{scenario.name}.json").write_text(json.dumps(payload, indent=2, default=str))
        if verdict(found, figures):
            kept = out / scenario.name
            shutil.rmtree(kept, ignore_errors=True)
            kept.mkdir()
            keep_logs(cluster, kept)
            if broker.up():
                ours = [settings.topics.prefix, f"{settings.worker.app_id}-"]
                topics = _topics(broker.bootstrap, ours)
                trace(broker.bootstrap, settings.worker.app_id, topics, players.groups, kept)
    return found, figures


def _topics(bootstrap: str, prefixes: list[str]) -> list[str]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = admin.list_topics(timeout=30).topics
    return sorted(name for name in names if any(name.startswith(p) for p in prefixes))


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its children that ended (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _figures(
    scenario: Scenario,
    cluster: Cluster,
    schedule: Schedule,
    records: list[Any],
    found: Findings,
    traffic_seconds: float,
    began: float,
) -> dict[str, Any]:
    kinds = [event.kind for event in cluster.events]
    starts = [round(e.seconds, 1) for e in cluster.events if e.kind == "start"]
    worker = cluster.settings.worker
    return {
        "lifecycles": f"{found.counts['lifecycles']} of {scenario.plan.lifecycles}",
        "workers at the start": scenario.members,
        "partitions / session timeout s / standby replicas": (
            f"{PARTITIONS} / {worker.session_timeout_seconds:g} / {worker.standby_replicas}"
        ),
        "faults done": schedule.done,
        "faults not done": [s.name for s in schedule.steps if s.name not in schedule.done],
        "schedule failure": repr(schedule.failure) if schedule.failure else None,
        "kills (SIGKILL)": kinds.count("kill"),
        "stops (SIGTERM)": kinds.count("stop"),
        "state wipes": kinds.count("wipe"),
        "worker starts, seconds to ready": starts,
        "outputs resumed after faults": resumptions(cluster.events, records, PARTITIONS),
        "longest time without any output, s": longest_stall(records),
        "traffic seconds": round(traffic_seconds),
        "total seconds": round(time.monotonic() - began),
        "worker ERROR lines": cluster.error_lines,
        "first ERROR lines": cluster.first_errors[:3],
        **scenario.notes,
    }


def verdict(found: Findings, figures: dict[str, Any]) -> list[str]:
    """What makes the scenario fail."""
    problems = failed(found)
    if figures["faults not done"]:
        problems.append(f"faults not done: {figures['faults not done']}")
    if figures["schedule failure"]:
        problems.append(f"the fault schedule failed: {figures['schedule failure']}")
    return problems
