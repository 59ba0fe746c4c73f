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
from problem_tracker.application.process import handle_report, handle_service_trouble, rejections
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


class ReportProcessor:
    """Track & Manage one customer problem report per key of the reports table."""

    def __init__(self, shell: Shell, table: Table, context: DecisionContext) -> None:
        self._shell = shell
        self._table = table
        self._context = context
        self.after_decision: Callable[[str, CustomerProblemReport | None], None] = _no_timers

    async def on_customer_event(self, record: Consumed) -> None:
        outcome = decode_customer_event(record.key, record.value, self._shell.limits)
        if isinstance(outcome, Rejection):
            await self._shell.outbox.dead_letter(record.origin, outcome)
            return
        await self.apply(to_domain.customer_command(outcome.message), record.origin)

    async def on_internal(self, record: Consumed) -> None:
        message = await _internal(self._shell.outbox, record, _REPORT_COMMANDS)
        if message is not None:
            await self.apply(message.command, message.origin)  # type: ignore[arg-type]

    async def apply(self, command: ReportCommand, origin: Origin | None) -> None:
        key = command.report_id.encode()
        raw = self._table.get(key)
        state = None if raw is None else decode_report(raw)
        decision = handle_report(state, command, self._shell.clock.now(), self._context)
        self.after_decision(command.report_id, decision.state)
        if decision.duplicate:
            self._shell.metrics.duplicates.labels("reports").inc()
            return
        if decision.state is not None and decision.state != state:
            self._table[key] = encode_report(decision.state)
        outbox = self._shell.outbox
        for rejected in rejections(decision):
            await _dead_letter(outbox, origin, rejected.code.value, rejected.reason)
        for event, state_after in decision.steps():
            self._shell.metrics.domain_events.labels(type(event).__name__).inc()
            await outbox.publish(report_messages(event, state_after))
        await outbox.to_service_troubles(service_trouble_commands(decision.events), origin)


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
        key = record.key or b""
        raw = self._table.get(key)
        state = None if raw is None else decode_service_trouble(raw)
        decision = handle_service_trouble(state, command, self._shell.clock.now())
        if decision.duplicate:
            self._shell.metrics.duplicates.labels("service-troubles").inc()
            return
        if decision.state is not None and decision.state != state:
            self._table[key] = encode_service_trouble(decision.state)
        outbox = self._shell.outbox
        for rejected in rejections(decision):
            await _dead_letter(outbox, message.origin, rejected.code.value, rejected.reason)
        for event, state_after in decision.steps():
            self._shell.metrics.domain_events.labels(type(event).__name__).inc()
            await outbox.publish(service_trouble_messages(event, state_after))
        await outbox.to_reports(report_commands(decision.events), message.origin)


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
                    [ToServiceTrouble(service_id, command)], record.origin
                )
            else:
                await self._shell.outbox.to_reports([routed], record.origin)

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


async def _dead_letter(outbox: Outbox, origin: Origin | None, code: str, reason: str) -> None:
    if origin is None:
        log.error("rejected internal command without origin", extra={"code": code})
        return
    await outbox.dead_letter(origin, Rejection(RejectionCode(code), reason))
