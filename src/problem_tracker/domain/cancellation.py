"""Cancel Customer Problem (eTOM 1.3.7.3): the report was incorrect; stop everything done
for it.

Every partner request still outstanding is withdrawn. Every service trouble still followed
is released: the shared service trouble aggregate only cancels the service trouble report
when no other open customer problem report still needs it.
"""

from __future__ import annotations

from problem_tracker.domain.delegated_work import outstanding_work
from problem_tracker.domain.events import (
    PartnerProblemCancelRequested,
    ReportCancelled,
    ReportEvent,
    ServiceTroubleReleased,
)
from problem_tracker.domain.lifecycle import Trigger, transition
from problem_tracker.domain.report import CustomerProblemReport, DelegatedWork, DelegationKind


def cancel(state: CustomerProblemReport, reason: str) -> list[ReportEvent]:
    events: list[ReportEvent] = [*transition(state, Trigger.CANCEL, reason)]
    events.append(ReportCancelled(reason=reason))
    events.extend(_withdraw(work) for work in outstanding_work(state))
    return events


def _withdraw(work: DelegatedWork) -> ReportEvent:
    if work.kind is DelegationKind.SERVICE_TROUBLE:
        return ServiceTroubleReleased(service=work.entity, request_id=work.request_id)
    return PartnerProblemCancelRequested(
        request_id=work.request_id or "", entity=work.entity, partner=work.partner
    )
