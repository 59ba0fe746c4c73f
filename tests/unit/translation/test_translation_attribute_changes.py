"""A changed symptom code or requested resolution date travels from the customer's
AttributeValueChange event to the domain, and back out in the customer's notification."""

from __future__ import annotations

from datetime import UTC, datetime

from translation_samples import envelope, wire_document

from builders import NOW, REPORT_ID, a_context, a_known_error, a_report, next_event_id
from problem_tracker.application.process import handle_report
from problem_tracker.domain import commands
from problem_tracker.domain.events import AttributesChanged, KnownErrorAttached
from problem_tracker.domain.report import Status
from problem_tracker.translation.from_domain import report_messages
from problem_tracker.translation.to_domain import customer_command

CHANGE = "CustomerProblemReportAttributeValueChangeEvent"
WANTED = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_a_changed_symptom_code_and_requested_resolution_date_reach_the_command() -> None:
    message = envelope(
        CHANGE, symptomCode="NO-SYNC", requestedResolutionDate="2026-11-28T12:00:00Z"
    )

    command = customer_command(message)

    assert isinstance(command, commands.ChangeAttributes)
    assert (command.symptom_code, command.requested_resolution_date) == ("NO-SYNC", WANTED)


def test_a_change_without_them_leaves_symptom_code_and_requested_date_unchanged() -> None:
    command = customer_command(envelope(CHANGE))

    assert isinstance(command, commands.ChangeAttributes)
    assert (command.symptom_code, command.requested_resolution_date) == (None, None)


def test_the_change_notification_carries_the_new_values_and_validates_against_its_schema() -> None:
    change = commands.ChangeAttributes(
        event_id=next_event_id(),
        report_id=REPORT_ID,
        symptom_code="NO-DIALTONE",
        requested_resolution_date=WANTED,
    )
    context = a_context(known_errors=[a_known_error("KE-7", "NO-DIALTONE", "reset the modem")])
    decision = handle_report(a_report(Status.IN_PROGRESS), change, NOW, context)
    assert [type(event) for event in decision.events] == [AttributesChanged, KnownErrorAttached]

    for event in decision.events:
        (message,) = report_messages(event, decision.state)
        doc = wire_document(message)
        report = doc["event"]["customerProblemReport"]
        assert doc["eventType"] == CHANGE
        assert report["symptomCode"] == "NO-DIALTONE"
        assert report["requestedResolutionDate"] == "2026-11-28T12:00:00Z"
        assert report["knownError"] == {"id": "KE-7", "workaround": "reset the modem"}
