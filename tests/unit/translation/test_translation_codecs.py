"""Internal commands and table values survive the trip through bytes unchanged."""

from __future__ import annotations

import base64
import json
from dataclasses import fields, replace
from datetime import timedelta
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import (
    NOW,
    a_create,
    a_note,
    a_product,
    a_report,
    a_resource,
    a_service,
    partner_work,
    service_work,
    with_progress,
)
from problem_tracker.domain.commands import Tick, UpdateDelegatedWork
from problem_tracker.domain.identity import SeenEvent
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    KnownErrorMatch,
    Progress,
    ProgressUpdate,
    ResolutionCode,
    Severity,
    Status,
    StatusChange,
)
from problem_tracker.domain.service_trouble import (
    ApplyServiceTroubleUpdate,
    Impact,
    LinkedReport,
    LinkReport,
    ServiceTrouble,
)
from problem_tracker.domain.sla.clock import SlaClock
from problem_tracker.domain.sla.partner_legs import PartnerLeg
from problem_tracker.domain.sla.track import CycleOutcome, SlaMeasure, SlaTrack
from problem_tracker.translation.internal import (
    COMMAND_TYPES,
    InternalMessage,
    InternalMessageError,
    Origin,
    UnknownCommandTypeError,
    decode_internal,
    encode_internal,
)
from problem_tracker.translation.state import (
    STATE_VERSION,
    StateDecodeError,
    decode_report,
    decode_service_trouble,
    encode_report,
    encode_service_trouble,
)


def _every_field(cls: type[Any], **overrides: Any) -> st.SearchStrategy[Any]:
    """Instances of a domain dataclass with every field drawn, not only the required ones."""
    inferred: dict[str, Any] = {field.name: ... for field in fields(cls)}
    return st.builds(cls, **{**inferred, **overrides})


SLA_TRACKS = _every_field(
    SlaTrack,
    clock=_every_field(SlaClock),
    partner_legs=st.lists(_every_field(PartnerLeg), max_size=3).map(tuple),
)
COMMANDS = st.one_of([_every_field(cls) for cls in COMMAND_TYPES.values()])
ORIGINS = st.none() | st.builds(
    Origin,
    topic=st.text(min_size=1),
    partition=st.integers(0, 2**31 - 1),
    offset=st.integers(0, 2**63 - 1),
    key=st.none() | st.binary(),
    value=st.none() | st.binary(),
)


def a_typical_report() -> CustomerProblemReport:
    """3 entities, 2 delegated works, 10 history entries: what a busy report holds."""
    return a_report(
        Status.IN_PROGRESS,
        symptom_code="NO-DIALTONE",
        entities=(a_service(), a_resource(), a_product()),
        notes=(a_note(), a_note("the light is red")),
        status_history=tuple(
            StatusChange(status=Status.IN_PROGRESS, date=NOW + timedelta(minutes=i), reason="r")
            for i in range(10)
        ),
        known_error=KnownErrorMatch(id="KE-1", workaround="restart the line card"),
        delegated=(
            service_work(),
            with_progress(partner_work(), expected_resolution_date=NOW + timedelta(hours=4)),
        ),
        recent_events=tuple(
            SeenEvent(event_id=f"evt-{i}", digest=f"{i:032x}" if i % 2 else "") for i in range(20)
        ),
    )


def a_service_trouble() -> ServiceTrouble:
    return ServiceTrouble(
        service=a_service(name="Broadband 1G"),
        generation=2,
        request_id="STR-svc-1-2",
        priority=1,
        linked_reports=(LinkedReport(report_id="CPR-1"), LinkedReport(report_id="CPR-2")),
        recent_events=(SeenEvent(event_id="evt-1", digest="ab" * 16), SeenEvent(event_id="evt-2")),
        progress=Progress(
            status=DelegatedStatus.IN_PROGRESS,
            external_id="SPM-5",
            expected_resolution_date=NOW + timedelta(hours=3),
        ),
    )


