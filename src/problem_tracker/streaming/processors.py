"""Per-record steps of the shell: decode → load → decide → save with its records → send.

No business rule lives here: the decisions come from ``application`` (which calls the
domain), the bytes from ``contracts`` and ``translation``. Each processor works on one
aggregate's table through ``AggregateTable``, which keeps each decision's records with the
state until the input's offset is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar, get_args

from problem_tracker.application.ports import Clock
from problem_tracker.application.process import (
    ReportDecision,
    ServiceTroubleDecision,
    handle_report,
    handle_service_trouble,
    rejections,
)
from problem_tracker.application.routing import (
    ToServiceTrouble,
    report_commands,
    service_trouble_commands,
)
from problem_tracker.contracts.codec import (
    decode_customer_event,
    decode_delegated_event,
    decode_reference,
)
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import (
    DelegatedKind,
    ReferenceKind,
    Rejection,
    RejectionCode,
)
from problem_tracker.contracts.stored import (
    DecidedInput,
    SentRecord,
    Stored,
    decode_stored,
    encode_stored,
)
from problem_tracker.domain.commands import ReportCommand
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.events import StatusChanged
from problem_tracker.domain.report import CustomerProblemReport, Status
from problem_tracker.domain.service_trouble import (
    IMPACT_UPDATE_INTERVAL,
    ServiceTrouble,
    ServiceTroubleCommand,
)
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.outbox import Consumed, Outbox
from problem_tracker.streaming.partitioning import ORIGIN_HEADER, parse_origin_header
from problem_tracker.streaming.table_read import read_once
from problem_tracker.translation import to_domain
from problem_tracker.translation.from_domain import report_messages, service_trouble_messages
from problem_tracker.translation.internal import InternalMessage, Origin, decode_internal
from problem_tracker.translation.state import (
    decode_report,
    decode_service_trouble,
    encode_report,
    encode_service_trouble,
)

log = logging.getLogger(__name__)

Table = MutableMapping[bytes, bytes]
S = TypeVar("S")
AfterDecision = Callable[[str, "CustomerProblemReport | None", bool], None]
AfterTroubleDecision = Callable[[str, "ServiceTrouble | None"], None]
_REPORT_COMMANDS = get_args(ReportCommand)
_SERVICE_TROUBLE_COMMANDS = get_args(ServiceTroubleCommand)


Committed = Callable[[str, int], int | None]
"""The committed offset (the next to read) of a topic partition, ``None`` when unknown."""


def _nothing_known_committed(topic: str, partition: int) -> int | None:
    return None


@dataclass
class Shell:
    """What every processor needs from the outside world."""

    outbox: Outbox
    clock: Clock
    metrics: Metrics
    limits: DecodeLimits
    max_state_bytes: int = 512 * 1024
    """A report that would grow past this is refused before anything is saved or sent."""
    max_table_value_bytes: int = 900_000
    """A state with the records kept for a replay; what does not fit is sent unkept."""
    committed: Committed = _nothing_known_committed
    max_kept_decisions: int = 32

    def decision_time(self, source: Consumed) -> datetime:
        """A decision is a function of the state and the record: its time is the record's
        (set by the worker that wrote it), so deciding a record again gives the same bytes."""
        if source.timestamp is not None and source.timestamp > 0:
            return datetime.fromtimestamp(source.timestamp, UTC)
        return self.clock.now()


@dataclass(frozen=True, slots=True)
class Culprit:
    """The record a rejection is dead-lettered as. An outside record is named with the
    bytes its producer sent; a command of our own (``ours``) is named as the internal
    record itself, counted and logged as a defect, with where its cause was read."""

    record: Origin
    ours: bool = False
    cause: str = ""
    source: Origin | None = None
    """The outside record that started the chain, passed on to the commands this one causes."""
    relayed: bool = False
    """An answer of SPM or a partner, rejected by the aggregate it was routed to."""

    def rejection(self, code: str, reason: str, rejected_by: str = "") -> Rejection:
        if self.ours:
            reason = f"{self.cause}: {reason}"
        elif self.relayed and rejected_by:
            reason = f"rejected by {rejected_by}: {reason}"
        return Rejection(RejectionCode(code), reason)


@dataclass(frozen=True, slots=True)
class Loaded(Generic[S]):
    """A table value as read: its bytes, its kept records, its state."""

    raw: bytes | None
    stored: Stored | None
    state: S | None


class AggregateTable(Generic[S]):
    """One aggregate's table: load a state, decide, save it with the records the decision
    sends, send them; a redelivered input sends the kept records again."""

    def __init__(
        self,
        name: str,
        shell: Shell,
        table: Table,
        decode: Callable[[bytes], S],
        encode: Callable[[S], bytes],
    ) -> None:
        self.name = name
        self._shell = shell
        self._table = table
        self._read = read_once(table)
        self._decode = decode
        self.encode = encode

    def states(self) -> Iterator[tuple[str, S]]:
        """Every state the table holds here (a Faust table: the partitions owned)."""
        for key, raw in list(self._table.items()):
            yield key.decode(errors="replace"), self._decode(decode_stored(raw).state)

    def load(self, key: bytes) -> Loaded[S]:
        raw = self._read(key)
        if raw is None:
            return Loaded(None, None, None)
        stored = decode_stored(raw)
        return Loaded(raw, stored, self._decode(stored.state))

    async def replay(self, key: bytes, loaded: Loaded[S], event_id: str) -> bool:
        """The input was decided before; if its offset may not be committed, what it sent
        may not have been delivered: send it again (and rewrite the value, whose changelog
        record may be lost too). ``True`` when it did."""
        metrics = self._shell.metrics
        metrics.duplicates.labels(self.name).inc()
        entry = None if loaded.stored is None else loaded.stored.decided_for(event_id)
        if entry is None or loaded.raw is None or self._is_committed(entry):
            return False
        records = entry.records
        self._table[key] = loaded.raw
        metrics.replayed_records.labels(self.name).inc(len(records))
        await self._shell.outbox.send(records)
        return True

    async def save_and_send(
        self,
        key: bytes,
        loaded: Loaded[S],
        state: bytes | None,
        source: Consumed,
        event_id: str,
        records: Sequence[SentRecord],
    ) -> None:
        """Save the new state (``None``: unchanged) with the records, then send them."""
        if state is not None:
            entry = (
                DecidedInput.of(event_id, source.topic, source.partition, source.offset, records)
                if records
                else None
            )
            self._table[key] = self._value(state, loaded.stored, entry)
        await self._shell.outbox.send(records)

    def _value(self, state: bytes, previous: Stored | None, entry: DecidedInput | None) -> bytes:
        kept = (
            [] if previous is None else [e for e in previous.decided if not self._is_committed(e)]
        )
        decided = [*kept, entry] if entry is not None else kept
        decided = decided[-self._shell.max_kept_decisions :]
        value = encode_stored(Stored(state, tuple(decided)))
        while len(value) > self._shell.max_table_value_bytes and decided:
            decided.pop(0)
            self._shell.metrics.unkept_outputs.labels(self.name).inc()
            log.warning(
                "records too big to keep for a replay",
                extra={"aggregate": self.name, "bytes": len(value)},
            )
            value = encode_stored(Stored(state, tuple(decided)))
        return value

    def _is_committed(self, entry: DecidedInput) -> bool:
        committed = self._shell.committed(entry.topic, entry.partition)
        return committed is not None and entry.offset < committed


class ReportProcessor:
    """Track & Manage one customer problem report per key of the reports table."""

    def __init__(self, shell: Shell, table: Table, context: DecisionContext) -> None:
        self._shell = shell
        self._reports = AggregateTable("reports", shell, table, decode_report, encode_report)
        self._context = context
        self.after_decision: AfterDecision = _no_timers

    async def on_repartitioned(self, record: Consumed) -> None:
        """A customer event, forwarded by the intake to its report's partition."""
        origin = upstream_origin(record)
        if origin is None:
            problem = "a repartitioned customer event without a valid origin header"
            rejection = Rejection(RejectionCode.SCHEMA_VIOLATION, problem)
            await self._shell.outbox.dead_letter(record.origin, rejection)
            return
        await self.on_customer_event(record, origin)

    async def on_customer_event(self, record: Consumed, origin: Origin | None = None) -> None:
        origin = origin or record.origin
        outcome = decode_customer_event(record.key, record.value, self._shell.limits)
        if isinstance(outcome, Rejection):
            await self._shell.outbox.dead_letter(origin, outcome)
            return
        command = to_domain.customer_command(outcome.message)
        await self.apply(command, Culprit(origin, source=origin), record)

    async def on_internal(self, record: Consumed) -> None:
        message = await _internal(self._shell.outbox, record, _REPORT_COMMANDS)
        if message is not None:
            command: ReportCommand = message.command  # type: ignore[assignment]
            await self.apply(command, _culprit(message, record), record)

    async def apply(self, command: ReportCommand, culprit: Culprit, source: Consumed) -> None:
        key = command.report_id.encode()
        loaded = self._reports.load(key)
        at = self._shell.decision_time(source)
        decision = handle_report(loaded.state, command, at, self._context)
        if decision.duplicate:
            if await self._reports.replay(key, loaded, command.event_id):
                self.after_decision(command.report_id, loaded.state, True)
            return
        encoded = None
        if decision.state is not None and decision.state != loaded.state:
            encoded = self._reports.encode(decision.state)
            if len(encoded) > self._shell.max_state_bytes:
                await self._refuse_growth(command, culprit, len(encoded))
                return
        # Every record is built before the state is saved: a failure to build one leaves
        # the report as it was, and the record is dead-lettered by the agent.
        outbox = self._shell.outbox
        records = _dead_letters(
            self._shell, "reports", culprit, decision, at, f"report {command.report_id!r}"
        )
        for event, after in decision.steps():
            self._shell.metrics.domain_events.labels(type(event).__name__).inc()
            _observe_durations(self._shell.metrics, event, after)
            records += outbox.messages(report_messages(event, after), at)
        records += outbox.service_trouble_commands(
            service_trouble_commands(decision.events), culprit.source, at
        )
        if decision.state is not None:
            self.after_decision(command.report_id, decision.state, False)
        await self._reports.save_and_send(key, loaded, encoded, source, command.event_id, records)

    def state_of(self, report_id: str) -> CustomerProblemReport | None:
        return self._reports.load(report_id.encode()).state

    async def _refuse_growth(self, command: ReportCommand, culprit: Culprit, size: int) -> None:
        self._shell.metrics.oversized_states.labels("reports").inc()
        reason = (
            f"{type(command).__name__} would grow report {command.report_id!r} to {size} "
            f"bytes, over the limit of {self._shell.max_state_bytes} "
            "(PROBLEM_TRACKER_WORKER__MAX_STATE_BYTES); the report is kept as it was"
        )
        log.error("report state too big", extra={"report_id": command.report_id, "bytes": size})
        await self._shell.outbox.dead_letter(
            culprit.record, culprit.rejection(RejectionCode.SCHEMA_VIOLATION.value, reason)
        )


