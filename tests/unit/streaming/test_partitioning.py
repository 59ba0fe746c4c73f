"""Where the worker puts a report's records, whatever upstream's partitioner did."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from problem_tracker.streaming.partitioning import (
    origin_header,
    parse_origin_header,
    partition_for,
)


@pytest.mark.parametrize(
    ("key", "java_murmur2"),
    [
        # Kafka's own test vectors for org.apache.kafka.common.utils.Utils.murmur2
        (b"21", -973932308),
        (b"foobar", -790332482),
        (b"a-little-bit-long-string", -985981536),
        (b"a-little-bit-longer-string", -1486304829),
        (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        (b"abc", 479470107),
    ],
)
def test_a_key_goes_where_javas_default_partitioner_would_put_it(
    key: bytes, java_murmur2: int
) -> None:
    for partitions in (1, 3, 6, 12):
        assert partition_for(key, partitions) == (java_murmur2 & 0x7FFFFFFF) % partitions


@given(key=st.binary(max_size=80), partitions=st.integers(min_value=1, max_value=64))
def test_every_key_has_one_partition_in_range(key: bytes, partitions: int) -> None:
    assert 0 <= partition_for(key, partitions) < partitions
    assert partition_for(key, partitions) == partition_for(bytes(key), partitions)


def test_a_record_without_a_key_goes_to_the_first_partition() -> None:
    assert partition_for(None, 6) == 0


@given(
    topic=st.text(alphabet="abcXYZ019._-", min_size=1, max_size=40),
    partition=st.integers(min_value=0, max_value=10_000),
    offset=st.integers(min_value=0, max_value=2**62),
)
def test_the_origin_header_round_trips(topic: str, partition: int, offset: int) -> None:
    _, value = origin_header(topic, partition, offset)
    assert parse_origin_header(value) == (topic, partition, offset)


@pytest.mark.parametrize("value", [b"", b"1/2", b"x/2/t", b"1/2/"])
def test_a_forged_origin_header_is_refused(value: bytes) -> None:
    with pytest.raises(ValueError, match="not an origin header"):
        parse_origin_header(value)
