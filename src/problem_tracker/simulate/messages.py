"""Messages the systems around Track & Manage Customer Problem send, as plain dicts.

Every builder is a pure function: ids and times come in as arguments, the result is a
CONTRACT.md envelope ``{eventId, eventTime, eventType, correlationId, domain, source,
event}`` ready to serialise. ``SimMessage`` pairs an envelope with its topic and key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

Envelope = dict[str, Any]
Resource = dict[str, Any]

CRM = {"id": "crm-eu-1", "name": "CRM"}
SPM = {"id": "spm-1", "name": "Service Problem Management"}
KEDB = {"id": "kedb-1", "name": "Known Error Database"}
INVENTORY = {"id": "inventory-1", "name": "Resource & Service Inventory"}
CUSTOMER_DOMAIN = "CustomerProblem"


class Topic(StrEnum):
    """A topic by its role; the value is the field of ``TopicSettings`` holding its name."""

    CUSTOMER_EVENTS = "customer_events"
    SERVICE_TROUBLE_EVENTS = "service_trouble_events"
    PARTNER_PROBLEM_EVENTS = "partner_problem_events"
    KNOWN_ERRORS = "known_errors"
    COMPONENT_OWNERSHIP = "component_ownership"
    SERVICE_TROUBLE_REQUESTS = "service_trouble_requests"
    PARTNER_PROBLEM_REQUESTS = "partner_problem_requests"
    NOTIFICATIONS = "notifications"
    ESCALATIONS = "escalations"
    DLQ = "dlq"


@dataclass(frozen=True)
class SimMessage:
    """One record to produce. ``value`` is an envelope, raw bytes (bad input) or a tombstone.

    ``label`` names the message in run statistics: its event type, or the kind of bad
    input it is.
    """

    topic: Topic
    key: str | None
    value: Envelope | bytes | None
    event_type: str | None
    label: str


def value_bytes(message: SimMessage) -> bytes | None:
    """The record value: compact UTF-8 JSON, the raw bytes of bad input, or a tombstone."""
    if message.value is None or isinstance(message.value, bytes):
        return message.value
    return json.dumps(message.value, separators=(",", ":"), ensure_ascii=False).encode()


def headers(message: SimMessage) -> list[tuple[str, str | bytes | None]]:
    """CONTRACT.md headers: ``eventType`` and ``content-type``."""
    found: list[tuple[str, str | bytes | None]] = []
    if message.event_type:
        found.append(("eventType", message.event_type.encode()))
    return [*found, ("content-type", b"application/json")]


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` and milliseconds, as CONTRACT.md writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def envelope(
    *,
    event_id: str,
    now: datetime,
    event_type: str,
    correlation_id: str,
    domain: str,
    source: Mapping[str, str],
    event: Mapping[str, Any],
) -> Envelope:
    """The CONTRACT.md envelope around one event."""
    return {
        "eventId": event_id,
        "eventTime": iso(now),
        "eventType": event_type,
        "correlationId": correlation_id,
        "domain": domain,
        "source": dict(source),
        "event": dict(event),
    }


def note(author: str, now: datetime, text: str) -> dict[str, str]:
    return {"author": author, "date": iso(now), "text": text}


def customer_event(event_id: str, now: datetime, event_type: str, report: Resource) -> SimMessage:
    """A customer channel event about one report, keyed by the report id."""
    report_id = str(report["id"])
    value = envelope(
        event_id=event_id,
        now=now,
        event_type=event_type,
        correlation_id=report_id,
        domain=CUSTOMER_DOMAIN,
        source=CRM,
        event={"customerProblemReport": report},
    )
    return SimMessage(Topic.CUSTOMER_EVENTS, report_id, value, event_type, event_type)


def report_created(event_id: str, now: datetime, report: Resource) -> SimMessage:
    """Create/Isolate Customer Problem hands a new report to Track & Manage."""
    return customer_event(event_id, now, "CustomerProblemReportCreateEvent", report)


def attributes_changed(event_id: str, now: datetime, report_id: str, **fields: Any) -> SimMessage:
    """The channel amended a report (priority, notes, parties, entities)."""
    event_type = "CustomerProblemReportAttributeValueChangeEvent"
    return customer_event(event_id, now, event_type, {"id": report_id, **fields})


def information_provided(event_id: str, now: datetime, report_id: str, text: str) -> SimMessage:
    """The customer answered the processor's request for information."""
    event_type = "CustomerProblemInformationProvidedEvent"
    report = {"id": report_id, "note": [note("customer", now, text)]}
    return customer_event(event_id, now, event_type, report)


def assigned(event_id: str, now: datetime, report_id: str, assignee: str, role: str) -> SimMessage:
    """An operator takes the report."""
    report = {"id": report_id, "assignee": {"id": assignee, "role": role}}
    return customer_event(event_id, now, "CustomerProblemReportAssignEvent", report)


