"""Re-delegation (contract v1.1 ``CustomerProblemRedelegateRequestEvent``) and the SLA
rule's automatic delegation retry: failed delegated work is requested again under a new
request id, the report waits for the new request, and a failure escalates only once the
rule's retries are used up."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jeopardy_builders import POLICY, STANDARD, T0, H, M, Timeline, sla_context

from builders import (
    REPORT_ID,
    a_context,
    a_report,
    a_resource,
    a_service,
    kinds,
    next_event_id,
    partner_owner,
    partner_work,
    run,
    service_work,
)
from problem_tracker.domain.commands import (
    LinkServiceTrouble,
    Redelegate,
    Resolve,
    UpdateDelegatedWork,
)
from problem_tracker.domain.events import (
    CommandRejected,
    DelegatedWorkRedelegated,
    DelegatedWorkRetryScheduled,
    EscalationRaised,
    PartnerProblemRequested,
    RejectionCode,
    ServiceTroubleNeeded,
)
from problem_tracker.domain.evolution import evolve
from problem_tracker.domain.lifecycle import Trigger, allows
from problem_tracker.domain.redelegation import next_retry
from problem_tracker.domain.report import (
    OPEN_STATUSES,
    CustomerProblemReport,
    DelegatedStatus,
    DelegatedWork,
    EntityRef,
    Owner,
    OwnerRole,
    ProgressUpdate,
    ResolutionCode,
    Status,
)
from problem_tracker.domain.sla.ladder import EscalationReason
from problem_tracker.domain.sla.policy import DelegationRetry
from problem_tracker.domain.timekeeping import next_deadline

FIRST = f"SPR-{REPORT_ID}-1"
SECOND = f"SPR-{REPORT_ID}-2"
PARTNER_1 = {"res-1": partner_owner()}
RETRY = DelegationRetry(retries=1, after=15 * M)


def _retrying(retry: DelegationRetry = RETRY) -> Timeline:
    policy = replace(POLICY, rules=(*POLICY.rules[:-1], replace(STANDARD, delegation_retry=retry)))
    return Timeline(context=sla_context(PARTNER_1, policy=policy))


def _redelegate(
    request_id: str = FIRST, partner_id: str | None = None, entity: EntityRef | None = None
) -> Redelegate:
    return Redelegate(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=request_id,
        partner=None if partner_id is None else Owner(id=partner_id, role=OwnerRole.PARTNER),
        entity=entity,
    )


def _update(
    status: DelegatedStatus, request_id: str = FIRST, partner_id: str | None = "partner-1"
) -> UpdateDelegatedWork:
    reason = "not ours" if status is DelegatedStatus.REJECTED else None
    return UpdateDelegatedWork(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=request_id,
        update=ProgressUpdate(status=status, reason=reason),
        partner_id=partner_id,
    )


def _link(request_id: str, service: str = "svc-1") -> LinkServiceTrouble:
    return LinkServiceTrouble(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        request_id=request_id,
        service=a_service(service),
        status=DelegatedStatus.ACKNOWLEDGED,
    )


def _failed_partner_work(
    status: DelegatedStatus = DelegatedStatus.REJECTED,
) -> CustomerProblemReport:
    return a_report(
        Status.IN_PROGRESS, delegated=(partner_work(FIRST, status=status),), partner_request_count=1
    )


@pytest.mark.parametrize("failed", [DelegatedStatus.REJECTED, DelegatedStatus.CANCELLED])
def test_failed_partner_work_is_requested_again_from_the_same_partner(
    failed: DelegatedStatus,
) -> None:
    after, events = run(_failed_partner_work(failed), _redelegate())

    assert kinds(events) == ["DelegatedWorkRedelegated", "PartnerProblemRequested"]
    redelegated, requested = events
    assert isinstance(redelegated, DelegatedWorkRedelegated)
    assert (redelegated.request_id, redelegated.automatic) == (FIRST, False)
    assert isinstance(requested, PartnerProblemRequested)
    assert (requested.request_id, requested.partner, requested.entity, requested.retries) == (
        SECOND,
        partner_owner(),
        a_resource(),
        1,
    )
    assert after is not None
    assert after.status is Status.IN_PROGRESS
    assert [(w.request_id, w.superseded) for w in after.delegated] == [
        (FIRST, True),
        (SECOND, False),
    ]
    assert [w.request_id for w in after.current_work] == [SECOND]


def test_the_report_resolves_when_the_new_request_is_resolved() -> None:
    after, events = run(
        _failed_partner_work(), _redelegate(), _update(DelegatedStatus.RESOLVED, SECOND)
    )

    assert "ReportResolved" in kinds(events)
    assert after is not None
    assert (after.status, after.resolution_code) == (Status.RESOLVED, ResolutionCode.FIXED)


def test_work_can_be_sent_to_another_partner() -> None:
    _, events = run(_failed_partner_work(), _redelegate(partner_id="partner-2"))

    requested = events[-1]
    assert isinstance(requested, PartnerProblemRequested)
    assert (requested.request_id, requested.partner, requested.entity) == (
        SECOND,
        Owner(id="partner-2", role=OwnerRole.PARTNER),
        a_resource(),
    )


def test_naming_the_same_partner_keeps_what_inventory_said_of_it() -> None:
    _, events = run(_failed_partner_work(), _redelegate(partner_id="partner-1"))

    requested = events[-1]
    assert isinstance(requested, PartnerProblemRequested)
    assert requested.partner == partner_owner()


def test_another_entity_goes_to_whoever_inventory_says_fixes_it() -> None:
    owners = {"res-2": Owner(id="acme", role=OwnerRole.PARTNER)}
    _, to_partner = run(
        _failed_partner_work(), _redelegate(entity=a_resource("res-2")), context=a_context(owners)
    )
    _, to_service = run(_failed_partner_work(), _redelegate(entity=a_service("svc-9")))

    partner_request = to_partner[-1]
    assert isinstance(partner_request, PartnerProblemRequested)
    assert (partner_request.entity, partner_request.partner.id) == (a_resource("res-2"), "acme")
    service_request = to_service[-1]
    assert isinstance(service_request, ServiceTroubleNeeded)
    assert (service_request.service, service_request.retries) == (a_service("svc-9"), 1)


def test_an_entity_nobody_owns_cannot_take_the_work() -> None:
    before = _failed_partner_work()
    after, events = run(
        before, _redelegate(entity=a_resource("res-9")), context=a_context(default_internal=False)
    )

    assert kinds(events) == ["CommandRejected"]
    assert isinstance(events[0], CommandRejected)
    assert events[0].code is RejectionCode.ILLEGAL_TRANSITION
    assert events[0].reason == "nobody fixes 'res-9': inventory names no owner"
    assert after is not None
    assert after.delegated == before.delegated


def test_a_failed_service_trouble_is_requested_again_and_linked_to_the_new_generation() -> None:
    report = a_report(
        Status.IN_PROGRESS,
        delegated=(service_work("STR-svc-1-1", status=DelegatedStatus.REJECTED),),
    )

    after, events = run(
        report,
        _redelegate("STR-svc-1-1"),
        _link("STR-svc-1-2"),
        _update(DelegatedStatus.RESOLVED, "STR-svc-1-2", partner_id=None),
    )

    assert kinds(events)[:3] == [
        "DelegatedWorkRedelegated",
        "ServiceTroubleNeeded",
        "ServiceTroubleLinked",
    ]
    assert after is not None
    assert [(w.request_id, w.progress.status, w.superseded) for w in after.delegated] == [
        ("STR-svc-1-1", DelegatedStatus.REJECTED, True),
        ("STR-svc-1-2", DelegatedStatus.RESOLVED, False),
    ]
    assert after.status is Status.RESOLVED


@pytest.mark.parametrize(
    ("work", "cycle", "request_id", "code", "reason"),
    [
        pytest.param(
            partner_work(FIRST, status=DelegatedStatus.REJECTED),
            1,
            "SPR-CPR-1-7",
            RejectionCode.UNKNOWN_CORRELATION,
            "no delegated work with request id 'SPR-CPR-1-7'",
            id="unknown",
        ),
        pytest.param(
            partner_work(FIRST, status=DelegatedStatus.IN_PROGRESS),
            1,
            FIRST,
            RejectionCode.ILLEGAL_TRANSITION,
            f"request {FIRST!r} is inProgress: only rejected or cancelled work is requested again",
            id="not-failed",
        ),
        pytest.param(
            replace(partner_work(FIRST, status=DelegatedStatus.REJECTED), superseded=True),
            1,
            FIRST,
            RejectionCode.ILLEGAL_TRANSITION,
            f"request {FIRST!r} was already requested again",
            id="already-requested-again",
        ),
        pytest.param(
            partner_work(FIRST, status=DelegatedStatus.REJECTED, cycle=1),
            2,
            FIRST,
            RejectionCode.ILLEGAL_TRANSITION,
            f"request {FIRST!r} belongs to cycle 1; the report is in cycle 2",
            id="earlier-cycle",
        ),
    ],
)
def test_only_failed_work_of_the_current_cycle_is_requested_again(
    work: DelegatedWork, cycle: int, request_id: str, code: RejectionCode, reason: str
) -> None:
    before = a_report(Status.IN_PROGRESS, delegated=(work,), cycle=cycle)

    after, events = run(before, _redelegate(request_id))

    assert kinds(events) == ["CommandRejected"]
    rejected = events[0]
    assert isinstance(rejected, CommandRejected)
    assert (rejected.code, rejected.reason, rejected.command) == (code, reason, "Redelegate")
    assert after is not None
    assert after.delegated == before.delegated


@pytest.mark.parametrize(
    "fact",
    [
        DelegatedWorkRedelegated(request_id="SPR-CPR-1-9"),
        DelegatedWorkRetryScheduled(
            request_id="SPR-CPR-1-9", status=DelegatedStatus.REJECTED, at=T0
        ),
    ],
)
def test_a_fact_about_work_the_report_does_not_have_changes_nothing(
    fact: DelegatedWorkRedelegated | DelegatedWorkRetryScheduled,
) -> None:
    before = _failed_partner_work()

    assert evolve(before, fact) == before


@pytest.mark.parametrize("status", sorted(Status))
def test_work_is_redelegated_only_while_the_report_is_open(status: Status) -> None:
    assert allows(status, Trigger.REDELEGATE) is (status in OPEN_STATUSES)


def test_a_failure_the_rule_retries_schedules_a_retry_instead_of_escalating() -> None:
    line = _retrying()
    line.create(entities=(a_resource(),))

    events = line.send(_update(DelegatedStatus.REJECTED), T0 + H)

    assert kinds(events) == ["DelegatedWorkUpdated", "DelegatedWorkRetryScheduled"]
    scheduled = events[-1]
    assert isinstance(scheduled, DelegatedWorkRetryScheduled)
    assert (scheduled.request_id, scheduled.status, scheduled.at, scheduled.reason) == (
        FIRST,
        DelegatedStatus.REJECTED,
        T0 + H + 15 * M,
        "not ours",
    )
    assert next_deadline(line.report) == T0 + H + 15 * M


def test_the_retry_requests_the_work_again_and_a_failure_past_the_retries_escalates() -> None:
    line = _retrying()
    line.create(entities=(a_resource(),))
    line.send(_update(DelegatedStatus.REJECTED), T0 + H)

    retried = line.tick()
    again = line.send(_update(DelegatedStatus.CANCELLED, SECOND), T0 + 2 * H)

    assert kinds(retried) == ["DelegatedWorkRedelegated", "PartnerProblemRequested"]
    assert isinstance(retried[0], DelegatedWorkRedelegated)
    assert retried[0].automatic is True
    assert isinstance(retried[1], PartnerProblemRequested)
    assert (retried[1].request_id, retried[1].retries, retried[1].occurred_at) == (
        SECOND,
        1,
        T0 + H + 15 * M,
    )
    assert kinds(again)[:2] == ["DelegatedWorkUpdated", "DelegatedWorkFailed"]
    calls = [e for e in again if isinstance(e, EscalationRaised)]
    assert [(c.target, c.reason, c.request_id) for c in calls] == [
        ("service-desk-lead", EscalationReason.DELEGATION_CANCELLED, SECOND)
    ]


def test_the_new_request_is_followed_on_its_partners_ola() -> None:
    line = _retrying()
    line.create(entities=(a_resource(),))
    line.send(_update(DelegatedStatus.REJECTED), T0 + H)

    line.tick()

    assert [leg.request_id for leg in line.sla.partner_legs] == [SECOND]


def test_a_retry_due_on_a_report_resolved_meanwhile_never_fires() -> None:
    line = _retrying()
    line.create(entities=(a_resource(),))
    line.send(_update(DelegatedStatus.REJECTED), T0 + H)

    line.send(
        Resolve(
            event_id=next_event_id(),
            report_id=REPORT_ID,
            resolution_code=ResolutionCode.WORKAROUND,
            reason="customer is happy",
        ),
        T0 + H + 5 * M,
    )

    assert next_retry(line.report) is None
    assert next_deadline(line.report) is None


def test_work_that_recovers_before_its_retry_is_not_requested_again() -> None:
    line = _retrying()
    line.create(entities=(a_resource(),))
    line.send(_update(DelegatedStatus.REJECTED), T0 + H)

    line.send(_update(DelegatedStatus.IN_PROGRESS), T0 + H + 5 * M)

    assert next_retry(line.report) is None
    assert line.report.partner_request_count == 1


def test_an_operators_redelegation_replaces_the_scheduled_retry() -> None:
    line = _retrying()
    line.create(entities=(a_resource(),))
    line.send(_update(DelegatedStatus.REJECTED), T0 + H)

    line.send(_redelegate(partner_id="partner-2"), T0 + H + 5 * M)

    assert next_retry(line.report) is None
    assert [(w.request_id, w.retries) for w in line.report.current_work] == [(SECOND, 1)]


def test_a_tick_finding_a_retry_and_an_sla_deadline_due_together_does_both() -> None:
    line = _retrying(DelegationRetry(retries=1, after=3 * H))
    line.create(entities=(a_service(),))
    line.send(_link("STR-svc-1-1"), T0 + M)
    line.send(_update(DelegatedStatus.REJECTED, "STR-svc-1-1", partner_id=None), T0 + H)
    assert next_deadline(line.report) == T0 + 4 * H  # the 50 % warning and the retry

    events = line.tick()

    assert kinds(events) == [
        "DelegatedWorkRedelegated",
        "ServiceTroubleNeeded",
        "JeopardyRaised",
    ]


def test_the_partner_request_numbers_of_retries_due_together_follow_each_other() -> None:
    owners = {"res-1": partner_owner(), "res-2": partner_owner()}
    line = _retrying()
    line.context = replace(line.context, reference=sla_context(owners).reference)
    line.create(entities=(a_resource("res-1"), a_resource("res-2")))
    line.send(_update(DelegatedStatus.REJECTED, FIRST), T0 + H)
    line.send(_update(DelegatedStatus.REJECTED, SECOND), T0 + H)

    events = line.tick()

    requested = [e.request_id for e in events if isinstance(e, PartnerProblemRequested)]
    assert requested == [f"SPR-{REPORT_ID}-3", f"SPR-{REPORT_ID}-4"]


@settings(max_examples=25, deadline=None)
@given(
    retries=st.integers(min_value=1, max_value=4), minutes=st.integers(min_value=1, max_value=90)
)
def test_a_partner_refusing_every_request_is_asked_retries_times_then_escalated_once(
    retries: int, minutes: int
) -> None:
    line = _retrying(DelegationRetry(retries=retries, after=timedelta(minutes=minutes)))
    line.create(entities=(a_resource(),))
    escalations: list[EscalationRaised] = []
    for attempt in range(1, retries + 2):
        request_id = f"SPR-{REPORT_ID}-{attempt}"
        failed = line.send(_update(DelegatedStatus.REJECTED, request_id), line.now + M)
        escalations += [e for e in failed if isinstance(e, EscalationRaised)]
        if attempt <= retries:
            assert not escalations
            retry_at = next_retry(line.report)
            assert retry_at == line.now + timedelta(minutes=minutes)
            line.ticks_until(retry_at)

    assert line.report.partner_request_count == retries + 1
    assert [(e.reason, e.request_id) for e in escalations] == [
        (EscalationReason.DELEGATION_REJECTED, f"SPR-{REPORT_ID}-{retries + 1}")
    ]


@pytest.mark.parametrize(
    ("retries", "after", "message"),
    [
        (0, M, "a delegation retry needs at least one retry"),
        (1, timedelta(0), "the delay of a delegation retry must be positive"),
    ],
)
def test_a_delegation_retry_needs_a_retry_and_a_positive_delay(
    retries: int, after: timedelta, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DelegationRetry(retries=retries, after=after)


def test_each_retry_fires_at_its_own_time() -> None:
    owners = {"res-1": partner_owner(), "res-2": partner_owner()}
    line = _retrying()
    line.context = replace(line.context, reference=sla_context(owners).reference)
    line.create(entities=(a_resource("res-1"), a_resource("res-2")))
    line.send(_update(DelegatedStatus.REJECTED, FIRST), T0 + H)
    line.send(_update(DelegatedStatus.REJECTED, SECOND), T0 + H + 10 * M)

    first, second = line.tick(), line.tick()

    assert [
        (e.request_id, e.occurred_at) for e in first if isinstance(e, PartnerProblemRequested)
    ] == [(f"SPR-{REPORT_ID}-3", T0 + H + 15 * M)]
    assert [
        (e.request_id, e.occurred_at) for e in second if isinstance(e, PartnerProblemRequested)
    ] == [(f"SPR-{REPORT_ID}-4", T0 + H + 25 * M)]