@settings(max_examples=150, deadline=None)
@given(command=COMMANDS, origin=ORIGINS)
def test_every_internal_command_round_trips_with_its_origin(command: Any, origin: Any) -> None:
    relayed = decode_internal(encode_internal(command, origin, relayed=True))
    own = decode_internal(encode_internal(command, origin))

    assert relayed == InternalMessage(command, origin, relayed=True)
    assert own == InternalMessage(command, None if origin is None else origin.reference())


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (
            "UpdateDelegatedWork",
            UpdateDelegatedWork(
                event_id="e",
                report_id="CPR-1",
                request_id="SPR-CPR-1-1",
                partner_id="acme",
                update=ProgressUpdate(
                    status=DelegatedStatus.RESOLVED, external_id="ACME-1", note="card replaced"
                ),
            ),
        ),
        (
            "ApplyServiceTroubleUpdate",
            ApplyServiceTroubleUpdate(
                event_id="e",
                request_id="STR-svc-1-1",
                update=ProgressUpdate(
                    status=DelegatedStatus.RESOLVED, external_id="ACME-1", note="card replaced"
                ),
            ),
        ),
    ],
)
def test_an_update_of_internal_version_1_is_read_with_its_answer_nested(
    tag: str, expected: object
) -> None:
    """A worker of the previous version may have written it just before a rolling upgrade."""
    body = {
        "event_id": "e",
        "report_id": "CPR-1",
        "request_id": expected.request_id,
        "status": "resolved",
        "external_id": "ACME-1",
        "note": "card replaced",
    }
    if tag == "UpdateDelegatedWork":
        body["partner_id"] = "acme"
    else:
        del body["report_id"]
    raw = json.dumps({"v": 1, "type": tag, "command": body, "origin": None}).encode()

    assert decode_internal(raw).command == expected


def test_a_relayed_command_carries_the_original_bytes() -> None:
    value = b'{"text": "not UTF-8 \xff"}'
    origin = Origin(topic="service-trouble.events", partition=3, offset=42, key=None, value=value)

    raw = encode_internal(a_create(), origin, relayed=True)
    document = json.loads(raw)

    assert (document["v"], document["type"], document["relayed"]) == (2, "CreateReport", True)
    assert document["origin"]["value"] == base64.b64encode(value).decode("ascii")
    assert document["origin"]["key"] is None
    assert decode_internal(raw).origin == origin


def test_a_command_of_our_own_names_its_cause_without_copying_its_bytes() -> None:
    value = b"x" * 100_000
    origin = Origin(
        topic="customer-problem.events", partition=3, offset=42, key=b"CPR-1", value=value
    )

    create = a_create()
    raw = encode_internal(create, origin)

    assert len(raw) < 1_000
    assert "relayed" not in json.loads(raw)
    assert decode_internal(raw) == InternalMessage(create, origin.reference())
    assert origin.reference().describe() == "customer-problem.events[3]@42"


def test_a_tick_travels_without_origin() -> None:
    tick = Tick(event_id="tick-1", report_id="CPR-1", deadline=NOW)

    assert decode_internal(encode_internal(tick)) == InternalMessage(tick, None)


def test_every_report_and_service_trouble_command_is_registered() -> None:
    assert {"CreateReport", "Tick", "UpdateDelegatedWork", "LinkServiceTrouble"} <= set(
        COMMAND_TYPES
    )
    assert {"LinkReport", "UnlinkReport", "ApplyServiceTroubleUpdate"} <= set(COMMAND_TYPES)


def test_an_unknown_command_type_is_refused_clearly() -> None:
    document = json.loads(encode_internal(a_create()))
    document["type"] = "DropDatabase"

    with pytest.raises(UnknownCommandTypeError, match="DropDatabase"):
        decode_internal(json.dumps(document).encode())


def test_only_commands_can_be_sent_internally() -> None:
    with pytest.raises(UnknownCommandTypeError):
        encode_internal(cast(Any, a_report()))


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b'{"v": 2, "type": "Tick", "command": {}}',
        b'{"v": 1, "type": "Tick", "command": {"event_id": "e"}}',
        b'{"v": 1, "type": "Tick", "command": {"event_id": "e", "report_id": "r", '
        b'"deadline": "2026-11-26T10:00:00Z"}, "origin": {"topic": "t"}}',
        b'{"v": 1, "type": "Tick", "command": {"event_id": "e", "report_id": "r", '
        b'"deadline": "2026-11-26T10:00:00Z"}, "origin": {"topic": "t", "partition": 0, '
        b'"offset": 1, "value": "not base64!"}}',
    ],
    ids=["not json", "not an object", "other version", "invalid command", "origin", "base64"],
)
def test_a_record_we_did_not_write_is_an_internal_message_error(raw: bytes) -> None:
    with pytest.raises(InternalMessageError):
        decode_internal(raw)


