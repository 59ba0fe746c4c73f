"""The status lifecycle of a customer problem report, as one table (CONTRACT.md, "Statuses").

Triggers are either commands (create, hold, ...) or conclusions the process reaches itself
(coordinated, information required, all delegated work resolved). A trigger that maps a
status to itself is accepted without a status change; a (status, trigger) pair missing
from the table is an illegal transition.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, StrEnum
from types import MappingProxyType

from problem_tracker.domain.events import StatusChanged
from problem_tracker.domain.report import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    CustomerProblemReport,
    Status,
)


class Trigger(StrEnum):
    CREATE = "create"
    CHANGE_ATTRIBUTES = "change attributes"
    COMPLETE_ISOLATION = "isolation completed"
    PROVIDE_INFORMATION = "information provided"
    HOLD = "hold"
    RESUME = "resume"
    CANCEL = "cancel"
    RESOLVE = "resolve"
    ACKNOWLEDGE_ESCALATION = "escalation acknowledged"
    REDELEGATE = "redelegate"
    REQUEST_INFORMATION = "information requested"
    ASSIGN = "assign"
    NO_RESPONSE = "no response by the deadline"
    REOPEN = "reopen"
    CLOSE = "close"
    DELEGATED_UPDATE = "delegated work update"
    TICK = "timer due"
    COORDINATED = "coordinated"
    INFORMATION_REQUIRED = "information required"
    ALL_WORK_RESOLVED = "all delegated work resolved"


class Back(Enum):
    """A destination that depends on history rather than on the table."""

    BEFORE_HOLD = "(status before hold)"


Destination = Status | Back

_NEW = None
_ACK, _WIP, _PEND, _HELD = Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.PENDING, Status.HELD
_RES, _CLOSED, _CANC = Status.RESOLVED, Status.CLOSED, Status.CANCELLED
_OPEN = tuple(status for status in Status if status in OPEN_STATUSES)
_LIVE = tuple(status for status in Status if status not in TERMINAL_STATUSES)


def _stay(
    trigger: Trigger, statuses: tuple[Status, ...]
) -> dict[tuple[Status | None, Trigger], Destination]:
    return {(status, trigger): status for status in statuses}


TRANSITIONS: Mapping[tuple[Status | None, Trigger], Destination] = MappingProxyType(
    {
        (_NEW, Trigger.CREATE): _ACK,
        (_ACK, Trigger.COORDINATED): _WIP,
        (_PEND, Trigger.COORDINATED): _WIP,
        (_ACK, Trigger.INFORMATION_REQUIRED): _PEND,
        (_WIP, Trigger.INFORMATION_REQUIRED): _PEND,
        (_PEND, Trigger.PROVIDE_INFORMATION): _WIP,
        (_ACK, Trigger.REQUEST_INFORMATION): _PEND,
        (_WIP, Trigger.REQUEST_INFORMATION): _PEND,
        (_PEND, Trigger.REQUEST_INFORMATION): _PEND,
        (_PEND, Trigger.NO_RESPONSE): _WIP,
        **_stay(Trigger.PROVIDE_INFORMATION, (_ACK, _WIP, _HELD, _RES)),
        (_PEND, Trigger.COMPLETE_ISOLATION): _WIP,
        **_stay(Trigger.COMPLETE_ISOLATION, (_ACK, _WIP, _HELD)),
        **{(status, Trigger.HOLD): _HELD for status in (_ACK, _WIP, _PEND)},
        (_HELD, Trigger.RESUME): Back.BEFORE_HOLD,
        (_WIP, Trigger.ALL_WORK_RESOLVED): _RES,
        (_RES, Trigger.CLOSE): _CLOSED,
        (_RES, Trigger.REOPEN): _WIP,
        **{(status, Trigger.CANCEL): _CANC for status in _OPEN},
        **{(status, Trigger.RESOLVE): _RES for status in _OPEN},
        **_stay(Trigger.ACKNOWLEDGE_ESCALATION, _OPEN),
        **_stay(Trigger.REDELEGATE, _OPEN),
        **_stay(Trigger.CHANGE_ATTRIBUTES, _LIVE),
        **_stay(Trigger.ASSIGN, _LIVE),
        **_stay(Trigger.DELEGATED_UPDATE, tuple(Status)),
        **_stay(Trigger.TICK, tuple(Status)),
    }
)
"""(current status or ``None`` for a new report, trigger) → destination.

Delegated updates are still recorded on a terminal report (late confirmations of our own
cancel requests are normal) but never change its status.
"""


def destination(
    status: Status | None, trigger: Trigger, status_before_hold: Status | None = None
) -> Status | None:
    """Where ``trigger`` takes a report in ``status``; ``None`` if it does not fit."""
    target = TRANSITIONS.get((status, trigger))
    if target is Back.BEFORE_HOLD:
        return status_before_hold
    return target


def transition(
    state: CustomerProblemReport, trigger: Trigger, reason: str | None = None
) -> list[StatusChanged]:
    """The status change ``trigger`` causes, if it fits and changes anything."""
    target = destination(state.status, trigger, state.status_before_hold)
    if target is None or target is state.status:
        return []
    return [StatusChanged(from_status=state.status, to_status=target, reason=reason)]


def allows(status: Status | None, trigger: Trigger) -> bool:
    return (status, trigger) in TRANSITIONS


def describe_transitions() -> str:
    """The table as text, one transition per line, grouped by status."""
    order = {status: index for index, status in enumerate(Status)}

    def key(item: tuple[tuple[Status | None, Trigger], Destination]) -> tuple[int, int]:
        (status, trigger), _ = item
        return (-1 if status is None else order[status], list(Trigger).index(trigger))

    lines = []
    for (status, trigger), target in sorted(TRANSITIONS.items(), key=key):
        source = "(new)" if status is None else status.value
        arrow = "(unchanged)" if target == status else target.value
        lines.append(f"{source:<14} -{trigger.value}-> {arrow}")
    return "\n".join(lines)