class ServiceTroubleProcessor:
    """One shared service trouble per faulty service, keyed by service id; its impact
    updates wait ``impact_interval`` on a timer ``after_decision`` schedules."""

    def __init__(
        self, shell: Shell, table: Table, impact_interval: timedelta = IMPACT_UPDATE_INTERVAL
    ) -> None:
        self._shell = shell
        self._troubles = AggregateTable(
            "service-troubles", shell, table, decode_service_trouble, encode_service_trouble
        )
        self._impact_interval = impact_interval
        self.after_decision: AfterTroubleDecision = _no_trouble_timers

    def states(self) -> Iterator[tuple[str, ServiceTrouble]]:
        return self._troubles.states()

    async def on_internal(self, record: Consumed) -> None:
        message = await _internal(self._shell.outbox, record, _SERVICE_TROUBLE_COMMANDS)
        if message is None:
            return
        command: ServiceTroubleCommand = message.command  # type: ignore[assignment]
        culprit = _culprit(message, record)
        key = record.key or b""
        loaded = self._troubles.load(key)
        at = self._shell.decision_time(record)
        decision = handle_service_trouble(loaded.state, command, at, self._impact_interval)
        if decision.duplicate:
            if await self._troubles.replay(key, loaded, command.event_id):
                self.after_decision(key.decode(errors="replace"), loaded.state)
            return
        outbox = self._shell.outbox
        rejected_by = f"service trouble of {key.decode(errors='replace')!r}"
        records = _dead_letters(self._shell, "service-troubles", culprit, decision, at, rejected_by)
        for event, after in decision.steps():
            self._shell.metrics.domain_events.labels(type(event).__name__).inc()
            records += outbox.messages(service_trouble_messages(event, after), at)
        records += outbox.report_commands(report_commands(decision.events), culprit.source, at)
        encoded = None
        if decision.state is not None and decision.state != loaded.state:
            encoded = self._troubles.encode(decision.state)
        self.after_decision(key.decode(errors="replace"), decision.state)
        await self._troubles.save_and_send(key, loaded, encoded, record, command.event_id, records)


