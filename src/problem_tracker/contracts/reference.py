"""Reference data on compacted topics: the known error database and component ownership.

Check Known Error matches a report's symptom against ``known-errors``; Coordinate Customer
Problem asks ``component-ownership`` who owns an affected entity (an internal service
owner or a partner). The Kafka key is the entity's id and a null value deletes it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from problem_tracker.contracts.common import (
    EntityRef,
    ExternalId,
    Identifier,
    Name,
    Text,
    WireModel,
)
from problem_tracker.contracts.envelope import Envelope


class KnownErrorStatus(StrEnum):
    """Only active known errors are matched; retired ones are kept for history."""

    ACTIVE = "active"
    RETIRED = "retired"


class OwnerRole(StrEnum):
    """Whether an entity is fixed in-house (service trouble) or by a partner."""

    INTERNAL = "internal"
    PARTNER = "partner"


class KnownError(WireModel):
    """A problem with a known root cause, matched by symptom code, maybe with a workaround."""

    id: Identifier
    symptom_code: Name
    affected_service: EntityRef | None = None
    workaround: Text | None = None
    status: KnownErrorStatus


class Owner(WireModel):
    """Who fixes an entity."""

    id: ExternalId
    role: OwnerRole
    name: Name | None = None


class ComponentOwnership(WireModel):
    """The owner of one service or resource."""

    entity_id: ExternalId
    referred_type: Name
    owner: Owner


class KnownErrorPayload(WireModel):
    known_error: KnownError


class ComponentOwnershipPayload(WireModel):
    component_ownership: ComponentOwnership


class KnownErrorEvent(Envelope):
    """The current version of one known error (key: the known error id)."""

    event_type: Literal["KnownErrorEvent"]
    event: KnownErrorPayload


class ComponentOwnershipEvent(Envelope):
    """The current owner of one entity (key: the entity id)."""

    event_type: Literal["ComponentOwnershipEvent"]
    event: ComponentOwnershipPayload


ReferenceEvent = KnownErrorEvent | ComponentOwnershipEvent
"""Any value on a reference topic."""
