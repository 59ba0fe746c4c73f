"""A service trouble for the longest valid service id is requested, and its answers come back."""

from __future__ import annotations

from translation_samples import envelope, wire_document

from builders import NOW, a_service
from problem_tracker.application.process import handle_service_trouble
from problem_tracker.application.routing import service_trouble_commands
from problem_tracker.domain.events import ServiceTroubleNeeded
from problem_tracker.domain.identity import MAX_REQUEST_ID, service_trouble_key
from problem_tracker.domain.report import Severity
from problem_tracker.domain.service_trouble import ApplyServiceTroubleUpdate
from problem_tracker.translation import to_domain
from problem_tracker.translation.from_domain import service_trouble_messages

LONGEST_SERVICE_ID = "svc-" + "9" * 252


def test_the_request_for_a_256_character_service_id_is_sent_and_answers_route_back() -> None:
    needed = ServiceTroubleNeeded(
        service=a_service(LONGEST_SERVICE_ID),
        priority=2,
        severity=Severity.MAJOR,
        description="no sync",
        event_id="evt-1",
        report_id="CPR-1",
    )
    (routed,) = service_trouble_commands([needed])
    assert routed.service_id == service_trouble_key(LONGEST_SERVICE_ID)

    decision = handle_service_trouble(None, routed.command, NOW)
    (request, *_), (state, *_) = decision.events, decision.states
    (message,) = service_trouble_messages(request, state)
    sent = wire_document(message)["event"]["serviceTroubleReport"]

    assert len(sent["requestId"]) <= MAX_REQUEST_ID
    assert sent["affectedService"]["id"] == LONGEST_SERVICE_ID
    assert message.key == sent["requestId"]

    answer = envelope("ServiceTroubleReportStatusChangeEvent", correlation_id=sent["requestId"])
    back = to_domain.delegated_command(answer)

    assert isinstance(back, tuple)
    key, update = back
    assert key == routed.service_id
    assert isinstance(update, ApplyServiceTroubleUpdate)
    assert update.request_id == sent["requestId"]
