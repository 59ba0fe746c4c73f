"""Properties: no input makes a decoder raise; whatever decodes re-encodes to itself."""

from __future__ import annotations

import json
from typing import Any

from contract_samples import LIMIT, raw, sample
from hypothesis import given
from hypothesis import strategies as st

from problem_tracker.contracts.codec import (
    decode_customer_event,
    decode_delegated_event,
    decode_message,
    decode_reference,
    encode,
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
from problem_tracker.contracts.registry import message_specs

DECODING_CODES = {
    RejectionCode.MALFORMED_JSON,
    RejectionCode.SCHEMA_VIOLATION,
    RejectionCode.UNKNOWN_EVENT_TYPE,
    RejectionCode.KEY_MISMATCH,
    RejectionCode.OVERSIZED,
}
ENVELOPED = [m for m in message_specs() if m.event_type is not None]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
keys = st.none() | st.binary(max_size=70) | st.just(b"CPR-1001")


def assert_well_formed(outcome: object) -> None:
    assert isinstance(outcome, Decoded | Rejection | Deletion)
    if isinstance(outcome, Rejection):
        assert outcome.code in DECODING_CODES
        assert outcome.path is None or outcome.path == "" or outcome.path.startswith("/")


def leaves(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(document, dict):
        return [p for k, v in document.items() for p in leaves(v, (*prefix, k))]
    if isinstance(document, list):
        return [p for i, v in enumerate(document) for p in leaves(v, (*prefix, i))]
    return [prefix]


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, list):
        return [replaced(v, rest, value) if i == head else v for i, v in enumerate(document)]
    return {k: replaced(v, rest, value) if k == head else v for k, v in document.items()}


@given(key=keys, value=st.none() | st.binary(max_size=300), max_bytes=st.integers(0, 400))
def test_no_bytes_make_any_decoder_raise(
    key: bytes | None, value: bytes | None, max_bytes: int
) -> None:
    limits = DecodeLimits(max_message_bytes=max_bytes)
    assert_well_formed(decode_customer_event(key, value, limits))
    for delegated in DelegatedKind:
        assert_well_formed(decode_delegated_event(delegated, key, value, limits))
    for reference in ReferenceKind:
        assert_well_formed(decode_reference(reference, key, value, limits))


@given(
    key=keys, document=json_values, event_type=st.sampled_from([m.event_type for m in ENVELOPED])
)
def test_no_json_document_makes_a_decoder_raise(
    key: bytes | None, document: Any, event_type: str
) -> None:
    if isinstance(document, dict):
        document = {**document, "eventType": event_type}
    value = json.dumps(document).encode()

    assert_well_formed(decode_customer_event(key, value, LIMIT))
    assert_well_formed(decode_reference(ReferenceKind.KNOWN_ERRORS, key, value, LIMIT))


@given(data=st.data(), message=st.sampled_from(ENVELOPED), value=json_values)
def test_a_sample_with_any_field_replaced_decodes_or_is_rejected_and_never_raises(
    data: st.DataObject, message: Any, value: Any
) -> None:
    document = sample(message.name)
    path = data.draw(st.sampled_from(leaves(document)))

    outcome = decode_message(message.channel, raw(replaced(document, path, value)), LIMIT)

    assert_well_formed(outcome)
    if isinstance(outcome, Decoded):
        again = decode_message(message.channel, encode(outcome.message), LIMIT)
        assert again == outcome
