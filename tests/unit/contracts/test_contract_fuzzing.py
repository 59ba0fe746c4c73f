"""Fuzzing every decoder of the contracts: whatever bytes or JSON arrive, a decoder returns
a typed message, a deletion or a rejection with a contract code (the wire decoders), or
raises only its own documented error (the internal and state decoders, which the shell
dead-letters). Nothing else ever escapes."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from contract_samples import raw, sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from problem_tracker.contracts.codec import (
    decode_customer_event,
    decode_delegated_event,
    decode_message,
    decode_reference,
)
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import (
    Decoded,
    DelegatedKind,
    Deletion,
    ReferenceKind,
    Rejection,
    RejectionCode,
)
from problem_tracker.contracts.registry import Channel, message_specs
from problem_tracker.domain.commands import Hold
from problem_tracker.translation.internal import (
    InternalMessage,
    InternalMessageError,
    decode_internal,
    encode_internal,
)
from problem_tracker.translation.state import (
    StateDecodeError,
    decode_report,
    decode_service_trouble,
)

DECODING_CODES = {
    RejectionCode.MALFORMED_JSON,
    RejectionCode.SCHEMA_VIOLATION,
    RejectionCode.UNKNOWN_EVENT_TYPE,
    RejectionCode.KEY_MISMATCH,
    RejectionCode.OVERSIZED,
}
WINDOW = DecodeLimits(
    max_message_bytes=64 * 1024,
    earliest=datetime(2000, 1, 1, tzinfo=UTC),
    latest=datetime(2031, 1, 1, tzinfo=UTC),
)
INBOUND_CHANNELS = {
    Channel.CUSTOMER_EVENTS,
    Channel.SERVICE_TROUBLE_EVENTS,
    Channel.PARTNER_PROBLEM_EVENTS,
    Channel.KNOWN_ERRORS,
    Channel.COMPONENT_OWNERSHIP,
}
INBOUND = [m for m in message_specs() if m.channel in INBOUND_CHANNELS]

hostile_times = st.sampled_from(
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2026-11-26T10:00:00",
        "2026-02-30T10:00:00Z",
        "2026-11-26T24:00:00Z",
        "2026-11-26T10:00:00+25:00",
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | hostile_times
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=25,
)
keys = st.none() | st.binary(max_size=80) | st.sampled_from([b"CPR-1001", b"KE-2026-17"])


def assert_decoded_or_rejected(outcome: object) -> None:
    assert isinstance(outcome, Decoded | Deletion | Rejection)
    if isinstance(outcome, Rejection):
        assert outcome.code in DECODING_CODES
        assert outcome.message
        assert outcome.path is None or outcome.path == "" or outcome.path.startswith("/")


def every_wire_decoder(key: bytes | None, value: bytes | None, limits: DecodeLimits) -> None:
    assert_decoded_or_rejected(decode_customer_event(key, value, limits))
    for delegated in DelegatedKind:
        assert_decoded_or_rejected(decode_delegated_event(delegated, key, value, limits))
    for reference in ReferenceKind:
        assert_decoded_or_rejected(decode_reference(reference, key, value, limits))


def leaves(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(document, dict):
        return [prefix, *(p for k, v in document.items() for p in leaves(v, (*prefix, k)))]
    if isinstance(document, list):
        return [prefix, *(p for i, v in enumerate(document) for p in leaves(v, (*prefix, i)))]
    return [prefix]


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, list):
        return [replaced(v, rest, value) if i == head else v for i, v in enumerate(document)]
    return {k: replaced(v, rest, value) if k == head else v for k, v in document.items()}


@settings(max_examples=300, deadline=None)
@given(key=keys, value=st.none() | st.binary(max_size=2000))
def test_no_bytes_make_a_wire_decoder_raise(key: bytes | None, value: bytes | None) -> None:
    every_wire_decoder(key, value, WINDOW)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), message=st.sampled_from(INBOUND), value=json_values)
def test_any_field_of_any_inbound_message_replaced_by_hostile_json_never_raises(
    data: st.DataObject, message: Any, value: Any
) -> None:
    document = sample(message.name)
    path = data.draw(st.sampled_from(leaves(document)))
    text = json.dumps(replaced(document, path, value), allow_nan=True)

    every_wire_decoder(data.draw(keys), text.encode(), WINDOW)


@settings(max_examples=200, deadline=None)
@given(
    message=st.sampled_from(INBOUND),
    duplicated=st.integers(min_value=0, max_value=10_000),
    cut=st.integers(min_value=0, max_value=10_000),
    junk=st.binary(max_size=8),
)
def test_valid_messages_with_a_repeated_key_or_spliced_bytes_never_raise(
    message: Any, duplicated: int, cut: int, junk: bytes
) -> None:
    valid = raw(sample(message.name))
    document_keys = [k for k in json.loads(valid) if isinstance(k, str)]
    name = document_keys[duplicated % len(document_keys)]
    twice = valid[:-1] + f',"{name}":null}}'.encode()
    spliced = valid[: cut % len(valid)] + junk + valid[cut % len(valid) :]

    outcome = decode_message(message.channel, twice, WINDOW)
    assert outcome == Rejection(RejectionCode.MALFORMED_JSON, f"duplicate object key {name!r}")
    every_wire_decoder(None, spliced, WINDOW)


@pytest.mark.parametrize(
    "value",
    [
        b"[" * 200_000,
        b'{"a":' * 100_000,
        b'{"eventId":' + b"9" * 60_000 + b"}",
        b'"' + b"\\u0000" * 10_000 + b'"',
        b"\xef\xbb\xbf{}",
        b'{"eventType":"CustomerProblemReportCreateEvent","x":1e999999}',
    ],
    ids=["deep-arrays", "deep-objects", "long-integer", "escaped-nuls", "bom", "huge-float"],
)
def test_hostile_shapes_are_rejected_not_raised(value: bytes) -> None:
    every_wire_decoder(b"CPR-1001", value, DecodeLimits(max_message_bytes=1_000_000))


@settings(max_examples=300, deadline=None)
@given(value=st.binary(max_size=500) | json_values.map(lambda v: json.dumps(v).encode()))
def test_an_internal_record_is_a_command_or_an_internal_message_error(value: bytes) -> None:
    try:
        message = decode_internal(value)
    except InternalMessageError:
        return
    assert isinstance(message, InternalMessage)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), value=json_values)
def test_a_tampered_internal_record_is_a_command_or_an_internal_message_error(
    data: st.DataObject, value: Any
) -> None:
    document = json.loads(encode_internal(Hold(event_id="e-1", report_id="CPR-1", reason="r")))
    path = data.draw(st.sampled_from(leaves(document)))
    tampered = json.dumps(replaced(document, path, value), allow_nan=True).encode()

    try:
        message = decode_internal(tampered)
    except InternalMessageError:
        return
    assert isinstance(message, InternalMessage)


@settings(max_examples=200, deadline=None)
@given(value=st.binary(max_size=500) | json_values.map(lambda v: json.dumps(v).encode()))
def test_a_table_value_is_a_state_or_a_state_decode_error(value: bytes) -> None:
    for decode in (decode_report, decode_service_trouble):
        with contextlib.suppress(StateDecodeError):
            decode(value)
