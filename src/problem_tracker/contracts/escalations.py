"""Escalations on ``customer-problem.escalations``: Escalate/End Customer Problem.

Jeopardy events say a report's resolution target is at risk; escalation events say who
has been brought in and why; the end event says the report left jeopardy for good.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from problem_tracker.contracts.common import (
    ExternalId,
    Identifier,
    Name,
    OutboundModel,
    Reason,
    UtcDateTime,
)
from problem_tracker.contracts.envelope import OutboundEnvelope
from problem_tracker.contracts.outbound import JeopardyState


class EscalationKind(StrEnum):
    """Functional: more expertise; hierarchical: more authority."""

    FUNCTIONAL = "functional"
    HIERARCHICAL = "hierarchical"


class JeopardyCause(StrEnum):
    """What put the report at risk: a threshold of its resolution target (the breach is
    the 100 % threshold), delegated work forecasting a later resolution, or a partner past
    its OLA."""

    THRESHOLD = "threshold"
    FORECAST = "forecast"
    PARTNER_OLA_OVERDUE = "partner-ola-overdue"


class EscalationEndReason(StrEnum):
    """Why a report is no longer in jeopardy."""

    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class Jeopardy(OutboundModel):
    """The report's resolution target is at risk (or missed: ``breached``).
    ``thresholdPercent`` is set when a threshold was passed (100 for the breach);
    ``dueTime`` is left out while the SLA clock stands still (pending or held)."""

    customer_problem_report_id: Identifier
    jeopardy: Literal[JeopardyState.WARNING, JeopardyState.JEOPARDY, JeopardyState.BREACHED]
    threshold_percent: Annotated[int, Field(ge=1)] | None = None
    percent_elapsed: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    due_time: UtcDateTime | None = None
    cause: JeopardyCause | None = None


class Escalation(OutboundModel):
    """The report was escalated to a level, towards a target, for a reason; ``requestId``
    names the delegated request a failure or an overdue partner escalation is about;
    ``assignee`` (with ``assigneeRole``) who has the report (contract v1.1)."""

    customer_problem_report_id: Identifier
    level: Annotated[int, Field(ge=1)]
    kind: EscalationKind
    target: Name
    reason: Reason
    request_id: ExternalId | None = None
    assignee: ExternalId | None = None
    assignee_role: Name | None = None


class EscalationEnd(OutboundModel):
    """The report is no longer in jeopardy."""

    customer_problem_report_id: Identifier
    reason: EscalationEndReason


class EscalationAcknowledgement(OutboundModel):
    """``acknowledgedBy`` has the escalation at ``level`` (contract v1.1): the ladder holds
    until ``until``, then climbs again if the report is still breached."""

    customer_problem_report_id: Identifier
    acknowledged_by: Name
    level: Annotated[int, Field(ge=1)]
    until: UtcDateTime


class JeopardyPayload(OutboundModel):
    customer_problem_jeopardy: Jeopardy


class EscalationPayload(OutboundModel):
    customer_problem_escalation: Escalation


class EscalationEndPayload(OutboundModel):
    customer_problem_escalation_end: EscalationEnd


class EscalationAcknowledgementPayload(OutboundModel):
    customer_problem_escalation_acknowledgement: EscalationAcknowledgement


class CustomerProblemJeopardyEvent(OutboundEnvelope):
    """Threshold reached: percent of the resolution window elapsed, and when it is due."""

    event_type: Literal["CustomerProblemJeopardyEvent"]
    event: JeopardyPayload


class CustomerProblemEscalationEvent(OutboundEnvelope):
    """Escalate Customer Problem: functional or hierarchical escalation to a target."""

    event_type: Literal["CustomerProblemEscalationEvent"]
    event: EscalationPayload


class CustomerProblemEscalationEndEvent(OutboundEnvelope):
    """End Customer Problem escalation: resolved, cancelled or closed."""

    event_type: Literal["CustomerProblemEscalationEndEvent"]
    event: EscalationEndPayload


class CustomerProblemEscalationAcknowledgedEvent(OutboundEnvelope):
    """The escalation was acknowledged (contract v1.1): who has it, and until when the
    ladder holds."""

    event_type: Literal["CustomerProblemEscalationAcknowledgedEvent"]
    event: EscalationAcknowledgementPayload


EscalationMessage = Annotated[
    CustomerProblemJeopardyEvent
    | CustomerProblemEscalationEvent
    | CustomerProblemEscalationEndEvent
    | CustomerProblemEscalationAcknowledgedEvent,
    Field(discriminator="event_type"),
]
"""Any message on ``customer-problem.escalations``."""
