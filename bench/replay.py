"""What-if replay (``problem-tracker sla replay``) over a month of recorded traffic.

Records a month of traffic straight into the inbound topics (no worker: the replay reads
only what upstream systems wrote) with explicit record timestamps spread over 30 days:
inventory owns every service; outages of ``--per-outage`` reports each hit one service
(priorities 1 to 4 mixed), SPM accepts the shared service trouble 10 minutes in and resolves
it 1 to 30 hours later; each customer closes their report an hour after that. Then the
replay reads the topics, puts them in time order and decides everything under the
built-in policy and under one with every target halved, as the command does, and its
phases are timed.
"""

from __future__ import annotations

import argparse
import random
import resource
from datetime import UTC, datetime, timedelta
from pathlib import Path

from confluent_kafka import Producer

from bench.kafka_env import (
    RunTopics,
    broker,
    create_topics,
    delete_run_topics,
    new_run,
    work_directory,
)
from bench.report import RESULTS_DIR, Result, Stopwatch, finish
from problem_tracker.config import KafkaSettings, Settings
from problem_tracker.contracts.limits import decode_limits
from problem_tracker.domain.identity import service_trouble_request_id
from problem_tracker.policy.loader import builtin_policy, parse_policy
from problem_tracker.replay.engine import Comparison
from problem_tracker.replay.figures import total
from problem_tracker.replay.recorded import Skipped, count_recorded, in_time_order, read_inbound
from problem_tracker.replay.what_if import compare, worker_context
from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import SERVICE_TROUBLE, DelegatedUpdate, SimMessage
from problem_tracker.translation.reference_index import ReferenceIndex

BUILTIN = Path(__file__).resolve().parents[1] / "src/problem_tracker/policy/builtin-policy.yaml"
HALVED = {"4h": "2h", "8h": "4h", "24h": "12h", "3d": "36h"}
MONTH = timedelta(days=30)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("replay", help="sla replay over a month of recorded traffic")
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--per-outage", type=int, default=10, help="reports per outage")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--bootstrap", help="an existing broker (default: start a throwaway)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.set_defaults(handler=run)


def halved_policy_text() -> str:
    text = BUILTIN.read_text()
    for before, after in HALVED.items():
        text = text.replace(f"resolution: {before}", f"resolution: {after}")
    return text


class Recorder:
    """Produces records with the timestamps they are said to have happened at."""

    def __init__(self, bootstrap: str, topics: RunTopics) -> None:
        self._producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "log_level": 3})
        self._topics = topics
        self.records = 0
        self.undelivered = 0

    def record(self, at: datetime, message: SimMessage) -> None:
        while True:
            try:
                self._producer.produce(
                    self._topics.name(message.topic.value),
                    key=None if message.key is None else message.key.encode(),
                    value=messages.value_bytes(message),
                    headers=messages.headers(message),
                    timestamp=int(at.timestamp() * 1000),
                    on_delivery=self._delivered,
                )
                break
            except BufferError:
                self._producer.poll(0.05)
        self._producer.poll(0)
        self.records += 1

    def _delivered(self, error: object, _message: object) -> None:
        if error is not None:
            self.undelivered += 1

    def flush(self) -> None:
        if self._producer.flush(120):
            raise RuntimeError("records left undelivered")


