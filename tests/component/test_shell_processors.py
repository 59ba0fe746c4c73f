"""The shell's per-record steps without a broker: decode → load → handle → save → send.

Tables are plain dicts and the outbox records what would be sent, so these tests show
what the worker does with each kind of record; the same code runs on Kafka in the
integration tests.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from problem_tracker.application.ports import FixedClock
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import DelegatedKind, Rejection, RejectionCode
from problem_tracker.contracts.stored import SentRecord, decode_stored
from problem_tracker.domain.commands import Tick, UpdateDelegatedWork
from problem_tracker.domain.context import DecisionContext, StaticReferenceData
from problem_tracker.domain.report import DelegatedStatus, Owner, OwnerRole, ProgressUpdate
from problem_tracker.observability.metrics import Metrics
from problem_tracker.simulate import messages
from problem_tracker.streaming.impact_timers import ImpactTimers
from problem_tracker.streaming.outbox import Consumed, Outbox, OutboxTopics
from problem_tracker.streaming.partitioning import origin_header
from problem_tracker.streaming.processors import (
    DelegatedEventRouter,
    ReportProcessor,
    ServiceTroubleProcessor,
    Shell,
)
from problem_tracker.streaming.ticks import TickScheduler
from problem_tracker.translation.internal import Origin, decode_internal, encode_internal
from problem_tracker.translation.state import decode_report, encode_report

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def state_of(value: bytes) -> Any:
    return decode_report(decode_stored(value).state)


NAMES = OutboxTopics(
    service_trouble_requests="service-trouble.requests",
    partner_problem_requests="partner-problem.requests",
    notifications="customer-problem.notifications",
    escalations="customer-problem.escalations",
    dlq="customer-problem.dlq",
    customer_events_repartitioned="app-customer-events-repartition",
    report_commands="app-report-commands",
    service_trouble_commands="app-service-trouble-commands",
)
WIRE = {NAMES.service_trouble_requests, NAMES.partner_problem_requests}
WIRE |= {NAMES.notifications, NAMES.escalations}


@dataclass
class RecordingSender:
    """What the worker would hand to Kafka, in order, with readable views of it."""

    sent: list[SentRecord] = field(default_factory=list)

    async def send(self, record: SentRecord) -> None:
        self.sent.append(record)

    def on(self, *topics: str) -> list[SentRecord]:
        return [record for record in self.sent if record.topic in topics]

    @property
    def published(self) -> list[dict[str, Any]]:
        return [json.loads(r.value or b"") for r in self.sent if r.topic in WIRE]

    def event_types(self) -> list[str]:
        return [message["eventType"] for message in self.published]

    @property
    def dead(self) -> list[tuple[Any, Any]]:
        return [_dead_letter(json.loads(r.value or b"")) for r in self.on(NAMES.dlq)]

    @property
    def to_service(self) -> list[Any]:
        return [
            SimpleNamespace(service_id=(r.key or b"").decode(), command=_command(r))
            for r in self.on(NAMES.service_trouble_commands)
        ]

    @property
    def to_report(self) -> list[Any]:
        return [_command(r) for r in self.on(NAMES.report_commands)]

    @property
    def ticks(self) -> list[tuple[str, bytes]]:
        return [
            ((r.key or b"").decode(), r.value or b"")
            for r in self.on(NAMES.report_commands)
            if isinstance(_command(r), Tick)
        ]


def _command(record: SentRecord) -> Any:
    return decode_internal(record.value or b"").command


def _dead_letter(document: dict[str, Any]) -> tuple[Any, Any]:
    def raw(field: str) -> bytes | None:
        text = document[field]
        if text is None:
            return None
        if document.get(f"{field}Encoding") == "base64":
            return base64.b64decode(text)
        return str(text).encode()

    origin = SimpleNamespace(
        topic=document["originalTopic"],
        partition=document["partition"],
        offset=document["offset"],
        key=raw("key"),
        value=raw("value"),
    )
    error = document["error"]
    rejection = SimpleNamespace(code=SimpleNamespace(value=error["code"]), message=error["message"])
    return origin, rejection


@pytest.fixture
def outbox() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def shell(outbox: RecordingSender) -> Shell:
    metrics, clock = Metrics(), FixedClock(NOW)
    return Shell(
        Outbox(NAMES, outbox, metrics, clock, 3),
        clock,
        metrics,
        limits=DecodeLimits(max_message_bytes=4096),
    )


@pytest.fixture
def reports(shell: Shell) -> tuple[ReportProcessor, dict[bytes, bytes]]:
    owners = {"svc-1": Owner(id="noc", role=OwnerRole.INTERNAL)}
    context = DecisionContext(reference=StaticReferenceData(owners=owners))
    table: dict[bytes, bytes] = {}
    return ReportProcessor(shell, table, context), table


def create_record(report_id: str = "CPR-1", event_id: str = "e-1", offset: int = 0) -> Consumed:
    payload = {
        "id": report_id,
        "description": "no broadband since this morning",
        "severity": "major",
        "priority": 2,
        "relatedParty": [{"role": "customer", "id": "cust-1", "segment": "gold"}],
        "relatedEntity": [{"role": "affectedService", "id": "svc-1", "referredType": "Service"}],
    }
    message = messages.report_created(event_id, NOW, payload)
    return Consumed(
        "customer-problem.events", 0, offset, report_id.encode(), messages.value_bytes(message)
    )


async def test_a_create_is_saved_notified_and_asks_for_the_shared_service_trouble(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender
) -> None:
    processor, table = reports

    await processor.on_customer_event(create_record())

    assert state_of(table[b"CPR-1"]).status.value == "inProgress"
    assert [m["event"]["customerProblemReport"]["status"] for m in outbox.published[:2]] == [
        "acknowledged",
        "inProgress",
    ]
    assert [r.service_id for r in outbox.to_service] == ["svc-1"]
    assert outbox.dead == []


async def test_a_redelivered_input_whose_offset_is_not_committed_sends_the_same_records_again(
    reports: tuple[ReportProcessor, dict[bytes, bytes]],
    outbox: RecordingSender,
    shell: Shell,
) -> None:
    processor, table = reports
    await processor.on_customer_event(create_record())
    first, saved = list(outbox.sent), table[b"CPR-1"]
    outbox.sent.clear()
    shell.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]

    await processor.on_customer_event(create_record())

    assert outbox.sent == first
    assert table[b"CPR-1"] == saved
    assert shell.metrics.duplicates.labels("reports")._value.get() == 1
    assert shell.metrics.replayed_records.labels("reports")._value.get() == len(first)


async def test_a_redelivered_input_whose_offset_was_committed_sends_nothing(
    reports: tuple[ReportProcessor, dict[bytes, bytes]],
    outbox: RecordingSender,
    shell: Shell,
) -> None:
    processor, _ = reports
    await processor.on_customer_event(create_record(offset=4))
    outbox.sent.clear()
    shell.committed = lambda topic, partition: 5

    await processor.on_customer_event(create_record(offset=9))

    assert outbox.sent == []
    assert shell.metrics.duplicates.labels("reports")._value.get() == 1


async def test_records_are_kept_with_the_state_until_their_input_is_committed(
    reports: tuple[ReportProcessor, dict[bytes, bytes]],
    outbox: RecordingSender,
    shell: Shell,
) -> None:
    processor, table = reports
    await processor.on_customer_event(create_record(offset=4))
    kept = decode_stored(table[b"CPR-1"]).decided
    assert [(e.event_id, e.offset, e.records) for e in kept] == [("e-1", 4, tuple(outbox.sent))]

    shell.committed = lambda topic, partition: 5
    change = messages.attributes_changed("e-2", NOW, "CPR-1", description="still down")
    record = Consumed("customer-problem.events", 0, 6, b"CPR-1", messages.value_bytes(change))
    await processor.on_customer_event(record)

    assert [e.event_id for e in decode_stored(table[b"CPR-1"]).decided] == ["e-2"]


async def test_records_too_big_to_keep_are_sent_unkept_and_counted(
    reports: tuple[ReportProcessor, dict[bytes, bytes]],
    outbox: RecordingSender,
    shell: Shell,
) -> None:
    processor, table = reports
    shell.max_table_value_bytes = 4096

    await processor.on_customer_event(create_record())

    stored = decode_stored(table[b"CPR-1"])
    assert stored.decided == ()
    assert state_of(table[b"CPR-1"]).status.value == "inProgress"
    assert len(outbox.published) == 2
    assert shell.metrics.unkept_outputs.labels("reports")._value.get() == 1


async def test_deciding_the_same_record_again_gives_the_same_bytes_whatever_the_clock(
    shell: Shell, outbox: RecordingSender
) -> None:
    owners = {"svc-1": Owner(id="noc", role=OwnerRole.INTERNAL)}
    context = DecisionContext(reference=StaticReferenceData(owners=owners))
    forwarded_at = (NOW + timedelta(seconds=2)).timestamp()
    record = replace(create_record(), timestamp=forwarded_at)
    runs = []
    for _ in range(2):
        table: dict[bytes, bytes] = {}
        await ReportProcessor(shell, table, context).on_customer_event(record)
        runs.append((list(outbox.sent), table))
        outbox.sent.clear()
        shell.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]

    assert runs[0] == runs[1]
    assert runs[0][0][0].timestamp == forwarded_at


async def test_malformed_input_is_dead_lettered_with_its_original_bytes(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender
) -> None:
    processor, table = reports

    await processor.on_customer_event(Consumed("customer-problem.events", 2, 7, b"k", b"{nope"))

    origin, rejection = outbox.dead[0]
    assert (origin.partition, origin.offset, origin.value) == (2, 7, b"{nope")
    assert rejection.code.value == "malformed-json"
    assert table == {}


async def test_an_illegal_transition_is_dead_lettered_and_the_report_kept(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender
) -> None:
    processor, table = reports
    await processor.on_customer_event(create_record())
    before = table[b"CPR-1"]
    close = messages.customer_event("e-2", NOW, "CustomerProblemReportCloseEvent", {"id": "CPR-1"})
    record = Consumed("customer-problem.events", 0, 1, b"CPR-1", messages.value_bytes(close))

    await processor.on_customer_event(record)

    assert [r.code.value for _, r in outbox.dead] == ["illegal-transition"]
    assert outbox.dead[0][0].offset == 1
    assert state_of(table[b"CPR-1"]).status == state_of(before).status


async def test_an_unreadable_internal_command_reaches_the_dlq_instead_of_crashing(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender
) -> None:
    processor, _ = reports

    await processor.on_internal(Consumed("app-report-commands", 0, 3, b"CPR-1", b"garbage"))

    assert outbox.dead[0][1].code.value == "schema-violation"


async def test_a_command_for_the_other_aggregate_is_dead_lettered_not_dropped(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender
) -> None:
    processor, _ = reports
    await processor.on_customer_event(create_record())
    link = outbox.to_service[0].command

    await processor.on_internal(
        Consumed("app-report-commands", 1, 5, b"CPR-1", encode_internal(link, None))
    )

    origin, rejection = outbox.dead[0]
    assert (origin.partition, origin.offset) == (1, 5)
    assert "wrong topic" in rejection.message


async def test_many_reports_on_one_service_share_one_service_trouble_request(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender, shell: Shell
) -> None:
    processor, _ = reports
    service_troubles = ServiceTroubleProcessor(shell, {})
    for n in range(5):
        await processor.on_customer_event(create_record(f"CPR-{n}", f"e-{n}", n))
    links = outbox.to_service
    outbox.sent.clear()

    for routed in links:
        raw = encode_internal(routed.command, None)
        await service_troubles.on_internal(Consumed("st", 0, 0, routed.service_id.encode(), raw))

    requests = [t for t in outbox.event_types() if t == "CreateServiceTroubleReportRequest"]
    assert len(requests) == 1
    assert {c.report_id for c in outbox.to_report} == {f"CPR-{n}" for n in range(5)}


async def test_reports_flooding_one_service_give_few_impact_updates_on_a_durable_timer(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender, shell: Shell
) -> None:
    processor, _ = reports
    table: dict[bytes, bytes] = {}
    service_troubles = ServiceTroubleProcessor(shell, table, timedelta(seconds=10))
    clock = FixedClock(NOW)
    timers = ImpactTimers(Outbox(NAMES, outbox, Metrics(), clock, 3), clock)
    service_troubles.after_decision = timers.after_decision
    for n in range(30):
        await processor.on_customer_event(create_record(f"CPR-{n}", f"e-{n}", n))
    links = outbox.to_service
    outbox.sent.clear()

    async def decide(record: SentRecord) -> None:
        consumed = Consumed("st", 0, 0, record.key, record.value, timestamp=record.timestamp)
        await service_troubles.on_internal(consumed)

    for n, routed in enumerate(links):
        at = (NOW + timedelta(seconds=n)).timestamp()
        raw = encode_internal(routed.command, None)
        await decide(SentRecord("st", 0, routed.service_id.encode(), raw, (), at))
        clock.set(NOW + timedelta(seconds=n))
        fired = len(outbox.on(NAMES.service_trouble_commands))
        await timers.fire_due()
        for record in outbox.on(NAMES.service_trouble_commands)[fired:]:
            await decide(record)
    assert len(timers.index) == 1
    timers.rebuild(service_troubles.states())
    assert len(timers.index) == 1
    clock.advance(timedelta(seconds=10))
    fired = len(outbox.on(NAMES.service_trouble_commands))
    assert await timers.fire_due() == 1
    assert await timers.fire_due() == 0
    for record in outbox.on(NAMES.service_trouble_commands)[fired:]:
        await decide(record)

    updates = [m for m in outbox.published if m["eventType"] == "UpdateServiceTroubleReportRequest"]
    assert outbox.event_types().count("CreateServiceTroubleReportRequest") == 1
    assert len(updates) == 3
    assert [u["eventTime"] for u in updates] == [
        (NOW + timedelta(seconds=s)).isoformat().replace("+00:00", "Z") for s in (11, 22, 39)
    ]
    last = updates[-1]["event"]["serviceTroubleReport"]
    assert last["impactCount"] == 30
    assert sorted(last["customerProblemReportIds"]) == sorted(f"CPR-{n}" for n in range(30))
    assert (last["priority"], last["severity"]) == (2, "major")
    assert len(timers.index) == 0


async def test_an_answer_for_a_request_we_never_made_is_unknown_correlation(
    shell: Shell, outbox: RecordingSender
) -> None:
    router = DelegatedEventRouter(shell)
    answer = messages.envelope(
        event_id="x-1",
        now=NOW,
        event_type="ServiceTroubleReportStatusChangeEvent",
        correlation_id="not-ours",
        domain="ServiceProblem",
        source=messages.SPM,
        event={"serviceTroubleReport": {"id": "ext-1", "status": "resolved"}},
    )
    record = Consumed("service-trouble.events", 0, 4, None, json.dumps(answer).encode())

    await router.handler(DelegatedKind.SERVICE_TROUBLE)(record)

    assert [r.code.value for _, r in outbox.dead] == ["unknown-correlation"]


async def test_the_tick_scheduler_keeps_deadlines_durable_and_fires_each_once(
    outbox: RecordingSender,
) -> None:
    deadlines: dict[bytes, bytes] = {}
    due = NOW + timedelta(seconds=30)
    clock = FixedClock(NOW)
    sender = Outbox(NAMES, outbox, Metrics(), clock, 3)
    scheduler = TickScheduler(deadlines, lambda state: due, sender, clock, Metrics())
    report = decode_report(encode_report(_a_report()))

    scheduler.after_decision("CPR-9", report)
    scheduler.index.clear()
    scheduler.rebuild()
    assert await scheduler.fire_due() == 0
    clock.advance(timedelta(seconds=30))

    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    report_id, raw = outbox.ticks[0]
    tick = decode_internal(raw).command
    assert (report_id, tick.deadline) == ("CPR-9", due)
    slot = int(due.timestamp()) * 10
    assert deadlines == {b"CPR-9": f"{slot}|acknowledged|2|none|0".encode()}


def _a_report() -> Any:
    from builders import a_report

    return a_report()


async def test_a_repartitioned_event_is_dead_lettered_as_the_record_upstream_sent(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender
) -> None:
    processor, _ = reports
    header = origin_header("customer-problem.events", 4, 17)
    record = Consumed("app-customer-events-repartition", 1, 2, b"k", b"{nope", (header,))

    await processor.on_repartitioned(record)

    origin, rejection = outbox.dead[0]
    assert (origin.topic, origin.partition, origin.offset) == ("customer-problem.events", 4, 17)
    assert (origin.key, origin.value, rejection.code.value) == (b"k", b"{nope", "malformed-json")


async def test_a_repartitioned_record_without_its_origin_is_dead_lettered_as_itself(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender
) -> None:
    processor, table = reports
    record = create_record()
    forged = Consumed("app-customer-events-repartition", 1, 2, record.key, record.value)

    await processor.on_repartitioned(forged)

    origin, rejection = outbox.dead[0]
    assert (origin.topic, origin.offset, rejection.code.value) == (
        "app-customer-events-repartition",
        2,
        "schema-violation",
    )
    assert table == {}


async def test_a_rejected_command_of_our_own_names_the_internal_record_and_is_counted(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender, shell: Shell
) -> None:
    processor, _ = reports
    cause = Origin(topic="customer-problem.events", partition=0, offset=9, key=b"CPR-404")
    tick = Tick(event_id="tick-1", report_id="CPR-404", deadline=NOW)
    raw = encode_internal(tick, cause)

    await processor.on_internal(Consumed("app-report-commands", 2, 31, b"CPR-404", raw))

    origin, rejection = outbox.dead[0]
    assert (origin.topic, origin.partition, origin.offset, origin.value) == (
        "app-report-commands",
        2,
        31,
        raw,
    )
    assert rejection.code.value == "unknown-report"
    assert "internal Tick caused by customer-problem.events[0]@9" in rejection.message
    counted = shell.metrics.internal_dead_letters.labels("reports", "unknown-report")
    assert counted._value.get() == 1


async def test_a_relayed_answer_that_is_rejected_names_the_answer_not_the_internal_record(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender, shell: Shell
) -> None:
    processor, _ = reports
    answer = Origin(topic="partner-problem.events", partition=1, offset=6, value=b"{...}")
    update = UpdateDelegatedWork(
        event_id="p-1",
        report_id="CPR-404",
        request_id="SPR-CPR-404-1",
        update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
    )
    raw = encode_internal(update, answer, relayed=True)

    await processor.on_internal(Consumed("app-report-commands", 2, 32, b"CPR-404", raw))

    origin, rejection = outbox.dead[0]
    assert (origin.topic, origin.partition, origin.offset, origin.value) == (
        "partner-problem.events",
        1,
        6,
        b"{...}",
    )
    assert rejection.code.value == "unknown-correlation"
    assert rejection.message.startswith("rejected by report 'CPR-404': ")
    assert (
        shell.metrics.internal_dead_letters.labels("reports", "unknown-correlation")._value.get()
        == 0
    )


async def test_a_rejected_command_never_cancels_the_timer_of_an_existing_report(
    shell: Shell, outbox: RecordingSender
) -> None:
    context = DecisionContext(reference=StaticReferenceData(owners={}))
    processor = ReportProcessor(shell, {}, context)
    scheduled: list[tuple[str, object]] = []
    processor.after_decision = lambda report_id, state, replayed: scheduled.append(
        (report_id, state)
    )
    close = messages.customer_event("e-9", NOW, "CustomerProblemReportCloseEvent", {"id": "CPR-8"})

    await processor.on_customer_event(
        Consumed("customer-problem.events", 0, 1, b"CPR-8", messages.value_bytes(close))
    )

    assert [r.code.value for _, r in outbox.dead] == ["unknown-report"]
    assert scheduled == []


async def test_a_report_that_would_grow_too_big_is_refused_before_anything_is_saved_or_sent(
    reports: tuple[ReportProcessor, dict[bytes, bytes]], outbox: RecordingSender, shell: Shell
) -> None:
    processor, table = reports
    await processor.on_customer_event(create_record())
    before, published = table[b"CPR-1"], len(outbox.published)
    shell.max_state_bytes = len(decode_stored(before).state) + 500
    text = "The customer pasted a router log: " + "x" * 2000
    change = messages.attributes_changed(
        "e-big", NOW, "CPR-1", note=[messages.note("a", NOW, text)]
    )
    record = Consumed("customer-problem.events", 0, 5, b"CPR-1", messages.value_bytes(change))

    await processor.on_customer_event(record)

    assert table[b"CPR-1"] == before
    assert len(outbox.published) == published
    origin, rejection = outbox.dead[0]
    assert (origin.offset, rejection.code.value) == (5, "schema-violation")
    assert "MAX_STATE_BYTES" in rejection.message
    assert shell.metrics.oversized_states.labels("reports")._value.get() == 1


async def test_a_dead_letter_that_cannot_be_written_holds_the_partition_until_it_is() -> None:
    class FailingTwice:
        attempts = 0
        written: list[bytes] = []

        async def send(self, record: SentRecord) -> None:
            self.attempts += 1
            if self.attempts <= 2:
                raise RuntimeError("broker says no")
            self.written.append(record.value or b"")

    metrics = Metrics()
    sender = FailingTwice()
    outbox = Outbox(NAMES, sender, metrics, FixedClock(NOW), 3, retry_seconds=0.001)
    origin = Origin(topic="customer-problem.events", partition=0, offset=3, value=b"{nope")

    await outbox.dead_letter(origin, Rejection(RejectionCode.MALFORMED_JSON, "not JSON"))

    assert sender.attempts == 3
    assert json.loads(sender.written[0])["offset"] == 3
    assert metrics.dead_letter_send_failures._value.get() == 2
    assert metrics.send_failures.labels(NAMES.dlq)._value.get() == 2
    assert (
        metrics.dead_letters.labels("customer-problem.events", "malformed-json")._value.get() == 1
    )
