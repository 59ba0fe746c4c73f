"""Per-record steps of the shell: decode → load → handle → save → send → observe.

No business rule lives here: the decisions come from ``application`` (which calls the
domain), translation from ``contracts``. Each processor works on one aggregate's table.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import get_args

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
from problem_tracker.contracts import to_domain
from problem_tracker.contracts.codec import (
    decode_customer_event,
    decode_delegated_event,
    decode_reference,
)
from problem_tracker.contracts.from_domain import report_messages, service_trouble_messages
from problem_tracker.contracts.internal import InternalMessage, Origin, decode_internal
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import (
    DelegatedKind,
    ReferenceKind,
    Rejection,
    RejectionCode,
)
from problem_tracker.contracts.state import (
    decode_report,
    decode_service_trouble,
    encode_report,
    encode_service_trouble,
)
from problem_tracker.domain.commands import ReportCommand
from problem_tracker.domain.context import DecisionContext
from problem_tracker.domain.report import CustomerProblemReport
from problem_tracker.domain.service_trouble import ServiceTroubleCommand
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming.outbox import Consumed, Outbox
from problem_tracker.streaming.partitioning import ORIGIN_HEADER, parse_origin_header

log = logging.getLogger(__name__)

Table = MutableMapping[bytes, bytes]
_REPORT_COMMANDS = get_args(ReportCommand)
_SERVICE_TROUBLE_COMMANDS = get_args(ServiceTroubleCommand)


@dataclass
class Shell:
    """What every processor needs from the outside world."""

    outbox: Outbox
    clock: Clock
    metrics: Metrics
    limits: DecodeLimits
    max_state_bytes: int = 512 * 1024
    """A report that would grow past this is refused before anything is saved or sent."""


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

    def rejection(self, code: str, reason: str) -> Rejection:
        if self.ours:
            reason = f"{self.cause}: {reason}"
        return Rejection(RejectionCode(code), reason)


class ReportProcessor:
    """Track & Manage one customer problem report per key of the reports table."""

    def __init__(self, shell: Shell, table: Table, context: DecisionContext) -> None:
        self._shell = shell
        self._table = table
        self._context = context
        self.after_decision: Callable[[str, CustomerProblemReport | None], None] = _no_timers

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
        await self.apply(command, Culprit(origin, source=origin))

    async def on_internal(self, record: Consumed) -> None:
        message = await _internal(self._shell.outbox, record, _REPORT_COMMANDS)
        if message is not None:
            command: ReportCommand = message.command  # type: ignore[assignment]
            await self.apply(command, _culprit(message, record))

    async def apply(self, command: ReportCommand, culprit: Culprit) -> None:
        key = command.report_id.encode()
        raw = self._table.get(key)
        state = None if raw is None else decode_report(raw)
        decision = handle_report(state, command, self._shell.clock.now(), self._context)
        if decision.duplicate:
            self._shell.metrics.duplicates.labels("reports").inc()
            return
        encoded = None
        if decision.state is not None and decision.state != state:
            encoded = encode_report(decision.state)
            if len(encoded) > self._shell.max_state_bytes:
                await self._refuse_growth(command, culprit, len(encoded))
                return
        # Outbound messages are built before the state is saved: a failure to build one
        # leaves the report as it was, and the record is dead-lettered by the agent.
        outbound = [report_messages(event, after) for event, after in decision.steps()]
        if decision.state is not None:
            self.after_decision(command.report_id, decision.state)
        if encoded is not None:
            self._table[key] = encoded
        await _dead_letter(self._shell, "reports", culprit, decision)
        outbox = self._shell.outbox
        for event, messages in zip(decision.events, outbound, strict=True):
            self._shell.metrics.domain_events.labels(type(event).__name__).inc()
            await outbox.publish(messages)
        await outbox.to_service_troubles(service_trouble_commands(decision.events), culprit.source)

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
    """One shared service trouble per faulty service, keyed by service id."""

    def __init__(self, shell: Shell, table: Table) -> None:
        self._shell = shell
        self._table = table

    async def on_internal(self, record: Consumed) -> None:
        message = await _internal(self._shell.outbox, record, _SERVICE_TROUBLE_COMMANDS)
        if message is None:
            return
        command: ServiceTroubleCommand = message.command  # type: ignore[assignment]
        culprit = _culprit(message, record)
        key = record.key or b""
        raw = self._table.get(key)
        state = None if raw is None else decode_service_trouble(raw)
        decision = handle_service_trouble(state, command, self._shell.clock.now())
        if decision.duplicate:
            self._shell.metrics.duplicates.labels("service-troubles").inc()
            return
        outbound = [service_trouble_messages(event, after) for event, after in decision.steps()]
        if decision.state is not None and decision.state != state:
            self._table[key] = encode_service_trouble(decision.state)
        await _dead_letter(self._shell, "service-troubles", culprit, decision)
        outbox = self._shell.outbox
        for event, messages in zip(decision.events, outbound, strict=True):
            self._shell.metrics.domain_events.labels(type(event).__name__).inc()
            await outbox.publish(messages)
        await outbox.to_reports(report_commands(decision.events), culprit.source)


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
                await self._shell.outbox.to_service_troubles(
                    [ToServiceTrouble(service_id, command)], record.origin, relayed=True
                )
            else:
                await self._shell.outbox.to_reports([routed], record.origin, relayed=True)

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


def _no_timers(report_id: str, state: CustomerProblemReport | None) -> None:
    """Without a tick scheduler (component tests), reports ask for no timers."""


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


async def _dead_letter(
    shell: Shell,
    aggregate: str,
    culprit: Culprit,
    decision: ReportDecision | ServiceTroubleDecision,
) -> None:
    for rejected in rejections(decision):
        if culprit.ours:
            shell.metrics.internal_dead_letters.labels(aggregate, rejected.code.value).inc()
            log.error(
                "internal command rejected",
                extra={"code": rejected.code.value, "reason": rejected.reason},
            )
        await shell.outbox.dead_letter(
            culprit.record, culprit.rejection(rejected.code.value, rejected.reason)
        )


def _culprit(message: InternalMessage, record: Consumed) -> Culprit:
    if message.relayed and message.origin is not None:
        return Culprit(message.origin, source=message.origin)
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