def record_a_month(
    recorder: Recorder, reports: int, per_outage: int, seed: int, end: datetime
) -> None:
    chance = random.Random(seed)
    start = end - MONTH
    outages = -(-reports // per_outage)
    made = 0
    for outage in range(outages):
        service = f"svc-{outage:06d}"
        began = start + timedelta(seconds=chance.uniform(0, MONTH.total_seconds() - 40 * 3600))
        entity = {"id": service, "referredType": "Service"}
        owner = {"id": "noc", "role": "internal"}
        recorder.record(
            began - timedelta(hours=1),
            messages.component_ownership(
                f"own-{service}", began - timedelta(hours=1), entity, owner
            ),
        )
        request_id = service_trouble_request_id(service, 1)
        resolved = began + timedelta(hours=chance.uniform(1, 30))
        for n in range(min(per_outage, reports - made)):
            report_id = f"CPR-{made:07d}"
            made += 1
            created = began + timedelta(minutes=chance.uniform(0, 9))
            recorder.record(
                created,
                messages.report_created(
                    f"c-{report_id}",
                    created,
                    {
                        "id": report_id,
                        "description": f"outage {outage}, customer {n}",
                        "severity": chance.choice(["critical", "major", "minor"]),
                        "priority": chance.choice([1, 2, 2, 3, 3, 3, 4]),
                        "creationDate": messages.iso(created),
                        "relatedParty": [{"role": "customer", "id": f"cust-{report_id}"}],
                        "relatedEntity": [
                            {"role": "affectedService", "id": service, "referredType": "Service"}
                        ],
                    },
                ),
            )
            closed = resolved + timedelta(hours=1, minutes=chance.uniform(0, 30))
            recorder.record(
                closed, messages.status_request(f"x-{report_id}", closed, messages.CLOSE, report_id)
            )
        for at, status in ((began + timedelta(minutes=10), "inProgress"), (resolved, "resolved")):
            recorder.record(
                at,
                messages.delegated_event(
                    SERVICE_TROUBLE,
                    f"spm-{service}-{status}",
                    at,
                    request_id,
                    f"ext-{service}",
                    DelegatedUpdate(status=status, created=status == "inProgress"),
                    messages.SPM,
                ),
            )
    recorder.flush()


def run(args: argparse.Namespace, settings: Settings) -> int:
    result = Result(
        "replay",
        {"reports": args.reports, "per_outage": args.per_outage, "partitions": args.partitions},
    )
    with work_directory(args.keep) as work, broker(args.bootstrap, settings, work) as kafka:
        app_id, topics = new_run("replay", args.partitions)
        create_topics(kafka.bootstrap, app_id, topics)
        try:
            measure(args, settings, kafka.bootstrap, topics, result)
        finally:
            if args.bootstrap:
                delete_run_topics(kafka.bootstrap, app_id, topics)
    return finish(result, args.results_dir)


def measure(
    args: argparse.Namespace, settings: Settings, bootstrap: str, topics: RunTopics, result: Result
) -> None:
    end = datetime.now(UTC) - timedelta(days=1)
    recorder = Recorder(bootstrap, topics)
    with Stopwatch() as recording:
        record_a_month(recorder, args.reports, args.per_outage, args.seed, end)
    result.add("records produced", recorder.records)
    result.add("records the broker refused or timed out", recorder.undelivered)
    result.add("writing them (not part of the replay)", round(recording.seconds, 1), "s")

    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    worker = settings.worker
    reference = ReferenceIndex()
    comparison = Comparison(
        worker_context(worker, reference, builtin_policy()),
        worker_context(worker, reference, parse_policy(halved_policy_text())),
        reference,
    )
    limits = decode_limits(
        max_message_bytes=worker.max_message_bytes,
        earliest=worker.earliest_date,
        years_ahead=worker.latest_date_years_ahead,
        now=datetime.now(UTC),
    )
    skipped = Skipped()
    horizon = datetime.now(UTC)
    with Stopwatch() as whole:
        with Stopwatch() as reading:
            expected = count_recorded(kafka, topics.settings, 30.0)
            recorded = in_time_order(read_inbound(kafka, topics.settings, 30.0), limits, skipped)
        with Stopwatch() as deciding:
            outcome = compare(
                recorded,
                comparison,
                window_from=None,
                window_to=horizon,
                skipped=dict(skipped.reasons),
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result.add("records on the inbound topics", expected)
    result.add("records replayed", outcome.records)
    result.add("records skipped", skipped.total)
    result.add("reports compared", outcome.reports)
    result.add("read + decode + sort", round(reading.seconds, 1), "s")
    result.add("decide under both policies", round(deciding.seconds, 1), "s")
    result.add("whole replay", round(whole.seconds, 1), "s")
    result.add("replay throughput", round(outcome.reports / whole.seconds), "reports/s")
    result.add("replay throughput, records", round(outcome.records / whole.seconds), "records/s")
    result.add("peak RSS of the replaying process", round(peak / 2**20), "MiB")
    current, halved = total(outcome.current), total(outcome.new)
    result.add("breaches, built-in policy", current.breaches)
    result.add("breaches, targets halved", halved.breaches)
    result.add("escalations, built-in policy", sum(current.escalations.values()))
    result.add("escalations, targets halved", sum(halved.escalations.values()))
    result.notes.append(
        "one process, one core, on the 2 shared cores with the broker; the recorded traffic "
        "is written first, straight to the topics, and is not part of the replay's time"
    )
