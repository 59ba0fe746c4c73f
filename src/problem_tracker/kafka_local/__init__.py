"""A single-node Apache Kafka (KRaft, broker+controller) fetched from Maven Central.

The project owns its broker for dev, demo and tests: `problem-tracker kafka up` resolves the
jars with Maven into a cache outside the repository and runs ``kafka.Kafka`` on 127.0.0.1.
"""

from problem_tracker.kafka_local.broker import LocalKafka, free_port
from problem_tracker.kafka_local.errors import LocalKafkaError

__all__ = ["LocalKafka", "LocalKafkaError", "free_port"]