class DelegatedEventRouter:
    """Answers of Service Problem Management and partners, routed by ``correlationId``
    to the aggregate that owns the request."""

    def __init__(self, shell: Shell) -> None:
        self._shell = shell

    def handler(self, kind: DelegatedKind) -> Callable[[Consumed], Awaitable[None]]:
        async def route(record: Consumed) -> None:
            limits = self._shell.limits
            outcome = decode_delegated_event(kind, record.key, record.value, limits)
            if isinstance(outcome, Rejection):
                await self._shell.outbox.dead_letter(record.origin, outcome)
                return
            routed = to_domain.delegated_command(outcome.message)
            if routed is None:
                await _unknown_correlation(self._shell.outbox, record)
            elif isinstance(routed, tuple):
                service_id, command = routed
                await self._shell.outbox.relay_to_service_troubles(
                    [ToServiceTrouble(service_id, command)], record.origin
                )
            else:
                await self._shell.outbox.relay_to_reports([routed], record.origin)

        return route


class ReferenceValidator:
    """Reference data is read by every worker (see ``reference``); this side only makes
    sure a bad record reaches the DLQ once, through the consumer group."""

    def __init__(self, shell: Shell) -> None:
        self._shell = shell

    def handler(self, kind: ReferenceKind) -> Callable[[Consumed], Awaitable[None]]:
        async def validate(record: Consumed) -> None:
            limits = self._shell.limits
            outcome = decode_reference(kind, record.key, record.value, limits)
            if isinstance(outcome, Rejection):
                await self._shell.outbox.dead_letter(record.origin, outcome)

        return validate


