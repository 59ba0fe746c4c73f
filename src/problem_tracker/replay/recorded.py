"""The recorded inbound topics, read once and put in time order, as the replay needs them.

Every inbound topic of the contract is read from its beginning to its end offsets of now
(by assigned partitions: no consumer group joins, nothing is committed, nothing is
produced). Records are decided in the order of their timestamps; records of the same
millisecond keep the order of their topic (reference data first, so that what inventory
said is known to the record that needs it), partition and offset. A record whose value
the worker would dead-letter is counted and skipped, as the worker skips it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from problem_tracker.application.bus import Message
from problem_tracker.application.routing import ToServiceTrouble
from problem_tracker.config import KafkaSettings, TopicSettings
from problem_tracker.contracts.codec import (
    decode_customer_event,
    decode_delegated_event,
    decode_reference,
)
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import DelegatedKind, ReferenceKind, Rejection
from problem_tracker.ops.reading import Record, TopicReader
from problem_tracker.replay.engine import Recorded
from problem_tracker.translation import to_domain


class Source(IntEnum):
    """The inbound topics, in the order records of the same instant are decided."""

    COMPONENT_OWNERSHIP = 0
    KNOWN_ERRORS = 1
    CUSTOMER_EVENTS = 2
    SERVICE_TROUBLE_EVENTS = 3
    PARTNER_PROBLEM_EVENTS = 4

    @property
    def setting(self) -> str:
        """The attribute of ``TopicSettings`` naming this topic."""
        return self.name.lower()


@dataclass
class Skipped:
    """Records the replay does not decide, by why."""

    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.reasons.values())


def translate(
    source: Source, record: Record, limits: DecodeLimits, skipped: Skipped
) -> Recorded | None:
    """The record as the worker would take it, or ``None`` (counted in ``skipped``)."""
    if record.timestamp is None:
        skipped.reasons["no timestamp"] += 1
        return None
    at = record.timestamp
    if source is Source.CUSTOMER_EVENTS:
        customer = decode_customer_event(record.key, record.value, limits)
        if isinstance(customer, Rejection):
            skipped.reasons[customer.code.value] += 1
            return None
        return Recorded(at, message=to_domain.customer_command(customer.message))
    if source in (Source.SERVICE_TROUBLE_EVENTS, Source.PARTNER_PROBLEM_EVENTS):
        kind = (
            DelegatedKind.SERVICE_TROUBLE
            if source is Source.SERVICE_TROUBLE_EVENTS
            else DelegatedKind.PARTNER_PROBLEM
        )
        answer = decode_delegated_event(kind, record.key, record.value, limits)
        if isinstance(answer, Rejection):
            skipped.reasons[answer.code.value] += 1
            return None
        routed = to_domain.delegated_command(answer.message)
        if routed is None:
            skipped.reasons["unknown-correlation"] += 1
            return None
        message: Message = ToServiceTrouble(*routed) if isinstance(routed, tuple) else routed
        return Recorded(at, message=message)
    kind_of_reference = (
        ReferenceKind.KNOWN_ERRORS
        if source is Source.KNOWN_ERRORS
        else ReferenceKind.COMPONENT_OWNERSHIP
    )
    change = decode_reference(kind_of_reference, record.key, record.value, limits)
    if isinstance(change, Rejection):
        skipped.reasons[change.code.value] += 1
        return None
    return Recorded(at, reference_change=change)


def in_time_order(
    records: Iterable[tuple[Source, Record]], limits: DecodeLimits, skipped: Skipped
) -> list[Recorded]:
    """Translate every record and sort them by time, then topic, partition and offset."""
    keyed = []
    for source, record in records:
        recorded = translate(source, record, limits, skipped)
        if recorded is not None:
            keyed.append(((recorded.at, source, record.partition, record.offset), recorded))
    keyed.sort(key=lambda pair: pair[0])
    return [recorded for _, recorded in keyed]


def count_recorded(kafka: KafkaSettings, topics: TopicSettings, timeout: float) -> int:
    """How many records the inbound topics hold now (the length of a progress bar)."""
    total = 0
    for source in Source:
        with TopicReader(kafka, topics.name(getattr(topics, source.setting)), timeout) as reader:
            total += sum(high - low for low, high in reader.watermarks().values())
    return total


def read_inbound(
    kafka: KafkaSettings,
    topics: TopicSettings,
    timeout: float,
    until: datetime | None = None,
    on_record: Callable[[], None] = lambda: None,
) -> Iterator[tuple[Source, Record]]:
    """Every record of the inbound topics up to their end offsets of now, topic after
    topic; records stamped after ``until`` are left out."""
    for source in Source:
        with TopicReader(kafka, topics.name(getattr(topics, source.setting)), timeout) as reader:
            for record in reader.read_to_end():
                on_record()
                if until is None or record.timestamp is None or record.timestamp <= until:
                    yield source, record
