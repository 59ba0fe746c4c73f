"""Service Problem Management hears the impact of a shared service trouble (contract v1.1):
its open reports and their most urgent priority and severity, debounced per trouble."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import NOW, a_service, kinds, next_event_id
from problem_tracker.application.process import handle_service_trouble
from problem_tracker.domain.report import DelegatedStatus, Progress, ProgressUpdate, Severity
from problem_tracker.domain.service_trouble import (
    IMPACT_UPDATE_INTERVAL,
    ApplyServiceTroubleUpdate,
    Impact,
    ImpactUpdateScheduled,
    LinkedReport,
    LinkReport,
    RerateLinkedReport,
    SendImpact,
    ServiceTrouble,
    ServiceTroubleCommand,
    ServiceTroubleEvent,
    ServiceTroubleImpactChanged,
    ServiceTroubleRequested,
    UnlinkReport,
    impact_of,
)
from problem_tracker.domain.service_trouble_decider import decide_service_trouble

INTERVAL = IMPACT_UPDATE_INTERVAL


def _link(report_id: str, priority: int = 3, severity: Severity = Severity.MINOR) -> LinkReport:
    return LinkReport(
        event_id=next_event_id(),
        report_id=report_id,
        service=a_service(),
        priority=priority,
        severity=severity,
        description="no dial tone",
    )


def _unlink(report_id: str) -> UnlinkReport:
    return UnlinkReport(event_id=next_event_id(), report_id=report_id, service_id="svc-1")


def _rerate(report_id: str, priority: int, severity: Severity) -> RerateLinkedReport:
    return RerateLinkedReport(
        event_id=next_event_id(),
        report_id=report_id,
        service_id="svc-1",
        priority=priority,
        severity=severity,
    )


def _status(status: DelegatedStatus) -> ApplyServiceTroubleUpdate:
    return ApplyServiceTroubleUpdate(
        event_id=next_event_id(),
        request_id="STR-svc-1-1",
        update=ProgressUpdate(status=status, external_id="SPM-9"),
    )


def _timer(deadline: datetime) -> SendImpact:
    return SendImpact(event_id=next_event_id(), service_id="svc-1", deadline=deadline)


def _decide(
    state: ServiceTrouble | None, command: ServiceTroubleCommand, at: datetime = NOW
) -> tuple[ServiceTrouble | None, list[ServiceTroubleEvent]]:
    decision = handle_service_trouble(state, command, at)
    return decision.state, list(decision.events)


def _opened(*links: LinkReport) -> ServiceTrouble:
    """A trouble whose first report requested it and whose others joined, at ``NOW``."""
    state = None
    for link in links:
        state, _ = _decide(state, link)
    assert state is not None
    return state


def test_the_create_request_is_what_service_problem_management_knows_first() -> None:
    state, events = _decide(None, _link("CPR-1", priority=3, severity=Severity.MAJOR))
    assert kinds(events) == ["ServiceTroubleRequested", "ReportLinkedToServiceTrouble"]
    assert state is not None
    assert state.impact_sent == Impact(report_ids=("CPR-1",), priority=3, severity=Severity.MAJOR)
    assert (state.impact_outdated, state.impact_due) == (False, None)


def test_a_report_joining_schedules_one_update_an_interval_later() -> None:
    state, events = _decide(_opened(_link("CPR-1")), _link("CPR-2", priority=1))
    assert kinds(events) == ["ReportLinkedToServiceTrouble", "ImpactUpdateScheduled"]
    scheduled = events[1]
    assert isinstance(scheduled, ImpactUpdateScheduled)
    assert scheduled.due_at == NOW + INTERVAL
    assert state is not None
    assert state.impact_due == NOW + INTERVAL


def test_the_update_is_due_on_the_tick_grid() -> None:
    off_grid = NOW + timedelta(milliseconds=1234)
    _, events = _decide(_opened(_link("CPR-1")), _link("CPR-2"), off_grid)
    scheduled = events[-1]
    assert isinstance(scheduled, ImpactUpdateScheduled)
    assert scheduled.due_at == NOW + INTERVAL + timedelta(milliseconds=1300)


def test_further_changes_while_an_update_is_pending_schedule_nothing_more() -> None:
    state = _opened(_link("CPR-1"), _link("CPR-2"))
    later = NOW + timedelta(seconds=4)
    state, events = _decide(state, _link("CPR-3"), later)
    assert kinds(events) == ["ReportLinkedToServiceTrouble"]
    assert state is not None
    assert state.impact_due == NOW + INTERVAL


def test_the_due_timer_sends_the_impact_as_it_is_then() -> None:
    state = _opened(
        _link("CPR-1", priority=3, severity=Severity.MINOR),
        _link("CPR-3", priority=1, severity=Severity.MINOR),
        _link("CPR-2", priority=2, severity=Severity.CRITICAL),
    )
    due = NOW + INTERVAL
    state, events = _decide(state, _timer(due), due)
    assert kinds(events) == ["ServiceTroubleImpactChanged"]
    changed = events[0]
    assert isinstance(changed, ServiceTroubleImpactChanged)
    assert changed.impact == Impact(
        report_ids=("CPR-1", "CPR-2", "CPR-3"), priority=1, severity=Severity.CRITICAL
    )
    assert (changed.request_id, changed.service, changed.occurred_at) == (
        "STR-svc-1-1",
        a_service(),
        due,
    )
    assert state is not None
    assert (state.impact_sent, state.impact_due) == (changed.impact, None)


def test_the_update_names_the_external_id_once_known() -> None:
    state = _opened(_link("CPR-1"))
    state, _ = _decide(state, _status(DelegatedStatus.IN_PROGRESS))
    state, _ = _decide(state, _link("CPR-2"))
    _, events = _decide(state, _timer(NOW + INTERVAL), NOW + INTERVAL)
    changed = events[0]
    assert isinstance(changed, ServiceTroubleImpactChanged)
    assert changed.external_id == "SPM-9"


@pytest.mark.parametrize(
    ("deadline", "at"),
    [
        pytest.param(NOW + INTERVAL, NOW + INTERVAL - timedelta(milliseconds=100), id="early"),
        pytest.param(NOW + INTERVAL + timedelta(seconds=1), NOW + 2 * INTERVAL, id="stale"),
    ],
)
def test_a_timer_that_is_early_or_not_the_pending_one_does_nothing(
    deadline: datetime, at: datetime
) -> None:
    state = _opened(_link("CPR-1"), _link("CPR-2"))
    assert _decide(state, _timer(deadline), at) == (state, [])


def test_a_timer_with_no_trouble_or_nothing_pending_does_nothing() -> None:
    assert _decide(None, _timer(NOW), NOW) == (None, [])
    state = _opened(_link("CPR-1"))
    assert _decide(state, _timer(NOW), NOW) == (state, [])


def test_an_impact_back_to_what_was_sent_drops_the_update() -> None:
    state = _opened(_link("CPR-1"), _link("CPR-2"))
    state, _ = _decide(state, _unlink("CPR-2"))
    state, events = _decide(state, _timer(NOW + INTERVAL), NOW + INTERVAL)
    assert kinds(events) == ["ImpactUpdateDropped"]
    assert state is not None
    assert state.impact_due is None


def test_a_trouble_finished_before_the_timer_sends_no_update() -> None:
    state = _opened(_link("CPR-1"), _link("CPR-2"))
    state, _ = _decide(state, _status(DelegatedStatus.RESOLVED))
    _, events = _decide(state, _timer(NOW + INTERVAL), NOW + INTERVAL)
    assert kinds(events) == ["ImpactUpdateDropped"]


def test_the_last_report_leaving_cancels_the_trouble_and_schedules_no_update() -> None:
    state = _opened(_link("CPR-1"))
    _, events = _decide(state, _unlink("CPR-1"))
    assert kinds(events) == ["ReportUnlinkedFromServiceTrouble", "ServiceTroubleCancelRequested"]


@pytest.mark.parametrize(
    ("priority", "severity", "expected"),
    [
        pytest.param(3, Severity.MINOR, [], id="same rating: no news"),
        pytest.param(1, Severity.MINOR, ["LinkedReportRerated", "ImpactUpdateScheduled"], id="p1"),
        pytest.param(
            3, Severity.CRITICAL, ["LinkedReportRerated", "ImpactUpdateScheduled"], id="critical"
        ),
    ],
)
def test_a_linked_report_rerated_changes_the_impact_when_its_rating_changed(
    priority: int, severity: Severity, expected: list[str]
) -> None:
    state = _opened(_link("CPR-1", priority=3, severity=Severity.MINOR))
    state, events = _decide(state, _rerate("CPR-1", priority, severity))
    assert kinds(events) == expected
    assert state is not None
    assert state.linked_reports == (
        LinkedReport(report_id="CPR-1", priority=priority, severity=severity),
    )


def test_a_rerate_of_a_report_not_linked_does_nothing() -> None:
    assert _decide(None, _rerate("CPR-1", 1, Severity.CRITICAL)) == (None, [])
    state = _opened(_link("CPR-1"))
    assert _decide(state, _rerate("CPR-9", 1, Severity.CRITICAL)) == (state, [])


def test_a_rerate_keeps_the_most_urgent_priority_of_the_request() -> None:
    state = _opened(_link("CPR-1", priority=3), _link("CPR-2", priority=2))
    state, _ = _decide(state, _rerate("CPR-2", 4, Severity.MINOR))
    assert state is not None
    assert state.priority == 2
    assert state.impact.priority == 3


def test_a_report_linking_again_keeps_its_latest_rating() -> None:
    state = _opened(_link("CPR-1", priority=3), _link("CPR-1", priority=1))
    assert state.linked_reports == (
        LinkedReport(report_id="CPR-1", priority=1, severity=Severity.MINOR),
    )


def test_links_stored_without_a_rating_fall_back_to_nothing() -> None:
    assert impact_of((LinkedReport(report_id="CPR-2"), LinkedReport(report_id="CPR-1"))) == Impact(
        report_ids=("CPR-1", "CPR-2")
    )


def test_a_trouble_stored_before_impacts_were_kept_tells_its_impact_on_the_next_command() -> None:
    stored = ServiceTrouble(
        service=a_service(),
        generation=1,
        request_id="STR-svc-1-1",
        progress=Progress(status=DelegatedStatus.IN_PROGRESS),
        priority=3,
        linked_reports=(LinkedReport(report_id="CPR-1"),),
    )
    _, events = _decide(stored, _link("CPR-2"))
    assert kinds(events) == ["ReportLinkedToServiceTrouble", "ImpactUpdateScheduled"]


def test_a_change_decided_at_an_earlier_time_waits_an_interval_after_the_last_update() -> None:
    state = _opened(_link("CPR-1"), _link("CPR-2"))
    told = NOW + INTERVAL
    state, _ = _decide(state, _timer(told), told)
    assert state is not None
    assert state.impact_told_at == told

    _, events = _decide(state, _link("CPR-3"), NOW + timedelta(seconds=1))

    scheduled = events[-1]
    assert isinstance(scheduled, ImpactUpdateScheduled)
    assert scheduled.due_at == told + INTERVAL


def test_the_interval_is_a_decision_input() -> None:
    state = _opened(_link("CPR-1"))
    events = decide_service_trouble(state, _link("CPR-2"), NOW, timedelta(seconds=2))
    scheduled = events[-1]
    assert isinstance(scheduled, ImpactUpdateScheduled)
    assert scheduled.due_at == NOW + timedelta(seconds=2)


# --- the debounce as properties: a flood of changes, a timer kept as data -----------------

REPORTS = [f"CPR-{n}" for n in range(6)]


@dataclass
class Change:
    """A command ``after`` the previous one on the wall clock, decided at its record's
    time, ``lag`` earlier (a link carries the time of the report decision that caused it)."""

    after: timedelta
    command: str
    report: str
    priority: int
    severity: Severity
    lag: timedelta = timedelta(0)


def _ms(low: int, high: int) -> st.SearchStrategy[timedelta]:
    return st.integers(min_value=low, max_value=high).map(lambda ms: timedelta(milliseconds=ms))


changes = st.lists(
    st.builds(
        Change,
        after=_ms(0, 15_000),
        lag=st.just(timedelta(0)) | _ms(0, 30_000),
        command=st.sampled_from(["link", "link", "unlink", "rerate", "resolved"]),
        report=st.sampled_from(REPORTS),
        priority=st.integers(min_value=1, max_value=4),
        severity=st.sampled_from(list(Severity)),
    ),
    max_size=60,
)


def _command(change: Change) -> ServiceTroubleCommand:
    match change.command:
        case "link":
            return _link(change.report, change.priority, change.severity)
        case "unlink":
            return _unlink(change.report)
        case "rerate":
            return _rerate(change.report, change.priority, change.severity)
        case _:
            return ApplyServiceTroubleUpdate(
                event_id=next_event_id(),
                request_id="",
                update=ProgressUpdate(status=DelegatedStatus.RESOLVED),
            )


@dataclass
class Run:
    """The trouble driven as the shell drives it: each due timer fires at its deadline."""

    state: ServiceTrouble | None = None
    now: datetime = NOW
    events: list[ServiceTroubleEvent] = field(default_factory=list)
    decided: list[tuple[ServiceTroubleCommand, datetime]] = field(default_factory=list)
    outdated_without_timer: int = 0

    def apply(self, command: ServiceTroubleCommand, at: datetime) -> None:
        if isinstance(command, ApplyServiceTroubleUpdate) and self.state is not None:
            command = ApplyServiceTroubleUpdate(
                event_id=command.event_id,
                request_id=self.state.request_id,
                update=command.update,
            )
        decision = handle_service_trouble(self.state, command, at)
        self.decided.append((command, at))
        self.state = decision.state
        self.events.extend(decision.events)
        if self.state is not None and self.state.impact_outdated and not self.state.impact_due:
            self.outdated_without_timer += 1

    def fire_due(self, until: datetime) -> None:
        while self.state is not None and self.state.impact_due and self.state.impact_due <= until:
            due = self.state.impact_due
            self.apply(SendImpact(event_id=f"impact-{due}", service_id="svc-1", deadline=due), due)

    def run(self, flood: list[Change]) -> Run:
        for change in flood:
            self.now += change.after
            self.fire_due(self.now)
            self.apply(_command(change), self.now - change.lag)
        self.fire_due(self.now + INTERVAL + timedelta(seconds=1))
        return self

    def updates(self) -> list[ServiceTroubleImpactChanged]:
        return [e for e in self.events if isinstance(e, ServiceTroubleImpactChanged)]

    def knowledge(self) -> list[tuple[str, datetime, Impact]]:
        """What Service Problem Management was told, in order: each create, each update."""
        told = []
        for event in self.events:
            if isinstance(event, ServiceTroubleRequested):
                impact = Impact(
                    report_ids=event.report_ids, priority=event.priority, severity=event.severity
                )
                told.append(("create", event.occurred_at, impact))
            elif isinstance(event, ServiceTroubleImpactChanged):
                told.append(("update", event.occurred_at, event.impact))
        return told


@settings(max_examples=150, deadline=None)
@given(changes)
def test_once_the_flood_is_over_the_last_thing_told_is_the_exact_impact(
    flood: list[Change],
) -> None:
    run = Run().run(flood)
    state = run.state
    if state is not None and state.is_open:
        assert run.knowledge()[-1][2] == impact_of(state.linked_reports)
        assert state.impact_due is None


@settings(max_examples=150, deadline=None)
@given(changes)
def test_updates_are_at_least_an_interval_apart_and_each_says_something_new(
    flood: list[Change],
) -> None:
    told = Run().run(flood).knowledge()
    for (_, before, known), (kind, at, impact) in itertools.pairwise(told):
        if kind == "update":
            assert at - before >= INTERVAL
            assert impact != known


@settings(max_examples=150, deadline=None)
@given(changes)
def test_an_outdated_impact_always_has_its_update_pending(flood: list[Change]) -> None:
    assert Run().run(flood).outdated_without_timer == 0


@settings(max_examples=200, deadline=None)
@given(changes)
def test_the_number_of_updates_is_bounded_by_the_flood_duration(flood: list[Change]) -> None:
    run = Run().run(flood)
    duration = run.now - NOW
    assert len(run.updates()) <= 1 + duration // INTERVAL + 1


@settings(max_examples=100, deadline=None)
@given(changes)
def test_deciding_the_same_records_again_gives_the_same_updates(flood: list[Change]) -> None:
    first = Run().run(flood)
    again = Run()
    for command, at in first.decided:
        again.apply(command, at)
    assert again.events == first.events
    assert again.state == first.state


def test_five_hundred_reports_joining_in_a_minute_give_a_handful_of_updates() -> None:
    run = Run()
    flood = [
        Change(timedelta(milliseconds=120), "link", f"CPR-{n}", 1 + n % 4, Severity.MAJOR)
        for n in range(500)
    ]
    run.run(flood)
    updates = run.updates()
    assert 1 <= len(updates) <= 7
    assert updates[-1].impact.count == 500
    assert (updates[-1].impact.priority, updates[-1].impact.severity) == (1, Severity.MAJOR)