def test_an_internal_link_keeps_its_types() -> None:
    link = LinkReport(
        event_id="e-1",
        report_id="CPR-1",
        service=a_service(),
        priority=2,
        severity=a_create().severity,
        description="no dial tone",
        requested_resolution_date=NOW,
    )

    decoded = decode_internal(encode_internal(link)).command

    assert decoded == link
    assert type(decoded) is LinkReport


def test_a_typical_report_round_trips_through_the_table() -> None:
    report = a_typical_report()

    assert decode_report(encode_report(report)) == report


def test_a_stored_report_is_compact_and_versioned() -> None:
    raw = encode_report(a_report())
    document = json.loads(raw)

    assert document["v"] == STATE_VERSION
    assert raw == json.dumps(document, separators=(",", ":")).encode()
    assert "sla" not in document["state"]
    assert "known_error" not in document["state"]


def test_a_service_trouble_round_trips_through_the_table() -> None:
    trouble = a_service_trouble()

    assert decode_service_trouble(encode_service_trouble(trouble)) == trouble


@settings(max_examples=100, deadline=None)
@given(report=_every_field(CustomerProblemReport, sla=st.none() | SLA_TRACKS))
def test_any_report_round_trips_through_the_table(report: CustomerProblemReport) -> None:
    assert decode_report(encode_report(report)) == report


@settings(max_examples=100, deadline=None)
@given(trouble=_every_field(ServiceTrouble))
def test_any_service_trouble_round_trips_through_the_table(trouble: ServiceTrouble) -> None:
    assert decode_service_trouble(encode_service_trouble(trouble)) == trouble


def test_a_value_of_another_state_version_is_refused_naming_the_version() -> None:
    document = json.loads(encode_report(a_report()))
    document["v"] = STATE_VERSION + 1

    with pytest.raises(StateDecodeError, match=f"version {STATE_VERSION + 1}"):
        decode_report(json.dumps(document).encode())


def test_a_changed_state_shape_of_another_version_is_refused_naming_the_version() -> None:
    with pytest.raises(StateDecodeError, match=f"version {STATE_VERSION + 1}"):
        decode_report(b'{"v": %d, "report": {"id": "CPR-1"}}' % (STATE_VERSION + 1))


def _as_version_3(raw: bytes) -> bytes:
    """What version 3 wrote: the same shape, without a resolution code."""
    document = json.loads(raw)
    assert "resolution_code" not in document["state"]
    document["v"] = 3
    return json.dumps(document).encode()


def test_a_report_of_version_3_is_read_without_a_resolution_code() -> None:
    report = a_report_with_an_sla()

    decoded = decode_report(_as_version_3(encode_report(report)))

    assert decoded == report
    assert decoded.resolution_code is None


def test_a_service_trouble_of_version_3_is_read_too() -> None:
    trouble = a_service_trouble()

    assert decode_service_trouble(_as_version_3(encode_service_trouble(trouble))) == trouble


def test_a_resolution_code_is_stored_from_version_4() -> None:
    report = replace(a_report(Status.RESOLVED), resolution_code=ResolutionCode.NO_FAULT_FOUND)

    raw = encode_report(report)

    assert json.loads(raw)["state"]["resolution_code"] == "noFaultFound"
    assert decode_report(raw) == report


def test_a_report_of_version_4_is_read_without_a_ladder_hold() -> None:
    report = a_report_with_an_sla()
    document = json.loads(encode_report(report))
    assert "ladder_delay" not in document["state"]["sla"]["clock"]
    document["v"] = 4

    decoded = decode_report(json.dumps(document).encode())

    assert decoded == report
    assert decoded.sla is not None
    assert decoded.sla.clock.ladder_delay == timedelta(0)


