"""A table value keeps the state and the records its recent decisions sent, and reads
back exactly; a bare state (every value written before records were kept) and a value of
the earlier frame (records without heads) still read. Records are parsed only when asked."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from problem_tracker.contracts.stored import (
    LEGACY_MAGIC,
    MAGIC,
    DecidedInput,
    SentRecord,
    Stored,
    StoredDecodeError,
    decode_stored,
    encode_stored,
)

STATE = b'{"v":4,"state":{"id":"CPR-1"}}'

records = st.builds(
    SentRecord,
    topic=st.text(min_size=1, max_size=20),
    partition=st.none() | st.integers(0, 1000),
    key=st.none() | st.binary(max_size=40),
    value=st.none() | st.binary(max_size=200),
    headers=st.lists(st.tuples(st.text(max_size=10), st.binary(max_size=20)), max_size=3).map(
        tuple
    ),
    timestamp=st.none() | st.floats(0, 4e9, allow_nan=False),
)
decided = st.builds(
    DecidedInput.of,
    event_id=st.text(max_size=30),
    topic=st.text(min_size=1, max_size=20),
    partition=st.integers(0, 1000),
    offset=st.integers(0, 2**62),
    records=st.lists(records, max_size=4).map(tuple),
)


@given(st.binary(min_size=1, max_size=300).map(lambda b: b"{" + b), st.lists(decided, max_size=4))
def test_a_stored_value_reads_back_as_it_was_written(state: bytes, entries: list) -> None:
    stored = Stored(state, tuple(entries))

    assert decode_stored(encode_stored(stored)) == stored


def test_a_value_with_nothing_kept_is_the_bare_state_as_before() -> None:
    assert encode_stored(Stored(STATE)) == STATE
    assert decode_stored(STATE) == Stored(STATE)


def test_the_kept_records_of_an_input_are_found_by_its_event_id() -> None:
    sent = SentRecord("customer-problem.notifications", None, b"CPR-1", b"{}", (), 1.5)
    entry = DecidedInput.of("e-1", "app-report-commands", 2, 40, (sent,))
    stored = decode_stored(encode_stored(Stored(STATE, (entry,))))

    assert stored.state == STATE
    assert stored.decided_for("e-1") == entry
    assert stored.decided_for("e-1").records == (sent,)
    assert stored.decided_for("e-2") is None


def test_a_value_of_the_earlier_frame_reads_with_its_records() -> None:
    legacy = (
        LEGACY_MAGIC
        + len(STATE).to_bytes(4, "big")
        + STATE
        + b'[{"e":"e-1","t":"app-report-commands","p":2,"o":40,'
        + b'"r":[["customer-problem.notifications",null,"Q1BSLTE=","e30=",[["h","dg=="]],1.5]]}]'
    )

    stored = decode_stored(legacy)

    assert stored.state == STATE
    assert [(e.event_id, e.topic, e.partition, e.offset) for e in stored.decided] == [
        ("e-1", "app-report-commands", 2, 40)
    ]
    sent = SentRecord("customer-problem.notifications", None, b"CPR-1", b"{}", (("h", b"v"),), 1.5)
    assert stored.decided[0].records == (sent,)
    assert decode_stored(encode_stored(stored)) == stored


def test_records_are_carried_as_bytes_and_parsed_only_when_sent_again() -> None:
    heads = b'[["e-1","t",0,7,9],["e-2","t",0,8,2]]'
    raw = (
        (MAGIC + len(STATE).to_bytes(4, "big") + STATE + len(heads).to_bytes(4, "big") + heads)
        + b"not json!"
        + b"[]"
    )

    stored = decode_stored(raw)

    assert [(e.event_id, e.offset) for e in stored.decided] == [("e-1", 7), ("e-2", 8)]
    assert stored.decided[1].records == ()
    assert encode_stored(stored) == raw
    with pytest.raises(StoredDecodeError, match="invalid stored value"):
        _ = stored.decided[0].records


def _frame(heads: bytes, records: bytes) -> bytes:
    return MAGIC + b"\x00\x00\x00\x01{" + len(heads).to_bytes(4, "big") + heads + records


@pytest.mark.parametrize(
    "raw",
    [
        MAGIC + b"\x00\x00\x10\x00" + STATE,  # the state is cut short
        MAGIC + b"\x00\x00",  # no length
        MAGIC + b"\x00\x00\x00\x01{",  # no heads
        _frame(b"not json", b""),
        _frame(b'[["x","t",true,1,0]]', b""),
        _frame(b'[["x","t",0,1,5]]', b"[]"),  # the records are cut short
        _frame(b'[["x","t",0,1,2]]', b"[][]"),  # bytes left over
        _frame(b'[["x","t",0]]', b""),
        LEGACY_MAGIC + b"\x00\x00\x00\x01{" + b"not json",
        LEGACY_MAGIC + b"\x00\x00\x00\x01{" + b'[{"e": 1}]',
        LEGACY_MAGIC + b"\x00\x00\x00\x01{" + b'[{"e":"x","t":"t","p":true,"o":1,"r":[]}]',
        LEGACY_MAGIC
        + b"\x00\x00\x00\x01{"
        + b'[{"e":"x","t":"t","p":0,"o":1,"r":[["t",0,5,null,[],null]]}]',
        LEGACY_MAGIC
        + b"\x00\x00\x00\x01{"
        + b'[{"e":"x","t":"t","p":0,"o":1,"r":[["t",0,"@@",null,[],null]]}]',
    ],
)
def test_a_value_this_version_cannot_read_says_so(raw: bytes) -> None:
    with pytest.raises(StoredDecodeError, match="invalid stored value"):
        decode_stored(raw)
