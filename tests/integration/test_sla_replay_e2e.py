"""``sla replay`` on traffic a real worker handled: under the worker's own policy the
replay reproduces exactly the escalations the worker published; under a stricter one it
shows more breaches. Reads the topics while the worker still runs, and writes nothing.

The worker runs ``deploy/policies/sla-policy.fast.yaml`` (priority 1: resolution 8 s,
customer update 4 s, thresholds 50/75 %; otherwise 15 s and 6 s; the ladder climbs 3 s
then 5 s after the breach). SPM resolves the outages at least a second away from any
deadline, so that the worker's tick latency cannot decide on which side a record falls.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pipeline import Pipeline

from problem_tracker.cli import main
from problem_tracker.config import KafkaSettings, TopicSettings, WorkerSettings
from problem_tracker.contracts.codec import encode
from problem_tracker.contracts.limits import decode_limits
from problem_tracker.ops.reading import TopicReader
from problem_tracker.policy.loader import load_policy
from problem_tracker.replay.engine import Comparison, PolicyRun
from problem_tracker.replay.recorded import Skipped, in_time_order, read_inbound
from problem_tracker.replay.what_if import compare, worker_context
from problem_tracker.simulate.messages import Topic
from problem_tracker.translation.from_domain import report_messages
from problem_tracker.translation.reference_index import ReferenceIndex

pytestmark = pytest.mark.integration

FAST_POLICY = Path(__file__).resolve().parents[2] / "deploy/policies/sla-policy.fast.yaml"
STRICTER = FAST_POLICY.read_text().replace(
    "targets: {resolution: 15s, customerUpdate: 6s}", "targets: {resolution: 6s}"
)
ESCALATION_END = "CustomerProblemEscalationEndEvent"
OUTAGE_1 = ("CPR-rp-1", "CPR-rp-2", "CPR-rp-3")
OUTAGE_2 = ("CPR-rp-4", "CPR-rp-5")


@pytest.fixture(scope="module")
def pipeline(pipeline_factory: Callable[..., Pipeline]) -> Pipeline:
    """A worker on the fast policy has handled two outages, to the end of every ladder."""
    pipeline = pipeline_factory(PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE=str(FAST_POLICY))
    started = time.monotonic()
    pipeline.send_many(
        [
            *(pipeline.create_message(r, services=["svc-rp-1"], priority=2) for r in OUTAGE_1),
            pipeline.create_message("CPR-rp-4", services=["svc-rp-2"], priority=1),
            pipeline.create_message("CPR-rp-5", services=["svc-rp-2"], priority=2),
        ]
    )
    first = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rp-1")
    second = pipeline.wait_request(Topic.SERVICE_TROUBLE_REQUESTS, "svc-rp-2")
    # svc-rp-1 (priority 2): warned at 7.5 s, resolved at 9.5 s, before 75 % (11.25 s)
    _sleep_until(started + 9.5)
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, first, "resolved")
    # svc-rp-2: priority 1 climbed to level 3 at 16 s, priority 2 breached at 15 s and
    # would reach level 2 at 18 s: resolved at 17 s
    _sleep_until(started + 17.0)
    pipeline.answer(Topic.SERVICE_TROUBLE_EVENTS, second, "resolved")
    for report_id in OUTAGE_2:
        pipeline.wait_for(
            f"the escalation of {report_id} ends",
            lambda report_id=report_id: any(
                o.event_type == ESCALATION_END
                for o in pipeline.outputs(Topic.ESCALATIONS, report_id)
            ),
        )
    pipeline.settle(quiet=3.0)
    return pipeline


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def comparable(envelope: dict[str, Any]) -> tuple[Any, ...]:
    """An escalation record without what depends on the instant it was decided at (ids,
    times, percent elapsed): what it says, and about which report."""
    payload = next(iter(envelope["event"].values()))
    kept = {
        name: value
        for name, value in payload.items()
        if name not in ("percentElapsed", "dueTime", "until")
    }
    return (envelope["eventType"], tuple(sorted(kept.items())))


def published(pipeline: Pipeline) -> Counter[tuple[Any, ...]]:
    kafka = KafkaSettings(bootstrap_servers=pipeline.bootstrap)
    with TopicReader(kafka, pipeline.names[Topic.ESCALATIONS]) as reader:
        return Counter(comparable(json.loads(r.value or b"")) for r in reader.read_to_end())


def replayed_escalations(run: PolicyRun) -> Counter[tuple[Any, ...]]:
    """The escalation records the replay's decisions make, as the worker would send them."""
    assert run.bus is not None
    assert run.escalations is not None
    found: Counter[tuple[Any, ...]] = Counter()
    for event in run.escalations:
        for message in report_messages(event, run.bus.reports[event.report_id]):
            found[comparable(json.loads(encode(message.envelope)))] += 1
    return found


def test_the_replay_under_the_current_policy_reproduces_the_published_escalations(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(STRICTER)
    reference = ReferenceIndex()
    worker = WorkerSettings()
    comparison = Comparison(
        worker_context(worker, reference, load_policy(FAST_POLICY)),
        worker_context(worker, reference, load_policy(stricter)),
        reference,
        keep_escalations=True,
    )
    horizon = datetime.now(UTC)
    skipped = Skipped()
    inbound = read_inbound(
        KafkaSettings(bootstrap_servers=pipeline.bootstrap),
        TopicSettings(prefix=pipeline.prefix),
        timeout=30,
    )
    limits = decode_limits(
        max_message_bytes=worker.max_message_bytes,
        earliest=worker.earliest_date,
        years_ahead=worker.latest_date_years_ahead,
        now=horizon,
    )
    outcome = compare(
        in_time_order(inbound, limits, skipped), comparison, window_from=None, window_to=horizon
    )

    worker_published = published(pipeline)
    assert sum(worker_published.values()) >= 15
    assert replayed_escalations(comparison.current) == worker_published
    assert skipped.total == 0
    assert outcome.reports == 5
    breaches = {rule.rule: rule.breaches for rule in outcome.current}
    assert breaches == {"fast-priority-1": 1, "fast-default": 1}


def test_the_command_shows_more_breaches_under_a_stricter_policy_and_writes_nothing(
    pipeline: Pipeline,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(STRICTER)
    monkeypatch.setenv("PROBLEM_TRACKER_KAFKA__BOOTSTRAP_SERVERS", pipeline.bootstrap)
    monkeypatch.setenv("PROBLEM_TRACKER_TOPICS__PREFIX", pipeline.prefix)
    monkeypatch.setenv("PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE", str(FAST_POLICY))
    before = pipeline.outputs()
    capsys.readouterr()

    code = main(["sla", "replay", "--policy", str(stricter), "--json"])

    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reports"] == 5
    current = {rule["rule"]: rule for rule in report["current"]["rules"]}
    new = {rule["rule"]: rule for rule in report["new"]["rules"]}
    assert current["fast-default"]["breaches"] == 1
    assert new["fast-default"]["breaches"] == 4
    assert new["fast-priority-1"] == current["fast-priority-1"]
    assert report["new"]["total"]["breaches"] > report["current"]["total"]["breaches"]
    assert {change["reportId"] for change in report["mostChanged"]} == {
        *OUTAGE_1,
        "CPR-rp-5",
    }
    time.sleep(2.0)
    assert pipeline.outputs() == before