def test_a_ladder_hold_is_stored_from_version_5() -> None:
    report = a_report_with_an_sla()
    assert report.sla is not None
    held = replace(
        report, sla=replace(report.sla, clock=replace(report.sla.clock, ladder_delay=HOLD))
    )

    raw = encode_report(held)

    assert json.loads(raw)["state"]["sla"]["clock"]["ladder_delay"] == "PT40M"
    assert decode_report(raw) == held


def _inline_progress(document: dict[str, Any]) -> None:
    """What version 5 wrote: the progress fields beside the others."""
    document.update(document.pop("progress", {}))


def test_a_report_of_version_5_is_read_with_its_delegated_progress_nested() -> None:
    report = a_report(
        Status.IN_PROGRESS,
        delegated=(
            service_work(status=DelegatedStatus.IN_PROGRESS),
            with_progress(partner_work(), external_id="ACME-1", expected_resolution_date=NOW),
        ),
    )
    document = json.loads(encode_report(report))
    for work in document["state"]["delegated"]:
        _inline_progress(work)
    document["v"] = 5
    assert document["state"]["delegated"][1]["external_id"] == "ACME-1"

    assert decode_report(json.dumps(document).encode()) == report


def test_a_service_trouble_of_version_5_is_read_with_its_progress_nested() -> None:
    trouble = replace(
        a_service_trouble(),
        progress=Progress(status=DelegatedStatus.PENDING, external_id="SPM-7"),
    )
    document = json.loads(encode_service_trouble(trouble))
    _inline_progress(document["state"])
    document["v"] = 5
    assert document["state"]["status"] == "pending"

    assert decode_service_trouble(json.dumps(document).encode()) == trouble


def test_a_report_of_version_6_is_read_without_retried_work() -> None:
    report = replace(a_report_with_an_sla(), delegated=(partner_work(),))
    document = json.loads(encode_report(report))
    assert set(document["state"]["delegated"][0]) & {"retries", "superseded", "retry_at"} == set()
    document["v"] = 6

    decoded = decode_report(json.dumps(document).encode())

    assert decoded == report
    assert [(w.retries, w.superseded, w.retry_at) for w in decoded.delegated] == [(0, False, None)]


def test_retried_work_is_stored_from_version_7() -> None:
    retried = replace(partner_work(), retries=2, superseded=True, retry_at=NOW)
    report = replace(a_report_with_an_sla(), delegated=(retried,))

    raw = encode_report(report)

    assert json.loads(raw)["state"]["delegated"][0]["retries"] == 2
    assert decode_report(raw) == report


def test_a_service_trouble_of_version_7_is_read_without_an_impact() -> None:
    trouble = a_service_trouble()
    document = json.loads(encode_service_trouble(trouble))
    assert "impact_sent" not in document["state"]
    document["v"] = 7

    decoded = decode_service_trouble(json.dumps(document).encode())

    assert decoded == trouble
    assert (decoded.impact_sent, decoded.impact_due) == (None, None)
    assert decoded.impact_outdated


def test_an_impact_and_the_ratings_of_linked_reports_are_stored_from_version_8() -> None:
    impact = Impact(report_ids=("CPR-1", "CPR-2"), priority=1, severity=Severity.CRITICAL)
    trouble = replace(
        a_service_trouble(),
        linked_reports=(
            LinkedReport(report_id="CPR-1", priority=1, severity=Severity.MAJOR),
            LinkedReport(report_id="CPR-2", priority=3, severity=Severity.CRITICAL),
        ),
        impact_sent=impact,
        impact_due=NOW + timedelta(seconds=10),
        impact_told_at=NOW,
    )

    raw = encode_service_trouble(trouble)

    assert json.loads(raw)["v"] == STATE_VERSION
    assert decode_service_trouble(raw) == trouble
    assert not decode_service_trouble(raw).impact_outdated


def test_a_report_of_version_8_is_read_without_an_sla_measure_or_finished_cycles() -> None:
    report = a_report_with_an_sla()
    document = json.loads(encode_report(report))
    assert not {"measure", "completed"} & set(document["state"]["sla"])
    document["v"] = 8

    decoded = decode_report(json.dumps(document).encode())

    assert decoded == report
    assert decoded.sla is not None
    assert (decoded.sla.measure, decoded.sla.completed) == (None, ())


