import json
from datetime import UTC, datetime

from problem_tracker.simulate import messages as m
from problem_tracker.simulate.plans import ScenarioMix
from problem_tracker.simulate.scenario import ScenarioGenerator
from problem_tracker.simulate.upstream import Upstream

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
CREATE = "CustomerProblemReportCreateEvent"


def _upstream(count: int, *, rate: float = 1000.0, bad_rate: float = 0.0, **mix: float) -> Upstream:
    generator = ScenarioGenerator(6, mix=ScenarioMix(bad_rate=bad_rate, **mix))
    return Upstream(generator, count=count, rate=rate, max_bytes=1024)


def _run(upstream: Upstream, until: float, step: float = 0.01) -> list[m.SimMessage]:
    sent: list[m.SimMessage] = []
    for tick in range(int(until / step) + 1):
        sent.extend(upstream.due(tick * step, NOW))
    return sent


def _notify(upstream: Upstream, report_id: str, event_type: str, status: str, at: float) -> None:
    value = {
        "eventId": f"{report_id}-{status}-{at}",
        "eventType": event_type,
        "event": {"customerProblemReport": {"id": report_id, "status": status}},
    }
    upstream.observe_notification(report_id, json.dumps(value).encode(), at)


def test_upstream_traffic_keeps_to_the_rate() -> None:
    sent = _run(_upstream(100, rate=50.0), until=1.0)
    assert 45 <= len(sent) <= 55


def test_every_report_is_created_then_its_follow_ups_follow() -> None:
    upstream = _upstream(20)
    sent = _run(upstream, until=10.0)
    assert [s.event_type for s in sent].count(CREATE) == 20
    assert upstream.reports_created == 20
    assert upstream.all_sent
    assert len(sent) > 20
    assert not upstream.finished


def test_a_bad_record_follows_right_after_its_report_s_create() -> None:
    sent = _run(_upstream(3, bad_rate=1.0), until=0.05)
    labels = [s.label for s in sent[:6]]
    assert labels[0::2] == [CREATE] * 3
    assert labels[1::2] == ["malformed-json", "schema-violation", "unknown-event-type"]


def test_reports_are_finished_once_seen_closed_or_cancelled() -> None:
    upstream = _upstream(2, amend_rate=0, note_rate=0, hold_rate=0, cancel_rate=0, reopen_rate=0)
    first, second = (s.key for s in _run(upstream, until=1.0))
    _notify(upstream, first, "CustomerProblemReportResolvedEvent", "resolved", at=1.0)
    closes = _run(upstream, until=3.0)
    assert [(c.key, c.event_type) for c in closes] == [(first, "CustomerProblemReportCloseEvent")]
    _notify(upstream, first, "CustomerProblemReportStatusChangeEvent", "closed", at=3.0)
    _notify(upstream, second, "CustomerProblemReportStatusChangeEvent", "cancelled", at=3.0)
    assert upstream.finished
    assert upstream.notifications["CustomerProblemReportResolvedEvent"] == 1


def test_only_dead_letters_of_records_this_run_sent_are_counted() -> None:
    upstream = _upstream(1)
    (create,) = _run(upstream, until=0.0)
    entry = json.dumps({"error": {"code": "illegal-transition"}}).encode()
    upstream.observe_dead_letter(create.key, entry)
    upstream.observe_dead_letter("someone-else", entry)
    upstream.observe_dead_letter(create.key, b"not json")
    assert upstream.dlq == {"illegal-transition": 1}


def test_a_follow_up_the_status_no_longer_allows_is_skipped_and_counted() -> None:
    upstream = _upstream(1, amend_rate=1.0, note_rate=0, hold_rate=0, cancel_rate=0)
    (create,) = _run(upstream, until=0.0)
    _notify(upstream, create.key, "CustomerProblemReportStatusChangeEvent", "cancelled", at=0.0)
    assert _run(upstream, until=5.0) == []
    assert upstream.skipped == {"amend-priority": 1}