def information_request(event_id: str, now: datetime, report_id: str, question: str) -> SimMessage:
    """An operator asks the customer (the rule's deadline applies)."""
    report = {"id": report_id, "statusChangeReason": question}
    return customer_event(event_id, now, "CustomerProblemInformationRequestEvent", report)


def isolation_completed(
    event_id: str, now: datetime, report_id: str, entities: list[Resource], root_cause: str
) -> SimMessage:
    """Isolate Customer Problem found the affected entities."""
    event_type = "CustomerProblemIsolationCompletedEvent"
    report = {"id": report_id, "relatedEntity": entities, "rootCause": root_cause}
    return customer_event(event_id, now, event_type, report)


def status_request(
    event_id: str, now: datetime, event_type: str, report_id: str, reason: str | None = None
) -> SimMessage:
    """Hold, Resume, Cancel, Reopen or Close, with a reason where the contract wants one."""
    report: Resource = {"id": report_id}
    if reason is not None:
        report["statusChangeReason"] = reason
    return customer_event(event_id, now, event_type, report)


HOLD = "CustomerProblemHoldRequestEvent"
RESUME = "CustomerProblemResumeRequestEvent"
CANCEL = "CustomerProblemCancelRequestEvent"
REOPEN = "CustomerProblemReopenRequestEvent"
CLOSE = "CustomerProblemReportCloseEvent"


def component_ownership(
    event_id: str, now: datetime, entity: Mapping[str, str], owner: Mapping[str, str]
) -> SimMessage:
    """Inventory states who owns a service or resource (compacted, keyed by entity id)."""
    resource = {
        "entityId": entity["id"],
        "referredType": entity["referredType"],
        "owner": dict(owner),
    }
    value = envelope(
        event_id=event_id,
        now=now,
        event_type="ComponentOwnershipEvent",
        correlation_id=entity["id"],
        domain="Inventory",
        source=INVENTORY,
        event={"componentOwnership": resource},
    )
    return SimMessage(
        Topic.COMPONENT_OWNERSHIP,
        entity["id"],
        value,
        "ComponentOwnershipEvent",
        "ComponentOwnershipEvent",
    )


def known_error(event_id: str, now: datetime, known: Resource) -> SimMessage:
    """The KEDB publishes a known error (compacted, keyed by known error id)."""
    value = envelope(
        event_id=event_id,
        now=now,
        event_type="KnownErrorEvent",
        correlation_id=str(known["id"]),
        domain="ProblemManagement",
        source=KEDB,
        event={"knownError": known},
    )
    return SimMessage(
        Topic.KNOWN_ERRORS, str(known["id"]), value, "KnownErrorEvent", "KnownErrorEvent"
    )


def known_error_withdrawn(known_error_id: str) -> SimMessage:
    """A tombstone: the KEDB deleted the entry."""
    return SimMessage(Topic.KNOWN_ERRORS, known_error_id, None, None, "KnownErrorTombstone")


@dataclass(frozen=True)
class Delegation:
    """The naming of one kind of delegated work: to SPM (TMF656) or to a partner."""

    resource: str
    type_prefix: str
    domain: str
    events_topic: Topic
    requests_topic: Topic


SERVICE_TROUBLE = Delegation(
    "serviceTroubleReport",
    "ServiceTroubleReport",
    "ServiceProblem",
    Topic.SERVICE_TROUBLE_EVENTS,
    Topic.SERVICE_TROUBLE_REQUESTS,
)
PARTNER_PROBLEM = Delegation(
    "partnerProblemReport",
    "PartnerProblemReport",
    "PartnerProblem",
    Topic.PARTNER_PROBLEM_EVENTS,
    Topic.PARTNER_PROBLEM_REQUESTS,
)


@dataclass(frozen=True)
class DelegatedUpdate:
    """What the other side says about the delegated work at one moment."""

    status: str
    created: bool = False
    expected_resolution: datetime | None = None
    reason: str | None = None
    note_text: str | None = None


def delegated_event(
    kind: Delegation,
    event_id: str,
    now: datetime,
    request_id: str,
    external_id: str,
    update: DelegatedUpdate,
    source: Mapping[str, str],
) -> SimMessage:
    """SPM or a partner reports on delegated work; ``correlationId`` echoes our request id.

    Keyed by the request id so that one request's updates stay in order on one partition.
    """
    resource: Resource = {"id": external_id, "status": update.status}
    if update.expected_resolution is not None:
        resource["expectedResolutionDate"] = iso(update.expected_resolution)
    if update.reason is not None:
        resource["statusChangeReason"] = update.reason
    if update.note_text is not None:
        resource["note"] = [note(str(source["id"]), now, update.note_text)]
    suffix = "CreateEvent" if update.created else "StatusChangeEvent"
    event_type = f"{kind.type_prefix}{suffix}"
    value = envelope(
        event_id=event_id,
        now=now,
        event_type=event_type,
        correlation_id=request_id,
        domain=kind.domain,
        source=source,
        event={kind.resource: resource},
    )
    return SimMessage(kind.events_topic, request_id, value, event_type, event_type)
