"""The reference loader survives any record, and readiness sees a dead loader."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import pytest

from problem_tracker.config import KafkaSettings
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import ReferenceKind
from problem_tracker.observability.metrics import Metrics
from problem_tracker.streaming import reference as reference_module
from problem_tracker.streaming.reference import ReferenceIndex, ReferenceLoader
from problem_tracker.streaming.views import Readiness

TOPICS = {
    ReferenceKind.KNOWN_ERRORS: "known-errors",
    ReferenceKind.COMPONENT_OWNERSHIP: "component-ownership",
}


@dataclass
class Record:
    """What the loader reads of a consumed Kafka message."""

    topic_name: str
    key_bytes: bytes | None
    value_bytes: bytes | None
    offset_number: int = 0

    def topic(self) -> str:
        return self.topic_name

    def key(self) -> bytes | None:
        return self.key_bytes

    def value(self) -> bytes | None:
        return self.value_bytes

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self.offset_number


def ownership(entity_id: str) -> Record:
    value = {
        "eventId": f"own-{entity_id}",
        "eventTime": "2026-11-26T10:00:00Z",
        "eventType": "ComponentOwnershipEvent",
        "correlationId": entity_id,
        "domain": "Inventory",
        "event": {
            "componentOwnership": {
                "entityId": entity_id,
                "referredType": "Service",
                "owner": {"id": "noc", "role": "internal"},
            }
        },
    }
    return Record("component-ownership", entity_id.encode(), json.dumps(value).encode())


class ExplodingIndex(ReferenceIndex):
    """An index that fails on one entity, as a defect of ours would."""

    def apply(self, outcome: Any) -> None:
        if getattr(outcome, "message", None) is not None:
            ownership = outcome.message.event.component_ownership
            if ownership.entity_id == "svc-boom":
                raise RuntimeError("boom")
        super().apply(outcome)


def loader(index: ReferenceIndex, metrics: Metrics | None = None) -> ReferenceLoader:
    return ReferenceLoader(KafkaSettings(), TOPICS, index, DecodeLimits(), metrics)


def test_a_record_whose_processing_raises_is_counted_and_the_next_one_is_applied() -> None:
    metrics = Metrics()
    index = ExplodingIndex()
    reference = loader(index, metrics)

    for record in (ownership("svc-boom"), ownership("svc-ok")):
        reference._apply_safely(record)  # type: ignore[arg-type]

    assert index.owner_of("svc-boom") is None
    assert index.owner_of("svc-ok") is not None
    errors = metrics.registry.get_sample_value(
        "problem_tracker_reference_errors_total", {"kind": "component-ownership"}
    )
    assert errors == 1


@pytest.mark.parametrize(
    "value",
    [
        b"\x01" * 1000,
        b'{"eventType":"KnownErrorEvent","eventTime":"0001-01-01T00:00:00+14:00"}',
        b"[" * 100_000,
        None,
    ],
    ids=["control-bytes", "time-before-year-1", "deep-nesting", "tombstone"],
)
def test_hostile_reference_records_are_skipped_without_an_error(value: bytes | None) -> None:
    metrics = Metrics()
    index = ReferenceIndex()
    reference = loader(index, metrics)

    reference._apply_safely(Record("known-errors", b"KE-1", value))  # type: ignore[arg-type]

    assert index.sizes() == {"owners": 0, "known_errors": 0}
    assert metrics.registry.get_sample_value(
        "problem_tracker_reference_errors_total", {"kind": "known-errors"}
    ) in (None, 0)


class BrokenConsumer:
    """A consumer whose cluster answers nothing but errors."""

    closed = threading.Event()

    def __init__(self, config: dict[str, Any]) -> None:
        del config

    def list_topics(self, timeout: float) -> Any:
        raise RuntimeError("metadata request failed")

    def close(self) -> None:
        BrokenConsumer.closed.set()


def test_a_dead_loader_makes_the_worker_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference_module, "Consumer", BrokenConsumer)
    reference = loader(ReferenceIndex())
    reference.loaded.set()
    readiness = Readiness(reference.loaded, reference.alive)
    readiness.rebalanced = True
    assert readiness.problems() == ["the reference data loader has stopped"]  # not started

    reference.start()
    assert BrokenConsumer.closed.wait(5)
    reference.stop()

    assert not reference.alive()
    assert readiness.problems() == ["the reference data loader has stopped"]


def test_a_live_loader_with_loaded_data_is_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()
    monkeypatch.setattr(ReferenceLoader, "_run", lambda self: stop.wait(5))
    reference = loader(ReferenceIndex())
    readiness = Readiness(reference.loaded, reference.alive)
    readiness.rebalanced = True
    reference.start()
    reference.loaded.set()

    try:
        assert readiness.problems() == []
    finally:
        stop.set()
        reference.stop()
