"""Pieces the benchmark figures rest on: percentiles and what is read from a worker log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bench.ceilings import Rounds, Sample, order
from bench.kafka_env import BenchWorker, RunTopics
from bench.pipeline import STATUS_CHANGE, Progress, sustained
from bench.report import percentile

from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedWork,
    DelegationKind,
    EntityRef,
    EntityRole,
    Severity,
    Status,
)
from problem_tracker.simulate.messages import Topic
from problem_tracker.translation.state import encode_report


def _line(ts: str, msg: str, **extra: object) -> str:
    return json.dumps({"ts": f"2026-11-27T11:00:{ts}+00:00", "msg": msg, **extra})


def test_a_percentile_is_a_value_that_was_observed() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0


def test_the_latest_due_index_rebuild_is_read_from_the_worker_log(tmp_path: Path) -> None:
    worker = BenchWorker("h:1", "app", RunTopics("p.", 6), tmp_path)
    worker.log_path.write_text(
        "\n".join(
            [
                _line("01.000", "[^---Recovery]: Restore complete!"),
                _line("01.004", "due-index rebuilt", entries=10),
                "not json: a stray line from a library",
                _line("30.100", "[^---Recovery]: Restore complete!"),
                _line("30.620", "due-index rebuilt", entries=200000),
            ]
        )
    )
    entries, seconds = worker.last_rebuild() or (0, 0.0)
    assert entries == 200000
    assert round(seconds, 3) == 0.52


def _report_state(linked: bool, status: str) -> bytes:
    moment = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    service = EntityRef(id="svc-1", referred_type="Service", role=EntityRole.AFFECTED_SERVICE)
    work = DelegatedWork(
        request_id="STR-1" if linked else None, kind=DelegationKind.SERVICE_TROUBLE, entity=service
    )
    report = CustomerProblemReport(
        id="CPR-1",
        status=Status(status),
        description="down",
        severity=Severity.MAJOR,
        priority=2,
        creation_date=moment,
        status_change_date=moment,
        delegated=(work,),
    )
    return encode_report(report)


class _Record:
    def __init__(self, key: bytes, value: bytes) -> None:
        self._key, self._value = key, value

    def key(self) -> bytes:
        return self._key

    def value(self) -> bytes:
        return self._value


def _status(status: str) -> bytes:
    return json.dumps({"event": {"customerProblemReport": {"status": status}}}).encode()


def test_a_report_is_complete_once_notified_in_progress_and_saved_linked() -> None:
    progress = Progress()
    change = {"eventType": STATUS_CHANGE}

    progress.seen(Topic.NOTIFICATIONS, "CPR-1", change, _status("acknowledged"), 1.0)
    progress.saved_state(_Record(b"CPR-1", _report_state(False, "inProgress")), 2.0)  # type: ignore[arg-type]
    progress.seen(Topic.NOTIFICATIONS, "CPR-1", change, _status("inProgress"), 3.0)
    assert (progress.acknowledged, progress.count()) == ({"CPR-1": 1.0}, 0)

    progress.saved_state(_Record(b"CPR-1", _report_state(True, "inProgress")), 4.0)  # type: ignore[arg-type]
    progress.seen(Topic.DLQ, None, {}, b"", 5.0)

    assert progress.at == {"CPR-1": 4.0}
    assert progress.dead_letters == 1


def test_the_sustained_rate_leaves_out_the_first_and_last_tenth() -> None:
    moments = [0.0, *(10.0 + i for i in range(9)), 100.0]

    assert sustained(moments) == round(8 / 8.0, 1)


def test_each_round_runs_every_variant_in_a_rotated_order() -> None:
    rounds = [order(i, baselines=2) for i in range(3)]

    assert all(sorted(r) == sorted(rounds[0]) for r in rounds)
    assert [r[0] for r in rounds] == ["raw", "faust", "faust-table"]
    assert {"baseline1", "baseline2"} <= set(rounds[0])
    assert "pipeline, N processes" not in rounds[0]


def test_ratios_are_taken_round_by_round_and_their_median_reported() -> None:
    rounds = Rounds()
    for pipeline_ms, table_ms in ((10.0, 1.0), (30.0, 2.0), (8.0, 2.0)):
        rounds.add("pipeline", Sample(rate=1.0, cpu_ms=pipeline_ms, broker_cpu_ms=None))
        rounds.add("faust-table", Sample(rate=1.0, cpu_ms=table_ms, broker_cpu_ms=None))

    assert rounds.ratio("pipeline", "cpu_ms", "faust-table", "cpu_ms") == 10.0
    assert rounds.median("pipeline", "cpu_ms") == 10.0
    assert rounds.median("pipeline", "broker_cpu_ms") is None
