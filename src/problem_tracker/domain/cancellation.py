"""Cancel Customer Problem (eTOM 1.3.7.3): the report was incorrect; stop everything done
for it.

Every partner request still outstanding is withdrawn. Every service trouble still followed
is released: the shared service trouble aggregate only cancels the service trouble report
when no other open customer problem report still needs it.
"""

from __future__ import annotations

from problem_tracker.domain.delegated_work import outstanding_work, withdrawal
from problem_tracker.domain.events import ReportCancelled, ReportEvent
from problem_tracker.domain.lifecycle import Trigger, transition
from problem_tracker.domain.report import CustomerProblemReport


def cancel(state: CustomerProblemReport, reason: str) -> list[ReportEvent]:
    events: list[ReportEvent] = [*transition(state, Trigger.CANCEL, reason)]
    events.append(ReportCancelled(reason=reason))
    events.extend(withdrawal(work) for work in outstanding_work(state))
    return events
