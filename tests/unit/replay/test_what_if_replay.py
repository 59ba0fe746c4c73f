"""The what-if replay on recorded traffic held in memory: the contract's records, as a
Kafka topic would give them back, replayed under two policies with a known difference."""

from __future__ import annotations

import argparse
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from problem_tracker.config import WorkerSettings
from problem_tracker.contracts.limits import decode_limits
from problem_tracker.domain.events import EscalationRaised, JeopardyRaised
from problem_tracker.domain.sla.jeopardy import JeopardyLevel
from problem_tracker.ops.reading import Record
from problem_tracker.policy.loader import parse_policy
from problem_tracker.replay.command import moment, show
from problem_tracker.replay.engine import Comparison, tick_for
from problem_tracker.replay.figures import Outcome
from problem_tracker.replay.recorded import Skipped, Source, in_time_order
from problem_tracker.replay.what_if import compare, worker_context
from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import SERVICE_TROUBLE, DelegatedUpdate, SimMessage
from problem_tracker.streaming.ticks import tick_command
from problem_tracker.translation.reference_index import ReferenceIndex

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
LIMITS = decode_limits(
    max_message_bytes=256 * 1024,
    earliest=datetime(2000, 1, 1, tzinfo=UTC),
    years_ahead=5,
    now=T0,
)


def a_policy(priority_2_resolution: str) -> str:
    return f"""
version: 1
escalationLadders:
  two-step:
    levels:
      - {{kind: functional, target: second-line, repeatAfter: 5m}}
      - {{kind: hierarchical, target: duty-manager}}
    delegationFailure: {{target: service-desk-lead}}
partners:
  escalateTo: partner-manager
  default: {{resolution: 8h}}
rules:
  - name: priority-2
    match: {{priority: 2}}
    targets: {{resolution: {priority_2_resolution}}}
    escalation: two-step
  - name: default
    targets: {{resolution: 2h}}
    escalation: two-step
"""


CURRENT = parse_policy(a_policy("1h"))
STRICTER = parse_policy(a_policy("30m"))
_ids = itertools.count()
_offsets = itertools.count()


def recorded(at: datetime, message: SimMessage) -> tuple[Source, Record]:
    """The record a topic gives back for ``message``, stamped ``at``."""
    return Source[message.topic.name], Record(
        topic=message.topic.value,
        partition=0,
        offset=next(_offsets),
        timestamp=at,
        key=None if message.key is None else message.key.encode(),
        value=messages.value_bytes(message),
    )


def created(at: datetime, report_id: str, service_id: str, priority: int = 2) -> SimMessage:
    report = {
        "id": report_id,
        "description": f"customer problem {report_id}",
        "severity": "major",
        "priority": priority,
        "creationDate": messages.iso(at),
        "relatedParty": [{"role": "customer", "id": f"cust-{report_id}"}],
        "relatedEntity": [{"role": "affectedService", "id": service_id, "referredType": "Service"}],
    }
    return messages.report_created(f"evt-{next(_ids)}", at, report)


def spm(at: datetime, request_id: str, status: str) -> SimMessage:
    return messages.delegated_event(
        SERVICE_TROUBLE,
        f"evt-{next(_ids)}",
        at,
        request_id,
        f"ext-{request_id}",
        DelegatedUpdate(status=status),
        messages.SPM,
    )


def owned(at: datetime, service_id: str) -> SimMessage:
    entity = {"id": service_id, "referredType": "Service"}
    return messages.component_ownership(
        f"evt-{next(_ids)}", at, entity, {"id": "noc", "role": "internal"}
    )


def an_outage() -> list[tuple[Source, Record]]:
    """Three priority-2 reports on one service, resolved by SPM 40 minutes in; one
    priority-1 report on another service, resolved 20 minutes in. Recorded out of time
    order, as topics of several partitions give them back."""
    return [
        recorded(T0 + 40 * MINUTE, spm(T0 + 40 * MINUTE, "STR-svc-1-1", "resolved")),
        recorded(T0 - MINUTE, owned(T0 - MINUTE, "svc-1")),
        *(recorded(T0 + n * MINUTE, created(T0 + n * MINUTE, f"A{n}", "svc-1")) for n in range(3)),
        recorded(T0, created(T0, "P1", "svc-2", priority=1)),
        recorded(T0 + 5 * MINUTE, spm(T0 + 5 * MINUTE, "STR-svc-1-1", "inProgress")),
        recorded(T0 + 20 * MINUTE, spm(T0 + 20 * MINUTE, "STR-svc-2-1", "resolved")),
    ]


def comparison(*, keep_escalations: bool = False) -> Comparison:
    reference = ReferenceIndex()
    worker = WorkerSettings()
    return Comparison(
        worker_context(worker, reference, CURRENT),
        worker_context(worker, reference, STRICTER),
        reference,
        keep_escalations=keep_escalations,
    )


def replayed(
    records: list[tuple[Source, Record]], horizon: datetime, **kwargs: bool
) -> tuple[Outcome, Comparison]:
    skipped = Skipped()
    run = comparison(**kwargs)
    outcome = compare(
        in_time_order(records, LIMITS, skipped),
        run,
        window_from=None,
        window_to=horizon,
        skipped=dict(skipped.reasons),
    )
    return outcome, run


