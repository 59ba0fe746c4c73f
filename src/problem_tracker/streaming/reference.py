"""Reference data every worker needs in full: component ownership and known errors.

Like a Kafka Streams GlobalKTable, each worker reads the two compacted topics from the
beginning (all partitions, no consumer group) and keeps them in memory
(``translation.reference_index``, indexed the way Perform Initial Diagnosis and Check
Known Error look them up). The compacted topic is its own changelog, so no extra topic
is needed and every worker converges on the same view. Invalid records are skipped here;
the grouped validator agent dead-letters them once. No record can stop the loader: one
whose processing raises is logged, counted (``problem_tracker_reference_errors_total``)
and skipped; if the loader thread dies all the same, ``alive()`` says so and the worker
reports itself not ready.
"""

from __future__ import annotations

import logging
import threading
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Message, TopicPartition

from problem_tracker.admin.client_config import confluent_config
from problem_tracker.config import KafkaSettings
from problem_tracker.contracts.codec import decode_reference
from problem_tracker.contracts.limits import DecodeLimits
from problem_tracker.contracts.outcomes import Decoded, Deletion, ReferenceKind
from problem_tracker.observability.metrics import Metrics
from problem_tracker.translation.reference_index import ReferenceIndex

__all__ = ["ReferenceIndex", "ReferenceLoader"]

log = logging.getLogger(__name__)


class ReferenceLoader:
    """Follows both reference topics in a background thread, feeding a ReferenceIndex."""

    def __init__(
        self,
        kafka: KafkaSettings,
        topics: dict[ReferenceKind, str],
        index: ReferenceIndex,
        limits: DecodeLimits,
        metrics: Metrics | None = None,
    ) -> None:
        self._kafka = kafka
        self._topics = topics
        self._kinds = {name: kind for kind, name in topics.items()}
        self.index = index
        self._limits = limits
        self._metrics = metrics
        self._stop = threading.Event()
        self.loaded = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reference-loader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def alive(self) -> bool:
        """Whether the loader thread is still following the reference topics."""
        return self._thread.is_alive()

    def _run(self) -> None:
        consumer = Consumer(
            {
                **confluent_config(self._kafka),
                "group.id": "problem-tracker-reference-loader",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                # librdkafka's own lines (one per reconnect attempt while a broker is
                # down) go through logging, where repeats are collapsed, not to stderr.
                "logger": logging.getLogger("librdkafka.reference-loader"),
            }
        )
        try:
            pending = self._assign_all(consumer)
            while not self._stop.is_set():
                message = consumer.poll(0.5)
                if message is None:
                    continue
                topic_partition = (message.topic(), message.partition())
                if message.error() is not None:
                    pending.discard(topic_partition)
                else:
                    self._apply_safely(message)
                if not pending and not self.loaded.is_set():
                    log.info("reference data loaded", extra=self.index.sizes())
                    self.loaded.set()
        except Exception:
            log.exception("reference loader stopped: the worker is not ready any more")
        finally:
            consumer.close()

    def _assign_all(self, consumer: Consumer) -> set[tuple[str, int]]:
        deadline = time.monotonic() + 60
        while True:
            metadata = consumer.list_topics(timeout=10)
            partitions = [
                TopicPartition(name, p, OFFSET_BEGINNING)
                for name in self._topics.values()
                if name in metadata.topics
                for p in metadata.topics[name].partitions
            ]
            if len({tp.topic for tp in partitions}) == len(self._topics):
                break
            if time.monotonic() > deadline:
                raise KafkaException(f"reference topics missing: {list(self._topics.values())}")
            time.sleep(0.5)
        consumer.assign(partitions)
        return {(tp.topic, tp.partition) for tp in partitions}

    def _apply_safely(self, message: Message) -> None:
        """One record; whatever it does, the loader goes on with the next."""
        topic = str(message.topic())
        try:
            self._apply(topic, message.key(), message.value())
        except Exception:
            kind = self._kinds.get(topic)
            label = kind.value if kind is not None else "unknown"
            log.exception(
                "reference record skipped",
                extra={
                    "topic": topic,
                    "partition": message.partition(),
                    "offset": message.offset(),
                },
            )
            if self._metrics is not None:
                self._metrics.reference_errors.labels(label).inc()

    def _apply(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        outcome = decode_reference(self._kinds[topic], key, value, self._limits)
        if isinstance(outcome, Decoded | Deletion):
            self.index.apply(outcome)
