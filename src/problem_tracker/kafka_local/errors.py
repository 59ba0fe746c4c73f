"""The one error the local broker raises: its message is the line an operator reads."""


class LocalKafkaError(RuntimeError):
    """The local Kafka could not be fetched, started or stopped; the message says why."""
