"""Check Known Error (eTOM 1.3.7.3): is this a problem we already know, with a workaround?

A known error matches when it is active, has the report's symptom code, and — when it names
an affected service — that service is one of the report's affected services. The best match
is a service-specific one over a symptom-only one, then the smallest id (so the choice does
not depend on the order reference data arrived in). Retired known errors never match.

The check runs on create, after isolation, and when the symptom code changes while no known
error is attached yet.
"""

from __future__ import annotations

from collections.abc import Iterable

from problem_tracker.domain.context import ReferenceData
from problem_tracker.domain.events import KnownErrorAttached, ReportEvent
from problem_tracker.domain.report import (
    CustomerProblemReport,
    EntityRef,
    EntityRole,
    KnownError,
    KnownErrorMatch,
    KnownErrorStatus,
)


def best_known_error(
    candidates: Iterable[KnownError], symptom_code: str, entities: Iterable[EntityRef]
) -> KnownError | None:
    services = {entity.id for entity in entities if entity.role is EntityRole.AFFECTED_SERVICE}
    matching = [
        error
        for error in candidates
        if error.status is KnownErrorStatus.ACTIVE
        and error.symptom_code == symptom_code
        and (error.affected_service is None or error.affected_service.id in services)
    ]
    return min(matching, key=lambda error: (error.affected_service is None, error.id), default=None)


def check_known_error(state: CustomerProblemReport, reference: ReferenceData) -> list[ReportEvent]:
    """Attach the best known error, unless it is already the attached one.

    Run again after isolation: newly found affected services may select a better,
    service-specific known error.
    """
    if not state.symptom_code:
        return []
    candidates = reference.known_errors_for(state.symptom_code)
    best = best_known_error(candidates, state.symptom_code, state.entities)
    if best is None or (state.known_error is not None and state.known_error.id == best.id):
        return []
    return [KnownErrorAttached(match=KnownErrorMatch(id=best.id, workaround=best.workaround))]


def check_new_symptom(
    state: CustomerProblemReport, previous_symptom: str | None, reference: ReferenceData
) -> list[ReportEvent]:
    """Check Known Error again when the customer changed the symptom code before any known
    error was attached; a workaround already offered is kept, not replaced."""
    if state.known_error is not None or state.symptom_code == previous_symptom:
        return []
    return check_known_error(state, reference)
