"""The worker owns the partitioning of its state.

A report's state lives in the table partition of the record that changed it, so every
command about one report must reach the same partition of the topics the reports agent
reads. Upstream producers partition as their client likes (librdkafka's CRC32
``consistent_random``, Java's murmur2, an explicit partition) on a topic of any partition
count, so the worker never reads customer events where upstream put them: the intake
agent forwards each one by its key into an internal repartition topic, and every send to
an internal topic names its partition, chosen here, whatever the producer's own
partitioner would have done.

The function is Java's ``Utils.murmur2`` (Kafka Streams' and aiokafka's default), so
anyone reading the internal topics with standard tools finds a key where they expect it.
"""

from __future__ import annotations

from aiokafka.partitioner import murmur2

ORIGIN_HEADER = "problem-tracker-origin"
"""Header of a repartitioned record: where upstream had put it (``topic/partition/offset``)."""


def partition_for(key: bytes | None, partitions: int) -> int:
    """The internal partition of ``key`` (a record without a key goes to partition 0)."""
    if key is None:
        return 0
    return (int(murmur2(key)) & 0x7FFFFFFF) % partitions


def origin_header(topic: str, partition: int, offset: int) -> tuple[str, bytes]:
    return ORIGIN_HEADER, f"{partition}/{offset}/{topic}".encode()


def parse_origin_header(value: bytes) -> tuple[str, int, int]:
    """``(topic, partition, offset)`` of a repartitioned record; raises ``ValueError``."""
    try:
        partition, offset, topic = value.decode().split("/", 2)
        if topic:
            return topic, int(partition), int(offset)
    except ValueError:
        pass
    raise ValueError(f"not an origin header: {value[:80]!r}")