def test_an_sla_measure_and_finished_cycles_are_stored_from_version_9() -> None:
    report = a_report_with_an_sla()
    assert report.sla is not None
    measured = replace(
        report,
        sla=replace(
            report.sla,
            measure=SlaMeasure(
                rule="priority-1",
                at=NOW,
                elapsed=timedelta(hours=5),
                remaining=timedelta(0),
                paused_for=timedelta(minutes=20),
                breached_at=NOW - timedelta(hours=1),
            ),
            completed=(CycleOutcome(cycle=1, start=NOW - DAY, end=NOW - DAY / 2, met=True),),
        ),
    )

    raw = encode_report(measured)

    assert json.loads(raw)["v"] == STATE_VERSION == 9
    assert decode_report(raw) == measured


HOLD = timedelta(minutes=40)
DAY = timedelta(days=1)


def a_report_with_an_sla() -> CustomerProblemReport:
    clock = SlaClock(cycle=2, cycle_start=NOW, last_customer_update=NOW, running_since=NOW)
    return replace(a_typical_report(), sla=SlaTrack(clock=clock, next_tick=NOW))


def _as_version_2(raw: bytes) -> bytes:
    """What version 2 wrote: the SLA clock named the rule it started under."""
    document = json.loads(raw)
    if "sla" in document["state"]:
        document["state"]["sla"]["clock"]["rule_name"] = "priority-2"
    document["v"] = 2
    return json.dumps(document).encode()


def test_a_report_of_version_2_is_read_without_the_name_of_its_rule() -> None:
    report = a_report_with_an_sla()

    assert decode_report(_as_version_2(encode_report(report))) == report
    assert decode_report(_as_version_2(encode_report(a_typical_report()))) == a_typical_report()


def test_a_service_trouble_of_version_2_is_read_too() -> None:
    trouble = a_service_trouble()

    assert decode_service_trouble(_as_version_2(encode_service_trouble(trouble))) == trouble


def _as_version_1(raw: bytes) -> bytes:
    """What version 1 wrote: the remembered event ids only (and a named rule)."""
    document = json.loads(_as_version_2(raw))
    state = document["state"]
    state["recent_event_ids"] = [seen["event_id"] for seen in state.pop("recent_events")]
    document["v"] = 1
    return json.dumps(document).encode()


def test_a_report_of_version_1_is_read_with_its_events_remembered_without_digest() -> None:
    report = a_report_with_an_sla()

    decoded = decode_report(_as_version_1(encode_report(report)))

    assert decoded.recent_event_ids == report.recent_event_ids
    assert {seen.digest for seen in decoded.recent_events} == {""}
    assert replace(decoded, recent_events=report.recent_events) == report


def test_a_service_trouble_of_version_1_is_read_too() -> None:
    trouble = a_service_trouble()

    decoded = decode_service_trouble(_as_version_1(encode_service_trouble(trouble)))

    assert decoded == replace(
        trouble,
        recent_events=tuple(SeenEvent(event_id=seen.event_id) for seen in trouble.recent_events),
    )


def test_a_version_1_report_that_remembered_nothing_is_read() -> None:
    document = json.loads(encode_report(a_report()))
    document["v"] = 1

    assert decode_report(json.dumps(document).encode()) == a_report()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{}",
        b'{"v": 3, "state": {"id": "CPR-1"}}',
        b'{"v": 2, "state": {"id": "CPR-1"}}',
        b'{"v": 2, "state": {"id": "CPR-1", "sla": {"clock": "p1"}}}',
        b'{"v": 1, "state": {"id": "CPR-1"}}',
        b'{"v": 1, "state": {"id": "CPR-1", "recent_event_ids": 7}}',
        b'{"v": 1, "state": []}',
    ],
)
def test_a_value_that_is_no_stored_report_is_refused(raw: bytes) -> None:
    with pytest.raises(StateDecodeError):
        decode_report(raw)


def test_a_service_trouble_value_is_not_a_report() -> None:
    with pytest.raises(StateDecodeError):
        decode_report(encode_service_trouble(a_service_trouble()))
