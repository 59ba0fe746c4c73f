"""Table values: the state of a customer problem report (keyed by report id) and of the
shared service trouble of a service (keyed by service id), as compact JSON with a schema
version, so that a later change of the state types can migrate what the changelogs hold.

Only fields that differ from their defaults are written; reading fills the defaults in.
A report's SLA (clock, partner legs, next deadline) is part of its value, so a restored
worker resumes every timer where it was.

Versions, each still read:

- 9 stores what a report's SLA measured at its last change (``SlaTrack.measure``: rule,
  time used, left and paused, breach instant) and the outcome of its finished cycles
  (``completed``); a version 8 track has neither (the fields' defaults), so it is read as
  it is, and measured at its next change.
- 8 stores what a shared service trouble last told Service Problem Management of its
  impact, when, and when the next impact update is due (``impact_sent``,
  ``impact_told_at``, ``impact_due``), with each linked report's priority and severity
  (contract v1.1); and, of a report's partner OLA leg, since when it is paused (the
  partner ``pending`` on us, ``paused_since``) and the partner ladder's calls still to
  make (``calls``). Version 7 values have none of it (the fields' defaults) and are read
  as they are: a trouble tells its impact on its next change, a leg runs and calls nobody
  after the partner manager.
- 7 stores the operator controls of contract v1.1: failed delegated work requested again
  (how often it was, ``retries``; whether a newer request replaced it, ``superseded``; when
  the rule's automatic retry is due, ``retry_at``), an open question to the customer
  (``information_request``) and the assignee's role (``assignee_role``); a version 6
  value has none of them (the fields' defaults), so it is read as it is.
- 6 keeps what is known of delegated work (status, the other side's id, its expected
  resolution date) as one ``progress`` value, in a report's delegated work and in a
  service trouble; a version 5 or older value has these fields inline and is nested on
  reading.
- 5 stores by how much acknowledged escalations held the breach ladder back (the clock's
  ``ladder_delay``, contract v1.1); a version 4 clock has no hold (the field's default), so
  it is read as it is.
- 4 stores how a report's current cycle was resolved (``resolution_code``, contract
  v1.1); a version 3 report has none (the field's default), so it is read as it is.
- 3 stores a report's SLA clock without the name of the rule it started under (every
  decision looks the rule up afresh; nothing read the name); a version 2 or 1 clock's
  ``rule_name`` is dropped.
- 2 remembers each applied inbound event with the digest of its content
  (``recent_events``, to tell a redelivery from a reused id).
- 1 kept the ids only (``recent_event_ids``): its events are remembered without a digest
  (a later event with such an id is taken as a redelivery, as version 1 did).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Generic, TypeVar

import pydantic_core
from pydantic import TypeAdapter, ValidationError

from problem_tracker.domain.report import CustomerProblemReport
from problem_tracker.domain.service_trouble import ServiceTrouble

STATE_VERSION: Final = 9
_WITHOUT_DIGESTS: Final = 1
_WITH_RULE_NAMES: Final = 2
_WITHOUT_RESOLUTION_CODES: Final = 3
_WITHOUT_LADDER_DELAYS: Final = 4
_WITH_INLINE_PROGRESS: Final = 5
_WITHOUT_RETRIED_WORK: Final = 6
_WITHOUT_IMPACTS: Final = 7
_WITHOUT_SLA_MEASURES: Final = 8

S = TypeVar("S")


class StateDecodeError(ValueError):
    """A table value this version cannot read."""


@dataclass(frozen=True, slots=True)
class _Record(Generic[S]):
    v: int
    state: S


@cache
def _report_adapter() -> TypeAdapter[_Record[CustomerProblemReport]]:
    return TypeAdapter(_Record[CustomerProblemReport])


@cache
def _service_trouble_adapter() -> TypeAdapter[_Record[ServiceTrouble]]:
    return TypeAdapter(_Record[ServiceTrouble])


def encode_report(state: CustomerProblemReport) -> bytes:
    return _encode(_report_adapter(), state)


def decode_report(raw: bytes) -> CustomerProblemReport:
    return _decode(_report_adapter(), raw)


def encode_service_trouble(state: ServiceTrouble) -> bytes:
    return _encode(_service_trouble_adapter(), state)


def decode_service_trouble(raw: bytes) -> ServiceTrouble:
    return _decode(_service_trouble_adapter(), raw)


def _encode(adapter: TypeAdapter[_Record[S]], state: S) -> bytes:
    return adapter.dump_json(_Record(STATE_VERSION, state), exclude_defaults=True)


def _decode(adapter: TypeAdapter[_Record[S]], raw: bytes) -> S:
    version = _version_of(raw)
    if version in (
        _WITHOUT_DIGESTS,
        _WITH_RULE_NAMES,
        _WITHOUT_RESOLUTION_CODES,
        _WITHOUT_LADDER_DELAYS,
        _WITH_INLINE_PROGRESS,
        _WITHOUT_RETRIED_WORK,
        _WITHOUT_IMPACTS,
        _WITHOUT_SLA_MEASURES,
    ):
        raw = _upgraded(raw, version)
    try:
        record = adapter.validate_json(raw)
    except ValidationError as exc:
        raise StateDecodeError(_why(raw, exc)) from exc
    if record.v != STATE_VERSION:
        raise StateDecodeError(f"unsupported state version {record.v!r}")
    return record.state


def _upgraded(raw: bytes, version: int) -> bytes:
    """A value of an older version in the shape of this one."""
    document = pydantic_core.from_json(raw)
    state = document.get("state")
    if isinstance(state, dict):
        if version == _WITHOUT_DIGESTS:
            _remember_without_digests(state)
        if version in (_WITHOUT_DIGESTS, _WITH_RULE_NAMES):
            _forget_rule_name(state)
        if version <= _WITH_INLINE_PROGRESS:
            _nest_progress(state)
    document["v"] = STATE_VERSION
    return pydantic_core.to_json(document)


def _remember_without_digests(state: dict[str, Any]) -> None:
    """Version 1 → 2: remembered event ids become remembered events without a digest."""
    if "recent_event_ids" in state:
        ids = state.pop("recent_event_ids")
        if isinstance(ids, list):
            state["recent_events"] = [{"event_id": event_id} for event_id in ids]
        else:
            state["recent_event_ids"] = ids  # let validation say what is wrong


def _forget_rule_name(state: dict[str, Any]) -> None:
    """Version 2 → 3: the SLA clock no longer names its rule."""
    sla = state.get("sla")
    clock = sla.get("clock") if isinstance(sla, dict) else None
    if isinstance(clock, dict):
        clock.pop("rule_name", None)


PROGRESS_FIELDS: Final = ("status", "external_id", "expected_resolution_date")


def _nest_progress(state: dict[str, Any]) -> None:
    """Version 5 → 6: a report's delegated work and a service trouble (the value that has
    a ``generation``) keep their progress fields in one ``progress`` value."""
    delegated = state.get("delegated")
    if isinstance(delegated, list):
        for work in delegated:
            if isinstance(work, dict):
                _nest_fields(work)
    if "generation" in state:
        _nest_fields(state)


def _nest_fields(document: dict[str, Any]) -> None:
    progress = {field: document.pop(field) for field in PROGRESS_FIELDS if field in document}
    if progress:
        document["progress"] = progress


def _why(raw: bytes, exc: ValidationError) -> str:
    """A wrong version is the likely cause of a shape mismatch: say so first."""
    version = _version_of(raw)
    if version is not None and version != STATE_VERSION:
        return f"unsupported state version {version!r}"
    return f"invalid state: {exc}"


def _version_of(raw: bytes) -> Any:
    try:
        document = pydantic_core.from_json(raw)
    except ValueError:
        return None
    return document.get("v") if isinstance(document, dict) else None