def test_a_stricter_target_breaches_and_escalates_what_the_current_one_only_warned_about() -> None:
    outcome, _ = replayed(an_outage(), T0 + 2 * 60 * MINUTE)

    current = {rule.rule: rule.as_json() for rule in outcome.current}
    new = {rule.rule: rule.as_json() for rule in outcome.new}
    assert outcome.reports == 4
    assert current["priority-2"] == {
        "rule": "priority-2",
        "reports": 3,
        "breaches": 0,
        "warnings": 3,
        "jeopardy": 0,
        "escalationsByLevel": {},
    }
    assert new["priority-2"] == {
        "rule": "priority-2",
        "reports": 3,
        "breaches": 3,
        "warnings": 3,
        "jeopardy": 3,
        "escalationsByLevel": {"1": 3, "2": 3},
    }
    assert current["default"] == new["default"]
    assert current["default"]["reports"] == 1
    assert current["default"]["breaches"] == 0


def test_the_reports_that_change_most_come_first_and_unchanged_ones_are_left_out() -> None:
    outcome, _ = replayed(an_outage(), T0 + 2 * 60 * MINUTE)

    assert [change.report_id for change in outcome.changes] == ["A0", "A1", "A2"]
    first = outcome.changes[0].as_json()
    assert first["current"]["breaches"] == 0
    assert first["new"]["breaches"] == 1
    assert first["new"]["topLevel"] == 2
    assert first["change"] == 1 + 1 + 2 + 2


def test_deadlines_fall_on_recorded_time_between_records_not_on_the_next_record() -> None:
    _, run = replayed(an_outage(), T0 + 2 * 60 * MINUTE, keep_escalations=True)

    assert run.new.escalations is not None
    breaches = {
        event.report_id: event.occurred_at
        for event in run.new.escalations
        if isinstance(event, JeopardyRaised) and event.level is JeopardyLevel.BREACHED
    }
    assert breaches == {f"A{n}": T0 + (30 + n) * MINUTE for n in range(3)}
    second_level = {
        event.report_id: event.occurred_at
        for event in run.new.escalations
        if isinstance(event, EscalationRaised) and event.level == 2
    }
    assert second_level == {f"A{n}": T0 + (35 + n) * MINUTE for n in range(3)}


def test_a_deadline_after_the_horizon_has_not_fallen_yet() -> None:
    still_open = [
        recorded(T0, created(T0, "B1", "svc-9")),
        recorded(T0 + MINUTE, spm(T0 + MINUTE, "STR-svc-9-1", "inProgress")),
    ]

    before_breach, _ = replayed(still_open, T0 + 29 * MINUTE)
    after_breach, _ = replayed(still_open, T0 + 31 * MINUTE)

    assert [rule.breaches for rule in before_breach.new] == [0, 0]
    assert [rule.breaches for rule in after_breach.new] == [1, 0]
    assert [rule.breaches for rule in after_breach.current] == [0, 0]


def test_only_reports_created_in_the_window_are_counted_though_all_are_replayed() -> None:
    skipped = Skipped()
    run = comparison()
    outcome = compare(
        in_time_order(an_outage(), LIMITS, skipped),
        run,
        window_from=T0 + MINUTE,
        window_to=T0 + 2 * 60 * MINUTE,
    )

    assert outcome.reports == 2
    assert [change.report_id for change in outcome.changes] == ["A1", "A2"]
    assert outcome.records == 8


def test_records_the_worker_would_dead_letter_are_counted_and_skipped() -> None:
    broken = Record("customer_events", 0, 99, T0, b"X", b"{not json")
    stray = recorded(T0, spm(T0, "not-one-of-ours", "resolved"))

    outcome, _ = replayed([*an_outage(), (Source.CUSTOMER_EVENTS, broken), stray], T0)

    assert outcome.skipped == {"malformed-json": 1, "unknown-correlation": 1}
    assert outcome.records == 8


def test_reference_data_of_the_same_instant_is_known_to_the_report_that_needs_it() -> None:
    same_instant = [
        recorded(T0, created(T0, "C1", "svc-p")),
        recorded(
            T0,
            messages.component_ownership(
                "evt-own",
                T0,
                {"id": "svc-p", "referredType": "Service"},
                {"id": "acme", "role": "partner"},
            ),
        ),
    ]
    _, run = replayed(same_instant, T0 + MINUTE)

    assert run.current.bus is not None
    report = run.current.bus.reports["C1"]
    assert [work.request_id for work in report.delegated] == ["SPR-C1-1"]


def test_a_replayed_tick_is_the_tick_a_worker_sends_for_the_same_deadline() -> None:
    for deadline in (T0, T0 + timedelta(milliseconds=100), T0 + timedelta(microseconds=1)):
        assert tick_for("CPR-1", deadline) == tick_command("CPR-1", deadline)


def test_the_printed_comparison_shows_each_rule_before_and_after_and_the_changed_reports() -> None:
    outcome, _ = replayed(an_outage(), T0 + 2 * 60 * MINUTE)
    console = Console(record=True, width=160)

    show(outcome, console)

    text = console.export_text()
    priority_2 = next(line for line in text.splitlines() if "priority-2" in line)
    assert "0 → 3" in priority_2
    assert "escalations L2" in text
    assert "the 3 reports that change most" in text
    assert "A0" in text


def test_dates_on_the_command_line_are_utc_unless_they_say_otherwise() -> None:
    assert moment("2026-03-02") == datetime(2026, 3, 2, tzinfo=UTC)
    assert moment("2026-03-02T10:00:00+01:00") == datetime(2026, 3, 2, 9, tzinfo=UTC)
    with pytest.raises(argparse.ArgumentTypeError):
        moment("last tuesday")
