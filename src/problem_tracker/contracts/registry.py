"""Every topic of contract v1 and the messages it carries, in one table.

Schema export, the AsyncAPI document and the decoders read this table, so that a message
type exists in all three or in none. Channels are named by their default topic names; the
deployed names (with a prefix) come from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from problem_tracker.contracts.common import ID_PATTERN
from problem_tracker.contracts.delegated import (
    PartnerProblemEvent,
    PartnerProblemRequestMessage,
    ServiceTroubleEvent,
    ServiceTroubleRequestMessage,
)
from problem_tracker.contracts.dlq import DeadLetterRecord
from problem_tracker.contracts.escalations import EscalationMessage
from problem_tracker.contracts.inbound import CustomerEvent
from problem_tracker.contracts.outbound import Notification
from problem_tracker.contracts.reference import ComponentOwnershipEvent, KnownErrorEvent


class Channel(StrEnum):
    """The contract's topics, valued by their default names."""

    CUSTOMER_EVENTS = "customer-problem.events"
    SERVICE_TROUBLE_EVENTS = "service-trouble.events"
    PARTNER_PROBLEM_EVENTS = "partner-problem.events"
    KNOWN_ERRORS = "known-errors"
    COMPONENT_OWNERSHIP = "component-ownership"
    SERVICE_TROUBLE_REQUESTS = "service-trouble.requests"
    PARTNER_PROBLEM_REQUESTS = "partner-problem.requests"
    NOTIFICATIONS = "customer-problem.notifications"
    ESCALATIONS = "customer-problem.escalations"
    DLQ = "customer-problem.dlq"


class Direction(StrEnum):
    """Seen from the processor: it receives ``in`` topics and sends ``out`` topics."""

    IN = "in"
    OUT = "out"


@dataclass(frozen=True)
class MessageSpec:
    """One message type; its schema file is ``<name>.schema.json``.

    ``name`` is the eventType, except where one eventType names two different messages
    (the outbound attribute-value-change notification) or the message has no envelope.
    """

    name: str
    event_type: str | None
    model: type[BaseModel]
    channel: Channel


@dataclass(frozen=True)
class ChannelSpec:
    """A topic: direction, what its Kafka key is, and the type of its values."""

    channel: Channel
    direction: Direction
    title: str
    key: str
    key_pattern: str | None
    value_type: Any
    compacted: bool = False

    @property
    def messages(self) -> tuple[MessageSpec, ...]:
        return tuple(
            MessageSpec(model.__name__, event_type_of(model), model, self.channel)
            for model in members(self.value_type)
        )


def members(value_type: Any) -> tuple[type[BaseModel], ...]:
    """The model classes of a (possibly annotated) union of models, or of one model."""
    if get_origin(value_type) is Annotated:
        return members(get_args(value_type)[0])
    if get_origin(value_type) in (Union, UnionType):
        return tuple(model for arg in get_args(value_type) for model in members(arg))
    return (value_type,)


def event_type_of(model: type[BaseModel]) -> str | None:
    """The literal eventType a model carries, or None for a record without envelope."""
    field = model.model_fields.get("event_type")
    if field is None:
        return None
    (event_type,) = get_args(field.annotation)
    return str(event_type)


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        Channel.CUSTOMER_EVENTS,
        Direction.IN,
        "Customer problem events from upstream",
        "the report id (event.customerProblemReport.id)",
        ID_PATTERN,
        CustomerEvent,
    ),
    ChannelSpec(
        Channel.SERVICE_TROUBLE_EVENTS,
        Direction.IN,
        "Service Problem Management answers",
        "any; routed by correlationId (our requestId)",
        None,
        ServiceTroubleEvent,
    ),
    ChannelSpec(
        Channel.PARTNER_PROBLEM_EVENTS,
        Direction.IN,
        "S/P Problem Reporting & Management answers",
        "any; routed by correlationId (our requestId)",
        None,
        PartnerProblemEvent,
    ),
    ChannelSpec(
        Channel.KNOWN_ERRORS,
        Direction.IN,
        "Known error database (compacted)",
        "the known error id (event.knownError.id); a null value deletes",
        ID_PATTERN,
        KnownErrorEvent,
        compacted=True,
    ),
    ChannelSpec(
        Channel.COMPONENT_OWNERSHIP,
        Direction.IN,
        "Who owns each service or resource (compacted)",
        "the entity id (event.componentOwnership.entityId); a null value deletes",
        None,
        ComponentOwnershipEvent,
        compacted=True,
    ),
    ChannelSpec(
        Channel.SERVICE_TROUBLE_REQUESTS,
        Direction.OUT,
        "Requests to Service Problem Management",
        "the request id (also the correlationId)",
        None,
        ServiceTroubleRequestMessage,
    ),
    ChannelSpec(
        Channel.PARTNER_PROBLEM_REQUESTS,
        Direction.OUT,
        "Requests to S/P Problem Reporting",
        "the request id (also the correlationId)",
        None,
        PartnerProblemRequestMessage,
    ),
    ChannelSpec(
        Channel.NOTIFICATIONS,
        Direction.OUT,
        "Customer problem report notifications",
        "the report id",
        ID_PATTERN,
        Notification,
    ),
    ChannelSpec(
        Channel.ESCALATIONS,
        Direction.OUT,
        "Jeopardy and escalation of customer problems",
        "the report id",
        ID_PATTERN,
        EscalationMessage,
    ),
    ChannelSpec(
        Channel.DLQ,
        Direction.OUT,
        "Rejected input, verbatim, with the reason",
        "the original record's key, unchanged",
        None,
        DeadLetterRecord,
    ),
)


@cache
def channel_spec(channel: Channel) -> ChannelSpec:
    """The table row of one channel."""
    return next(spec for spec in CHANNELS if spec.channel is channel)


@cache
def message_specs() -> tuple[MessageSpec, ...]:
    """Every message type of the contract, in channel order."""
    return tuple(message for spec in CHANNELS for message in spec.messages)


@cache
def models_by_event_type(channel: Channel) -> dict[str, type[BaseModel]]:
    """eventType → model for the messages of one channel."""
    return {
        message.event_type: message.model
        for message in channel_spec(channel).messages
        if message.event_type is not None
    }
