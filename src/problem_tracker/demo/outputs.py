"""Everything the processor published during a run, read back from the beginning.

Records are decoded with the wire contract itself, so a record the worker published
off-contract shows up as such instead of being miscounted.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from problem_tracker.admin.client_config import confluent_config
from problem_tracker.config import KafkaSettings, TopicSettings
from problem_tracker.contracts.codec import decode_message
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import Decoded
from problem_tracker.contracts.registry import Channel
from problem_tracker.simulate.kafka_io import topic_names
from problem_tracker.simulate.messages import Topic

OUTPUT_CHANNELS: dict[Topic, Channel] = {
    Topic.NOTIFICATIONS: Channel.NOTIFICATIONS,
    Topic.SERVICE_TROUBLE_REQUESTS: Channel.SERVICE_TROUBLE_REQUESTS,
    Topic.PARTNER_PROBLEM_REQUESTS: Channel.PARTNER_PROBLEM_REQUESTS,
    Topic.ESCALATIONS: Channel.ESCALATIONS,
    Topic.DLQ: Channel.DLQ,
}
OUTPUT_LIMITS = DecodeLimits(max_message_bytes=16 * 1024 * 1024)
"""Our own output is trusted in size; the inbound limit does not apply to it."""


@dataclass
class Outputs:
    """Decoded messages per output channel, in partition order (so per key, in order)."""

    messages: dict[Channel, list[Any]] = field(default_factory=dict)
    off_contract: Counter[Channel] = field(default_factory=Counter)
    complete: bool = True

    def of(self, channel: Channel) -> list[Any]:
        return self.messages.get(channel, [])

    def add(self, channel: Channel, value: bytes | None) -> None:
        outcome = decode_message(channel, value, OUTPUT_LIMITS)
        if isinstance(outcome, Decoded):
            self.messages.setdefault(channel, []).append(outcome.message)
        else:
            self.off_contract[channel] += 1


def read_outputs(
    kafka: KafkaSettings, topics: TopicSettings, *, settle: float = 1.5, timeout: float = 30.0
) -> Outputs:
    """Read every output topic to its end, then until nothing new came for ``settle`` s."""
    names = topic_names(topics)
    channels = {names(topic): channel for topic, channel in OUTPUT_CHANNELS.items()}
    consumer = Consumer(
        {
            **confluent_config(kafka),
            "group.id": f"problem-tracker-demo-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "log_level": 3,
        }
    )
    outputs = Outputs()
    try:
        pending = _assign_from_beginning(consumer, list(channels), timeout)
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if not pending and time.monotonic() - quiet_since >= settle:
                return outputs
            for message in consumer.consume(500, 0.2):
                error, where = message.error(), (str(message.topic()), message.partition() or 0)
                if error is None:
                    outputs.add(channels[str(message.topic())], message.value())
                    pending.add(where)
                    quiet_since = time.monotonic()
                elif error.code() == KafkaError._PARTITION_EOF:
                    pending.discard(where)
                elif error.fatal():
                    raise KafkaException(error)
        outputs.complete = False
        return outputs
    finally:
        consumer.close()


def _assign_from_beginning(
    consumer: Consumer, names: list[str], timeout: float
) -> set[tuple[str, int]]:
    metadata = consumer.list_topics(timeout=timeout).topics
    missing = [name for name in names if name not in metadata]
    if missing:
        raise RuntimeError(f"output topics missing: {', '.join(missing)}")
    partitions = [
        TopicPartition(name, p, OFFSET_BEGINNING)
        for name in names
        for p in metadata[name].partitions
    ]
    consumer.assign(partitions)
    return {(tp.topic, tp.partition) for tp in partitions}