def _observe_durations(
    metrics: Metrics, event: object, after: CustomerProblemReport | None
) -> None:
    if not isinstance(event, StatusChanged) or after is None:
        return
    elapsed = max(0.0, (event.occurred_at - after.creation_date).total_seconds())
    if event.to_status is Status.ACKNOWLEDGED:
        metrics.time_to_acknowledge.observe(elapsed)
    elif event.to_status is Status.RESOLVED:
        metrics.time_to_resolve.labels(str(after.priority)).observe(elapsed)


def _no_timers(report_id: str, state: CustomerProblemReport | None, replayed: bool) -> None:
    """Without a tick scheduler (component tests), reports ask for no timers."""


def _no_trouble_timers(key: str, state: ServiceTrouble | None) -> None:
    """Without impact timers (component tests), troubles ask for none."""


async def _internal(
    outbox: Outbox, record: Consumed, expected: tuple[type, ...]
) -> InternalMessage | None:
    """Internal topics are ours, yet a record we cannot read, or one meant for the other
    aggregate, still goes to the DLQ."""
    try:
        message = decode_internal(record.value or b"")
    except ValueError as exc:
        problem = f"internal command: {exc}"
    else:
        if isinstance(message.command, expected):
            return message
        problem = f"internal command {type(message.command).__name__} on the wrong topic"
    await outbox.dead_letter(record.origin, Rejection(RejectionCode.SCHEMA_VIOLATION, problem))
    return None


async def _unknown_correlation(outbox: Outbox, record: Consumed) -> None:
    rejection = Rejection(
        RejectionCode.UNKNOWN_CORRELATION,
        "correlationId names no request of ours",
        "/correlationId",
    )
    await outbox.dead_letter(record.origin, rejection)


def _dead_letters(
    shell: Shell,
    aggregate: str,
    culprit: Culprit,
    decision: ReportDecision | ServiceTroubleDecision,
    at: datetime,
    rejected_by: str,
) -> list[SentRecord]:
    records = []
    for rejected in rejections(decision):
        if culprit.ours:
            shell.metrics.internal_dead_letters.labels(aggregate, rejected.code.value).inc()
            log.error(
                "internal command rejected",
                extra={"code": rejected.code.value, "reason": rejected.reason},
            )
        rejection = culprit.rejection(rejected.code.value, rejected.reason, rejected_by)
        records.append(shell.outbox.dead_letter_record(culprit.record, rejection, at))
    return records


def _culprit(message: InternalMessage, record: Consumed) -> Culprit:
    if message.relayed and message.origin is not None:
        return Culprit(message.origin, source=message.origin, relayed=True)
    name = type(message.command).__name__
    cause = "a timer" if message.origin is None else message.origin.describe()
    return Culprit(
        record.origin, ours=True, cause=f"internal {name} caused by {cause}", source=message.origin
    )


def upstream_origin(record: Consumed) -> Origin | None:
    """Where upstream had put a repartitioned record, with the bytes it sent."""
    header = record.header(ORIGIN_HEADER)
    if header is None:
        return None
    try:
        topic, partition, offset = parse_origin_header(header)
    except ValueError:
        return None
    return Origin(
        topic=topic, partition=partition, offset=offset, key=record.key, value=record.value
    )
