"""How any confluent-kafka client (admin, simulator, tools) reaches the configured cluster."""

from __future__ import annotations

from problem_tracker.config import KafkaSettings

ClientConfig = dict[str, str | int | float | bool]


def confluent_config(kafka: KafkaSettings) -> ClientConfig:
    """librdkafka settings for ``kafka``: bootstrap, security protocol and SASL if given.

    The password is revealed only here, at the edge where the client needs it. Callers add
    their own keys: ``{**confluent_config(kafka), "linger.ms": 5}``.
    """
    config: ClientConfig = {
        "bootstrap.servers": kafka.bootstrap_servers,
        "security.protocol": kafka.security_protocol,
    }
    if kafka.sasl_mechanism:
        config["sasl.mechanism"] = kafka.sasl_mechanism
    if kafka.sasl_username is not None:
        config["sasl.username"] = kafka.sasl_username
    if kafka.sasl_password is not None:
        config["sasl.password"] = kafka.sasl_password.get_secret_value()
    return config
