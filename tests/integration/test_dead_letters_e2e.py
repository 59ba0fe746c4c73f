"""Every rejection reaches ``customer-problem.dlq`` with its contract code, pointing back at
the exact record (topic, partition, offset, key) and carrying its original text — never a
crash, never a silent drop. On the real broker, against a running worker."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from pipeline import Pipeline, now
from records import Sent

from problem_tracker.simulate import messages
from problem_tracker.simulate.messages import CLOSE, HOLD, SimMessage, Topic

pytestmark = pytest.mark.integration

DEFAULT_MAX_BYTES = 262_144


def assert_dead_letter(pipeline: Pipeline, sent: Sent, code: str) -> dict:
    """The DLQ record of ``sent`` names it exactly and keeps its bytes as text."""
    record = pipeline.dead_letter_for(sent)
    assert record["originalTopic"] == sent.topic
    assert (record["partition"], record["offset"]) == (sent.partition, sent.offset)
    assert record["key"] == sent.key
    assert record["value"] == (None if sent.value is None else sent.value.decode())
    assert record["error"]["code"] == code
    return record


def _attributes(pipeline: Pipeline, report_id: str, **fields: object) -> SimMessage:
    return messages.attributes_changed(pipeline.event_id(), now(), report_id, **fields)


def _truncated(pipeline: Pipeline) -> Sent:
    text = messages.value_bytes(_attributes(pipeline, "CPR-dlq-json", priority=2)) or b""
    return pipeline.send_raw(Topic.CUSTOMER_EVENTS, "CPR-dlq-json", text[: len(text) // 2])


def _wrong_type(pipeline: Pipeline) -> Sent:
    return pipeline.send(_attributes(pipeline, "CPR-dlq-schema", priority="high"))


def _unknown_type(pipeline: Pipeline) -> Sent:
    teleport = "CustomerProblemTeleportRequestEvent"
    return pipeline.send(
        messages.status_request(pipeline.event_id(), now(), teleport, "CPR-dlq-type")
    )


def _foreign_key(pipeline: Pipeline) -> Sent:
    message = pipeline.create_message("CPR-dlq-key")
    return pipeline.send_raw(Topic.CUSTOMER_EVENTS, "CPR-dlq-other", messages.value_bytes(message))


def _oversized(pipeline: Pipeline) -> Sent:
    log = "router log: " + "x" * DEFAULT_MAX_BYTES
    note = [messages.note("agent", now(), log)]
    return pipeline.send(_attributes(pipeline, "CPR-dlq-big", note=note))


def _null_value(pipeline: Pipeline) -> Sent:
    return pipeline.send_raw(Topic.CUSTOMER_EVENTS, "CPR-dlq-null", None)


def _unknown_report(pipeline: Pipeline) -> Sent:
    hold = messages.status_request(pipeline.event_id(), now(), HOLD, "CPR-dlq-ghost", "why")
    return pipeline.send(hold)


DECODING_CASES: dict[str, tuple[Callable[[Pipeline], Sent], str]] = {
    "truncated JSON": (_truncated, "malformed-json"),
    "a priority that is not a number": (_wrong_type, "schema-violation"),
    "an event type nobody defined": (_unknown_type, "unknown-event-type"),
    "a key that is not the report id": (_foreign_key, "key-mismatch"),
    "a value above the default 256 KiB": (_oversized, "oversized"),
    "an update for a report never created": (_unknown_report, "unknown-report"),
    "a null value (no document)": (_null_value, "malformed-json"),
}


@pytest.mark.parametrize("case", DECODING_CASES, ids=list(DECODING_CASES))
def test_a_bad_customer_event_is_dead_lettered_with_its_code(pipeline: Pipeline, case: str) -> None:
    send, code = DECODING_CASES[case]

    assert_dead_letter(pipeline, send(pipeline), code)


def test_closing_an_unresolved_report_is_an_illegal_transition(pipeline: Pipeline) -> None:
    pipeline.create("CPR-dlq-close", services=["svc-dlq-close"])
    pipeline.wait_status("CPR-dlq-close", "inProgress")

    close = messages.status_request(pipeline.event_id(), now(), CLOSE, "CPR-dlq-close")
    record = assert_dead_letter(pipeline, pipeline.send(close), "illegal-transition")

    assert "inProgress" in record["error"]["message"]
    pipeline.settle()
    assert pipeline.statuses("CPR-dlq-close") == ["acknowledged", "inProgress"]


FOREIGN_ANSWERS = {
    "a service trouble request id of nobody's format": (
        Topic.SERVICE_TROUBLE_EVENTS,
        "REQ-not-ours-1",
    ),
    "a service trouble never requested": (Topic.SERVICE_TROUBLE_EVENTS, "STR-svc-never-1"),
    "a partner request id of nobody's format": (Topic.PARTNER_PROBLEM_EVENTS, "PP-not-ours-1"),
    "a partner request of a report never created": (
        Topic.PARTNER_PROBLEM_EVENTS,
        "SPR-CPR-never-created-1",
    ),
}


@pytest.mark.parametrize("case", FOREIGN_ANSWERS, ids=list(FOREIGN_ANSWERS))
def test_an_answer_naming_no_request_of_ours_is_an_unknown_correlation(
    pipeline: Pipeline, case: str
) -> None:
    topic, correlation_id = FOREIGN_ANSWERS[case]

    sent = pipeline.send(pipeline.answer_message(topic, correlation_id, "resolved"))

    assert_dead_letter(pipeline, sent, "unknown-correlation")


def test_a_partner_answer_for_a_request_the_report_never_made_is_an_unknown_correlation(
    pipeline: Pipeline,
) -> None:
    pipeline.create("CPR-dlq-corr", services=["svc-dlq-corr"])
    pipeline.wait_status("CPR-dlq-corr", "inProgress")

    answer = pipeline.answer_message(Topic.PARTNER_PROBLEM_EVENTS, "SPR-CPR-dlq-corr-9", "resolved")
    assert_dead_letter(pipeline, pipeline.send(answer), "unknown-correlation")

    pipeline.settle()
    assert pipeline.statuses("CPR-dlq-corr") == ["acknowledged", "inProgress"]


def test_bad_reference_records_are_dead_lettered_too(pipeline: Pipeline) -> None:
    broken = pipeline.send_raw(Topic.KNOWN_ERRORS, "KE-dlq-1", b'{"eventType": "KnownErr')
    ownership = messages.component_ownership(
        pipeline.event_id(),
        now(),
        {"id": "svc-dlq-owned", "referredType": "Service"},
        {"id": "noc", "role": "internal"},
    )
    misfiled = pipeline.send_raw(
        Topic.COMPONENT_OWNERSHIP, "svc-dlq-elsewhere", messages.value_bytes(ownership)
    )

    assert_dead_letter(pipeline, broken, "malformed-json")
    record = assert_dead_letter(pipeline, misfiled, "key-mismatch")
    assert record["error"]["path"] == "/event/componentOwnership/entityId"
    assert json.loads(record["value"])["event"]["componentOwnership"]["entityId"] == (
        "svc-dlq-owned"
    )


def test_the_size_limit_is_the_operators_choice(
    pipeline: Pipeline, pipeline_factory: Callable[..., Pipeline]
) -> None:
    strict = pipeline_factory(PROBLEM_TRACKER_WORKER__MAX_MESSAGE_BYTES="2048")
    chatty = [messages.note("agent", now(), "line test " + "ok " * 800)]

    sent = strict.send(strict.create_message("CPR-dlq-chatty", note=chatty))
    pipeline.create("CPR-dlq-chatty", note=chatty)

    assert len(sent.value or b"") > 2048
    assert_dead_letter(strict, sent, "oversized")
    pipeline.wait_status("CPR-dlq-chatty", "pending")
