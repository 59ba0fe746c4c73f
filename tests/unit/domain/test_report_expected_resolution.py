"""Monitor Resolution Update: the resolution date the customer is told to expect."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from builders import (
    a_context,
    a_create,
    a_report,
    a_resource,
    partner_work,
    run,
    service_work,
    with_progress,
)
from problem_tracker.domain.report import CustomerProblemReport, DelegatedStatus, Owner, OwnerRole
from problem_tracker.domain.resolution import expected_resolution

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
CONTEXT = a_context(owners={"res-1": Owner(id="acme", role=OwnerRole.PARTNER)})
"""The built-in policy: a priority 2 report is due in 8 hours."""


def _created() -> CustomerProblemReport:
    state, _ = run(None, a_create(entities=(a_resource(),)), context=CONTEXT, now=T0)
    assert isinstance(state, CustomerProblemReport)
    return state


def test_without_an_sla_the_latest_estimate_of_open_work_is_expected() -> None:
    state = a_report(
        delegated=(
            with_progress(service_work(), expected_resolution_date=T0 + 2 * H),
            with_progress(partner_work(), expected_resolution_date=T0 + 5 * H),
            with_progress(
                service_work(status=DelegatedStatus.RESOLVED),
                expected_resolution_date=T0 + 9 * H,
            ),
            with_progress(partner_work(cycle=0), expected_resolution_date=T0 + 12 * H),
        ),
    )

    assert expected_resolution(state) == T0 + 5 * H


@pytest.mark.parametrize(
    "delegated",
    [(), (service_work(), with_progress(partner_work(), expected_resolution_date=T0))],
    ids=["no work", "an open work without estimate"],
)
def test_nothing_is_expected_without_an_estimate_for_every_open_work(
    delegated: tuple[Any, ...],
) -> None:
    assert expected_resolution(a_report(delegated=delegated)) is None


@pytest.mark.parametrize(
    ("forecast", "expected"),
    [(None, T0 + 8 * H), (T0 + 5 * H, T0 + 8 * H), (T0 + 11 * H, T0 + 11 * H)],
    ids=["no forecast", "forecast before the due time", "forecast after it"],
)
def test_the_sla_due_time_stands_unless_the_work_forecasts_later(
    forecast: datetime | None, expected: datetime
) -> None:
    state = _created()
    work = with_progress(state.delegated[0], expected_resolution_date=forecast)

    assert expected_resolution(replace(state, delegated=(work,))) == expected
