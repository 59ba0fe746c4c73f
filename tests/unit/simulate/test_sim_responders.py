import json
from datetime import UTC, datetime
from typing import Any

from problem_tracker.simulate import messages as m
from problem_tracker.simulate.responders import ResponderPolicy, Responders

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _request(event_type: str, request_id: str, resource_name: str, **extra: Any) -> bytes:
    resource = {"requestId": request_id, "customerProblemReportIds": ["CPR-1"], **extra}
    envelope = {
        "eventId": f"e-{request_id}-{event_type}",
        "eventTime": "2026-11-26T10:00:00Z",
        "eventType": event_type,
        "correlationId": request_id,
        "domain": "CustomerProblem",
        "event": {resource_name: resource},
    }
    return json.dumps(envelope).encode()


def _create_str(request_id: str = "REQ-1") -> bytes:
    return _request("CreateServiceTroubleReportRequest", request_id, "serviceTroubleReport")


def _drain(responders: Responders, until: float) -> list[tuple[float, m.SimMessage]]:
    sent = []
    at = responders.next_at()
    while at is not None and at <= until:
        sent.extend((at, message) for message in responders.due(at, NOW))
        at = responders.next_at()
    return sent


def _status(message: m.SimMessage) -> str:
    return message.value["event"]["serviceTroubleReport"]["status"]


def test_spm_accepts_then_works_then_resolves_within_the_jittered_delay() -> None:
    responders = Responders(ResponderPolicy(resolve_after=10.0, jitter=0.5, reject_rate=0.0))
    assert responders.on_request(m.SERVICE_TROUBLE, _create_str(), at=0.0, now=NOW)
    sent = _drain(responders, until=100.0)
    assert [(msg.event_type, _status(msg)) for _, msg in sent] == [
        ("ServiceTroubleReportCreateEvent", "acknowledged"),
        ("ServiceTroubleReportStatusChangeEvent", "inProgress"),
        ("ServiceTroubleReportStatusChangeEvent", "resolved"),
    ]
    assert 5.0 <= sent[-1][0] <= 15.0
    created = sent[0][1].value["event"]["serviceTroubleReport"]
    assert created["id"].startswith("SPM-")
    assert "expectedResolutionDate" in created
    assert {msg.value["correlationId"] for _, msg in sent} == {"REQ-1"}
    assert {msg.key for _, msg in sent} == {"REQ-1"}
    assert {msg.topic for _, msg in sent} == {m.Topic.SERVICE_TROUBLE_EVENTS}


def test_a_rejected_request_is_never_resolved() -> None:
    responders = Responders(ResponderPolicy(reject_rate=1.0))
    responders.on_request(m.SERVICE_TROUBLE, _create_str(), at=0.0, now=NOW)
    statuses = [_status(msg) for _, msg in _drain(responders, until=100.0)]
    assert statuses == ["acknowledged", "rejected"]


def test_a_cancel_request_stops_the_work_and_is_answered_cancelled() -> None:
    responders = Responders(ResponderPolicy(resolve_after=10.0, reject_rate=0.0))
    responders.on_request(m.SERVICE_TROUBLE, _create_str(), at=0.0, now=NOW)
    before = _drain(responders, until=1.0)
    cancel = _request("CancelServiceTroubleReportRequest", "REQ-1", "serviceTroubleReport")
    responders.on_request(m.SERVICE_TROUBLE, cancel, at=1.0, now=NOW)
    statuses = [_status(msg) for _, msg in [*before, *_drain(responders, until=100.0)]]
    assert statuses == ["acknowledged", "cancelled"]
    assert responders.pending == 0


def test_a_partner_answers_under_its_own_name_on_the_partner_topic() -> None:
    partner = {"id": "partner-fibreco", "name": "FibreCo"}
    request = _request(
        "CreatePartnerProblemReportRequest", "REQ-9", "partnerProblemReport", partner=partner
    )
    responders = Responders(ResponderPolicy(reject_rate=0.0))
    responders.on_request(m.PARTNER_PROBLEM, request, at=0.0, now=NOW)
    (_, created), *_ = _drain(responders, until=100.0)
    assert created.topic is m.Topic.PARTNER_PROBLEM_EVENTS
    assert created.event_type == "PartnerProblemReportCreateEvent"
    assert created.value["source"] == partner
    assert created.value["event"]["partnerProblemReport"]["id"].startswith("FIB-")


def test_the_same_seed_answers_with_the_same_event_ids() -> None:
    def run() -> list[str]:
        responders = Responders(ResponderPolicy(seed=4))
        responders.on_request(m.SERVICE_TROUBLE, _create_str(), at=0.0, now=NOW)
        return [msg.value["eventId"] for _, msg in _drain(responders, until=100.0)]

    assert run() == run()
    assert len(set(run())) == len(run())


def test_a_request_seen_again_is_not_answered_twice() -> None:
    responders = Responders(ResponderPolicy(reject_rate=0.0))
    responders.on_request(m.SERVICE_TROUBLE, _create_str(), at=0.0, now=NOW)
    assert not responders.on_request(m.SERVICE_TROUBLE, _create_str(), at=0.5, now=NOW)
    assert len(_drain(responders, until=100.0)) == 3


def test_a_record_that_is_not_a_request_is_ignored() -> None:
    responders = Responders(ResponderPolicy())
    assert not responders.on_request(m.SERVICE_TROUBLE, b"{not json", at=0.0, now=NOW)
    assert not responders.on_request(m.SERVICE_TROUBLE, None, at=0.0, now=NOW)
    assert responders.stats["unreadable requests"] == 2
    assert responders.next_at() is None


def test_an_impact_update_is_counted_and_needs_no_answer() -> None:
    responders = Responders(ResponderPolicy(reject_rate=0.0))
    responders.on_request(m.SERVICE_TROUBLE, _create_str(), at=0.0, now=NOW)
    update = _request("UpdateServiceTroubleReportRequest", "REQ-1", "serviceTroubleReport")
    assert not responders.on_request(m.SERVICE_TROUBLE, update, at=0.5, now=NOW)
    assert (responders.stats["updates"], responders.stats["unreadable requests"]) == (1, 0)
    assert len(_drain(responders, until=100.0)) == 3


def test_a_reopened_partner_report_is_worked_again_and_a_closed_one_needs_no_answer() -> None:
    responders = Responders(ResponderPolicy(reject_rate=0.0))
    create = _request("CreatePartnerProblemReportRequest", "SPR-1", "partnerProblemReport")
    responders.on_request(m.PARTNER_PROBLEM, create, at=0.0, now=NOW)
    first = len(_drain(responders, until=100.0))

    reopen = _request("ReopenPartnerProblemReportRequest", "SPR-1", "partnerProblemReport")
    assert responders.on_request(m.PARTNER_PROBLEM, reopen, at=101.0, now=NOW)
    assert len(_drain(responders, until=300.0)) == first
    close = _request("ClosePartnerProblemReportRequest", "SPR-1", "partnerProblemReport")
    assert not responders.on_request(m.PARTNER_PROBLEM, close, at=301.0, now=NOW)
    assert (responders.stats["reopened"], responders.stats["closed"]) == (1, 1)
