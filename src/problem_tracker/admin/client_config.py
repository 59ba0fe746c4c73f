"""How any confluent-kafka client (admin, simulator, tools) reaches the configured cluster."""

from __future__ import annotations

from problem_tracker.config import KafkaSettings

ClientConfig = dict[str, str | int | float | bool]

TLS_LOCATIONS = {
    "ssl_cafile": "ssl.ca.location",
    "ssl_certfile": "ssl.certificate.location",
    "ssl_keyfile": "ssl.key.location",
}


def confluent_config(kafka: KafkaSettings) -> ClientConfig:
    """librdkafka settings for ``kafka``: bootstrap, security protocol, SASL and TLS if given.

    Secrets (the SASL password, the key's password) are revealed only here, at the edge
    where the client needs them. A configured TLS file that cannot be read raises
    ``ValueError`` naming it. Callers add their own keys:
    ``{**confluent_config(kafka), "linger.ms": 5}``.
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
    if kafka.uses_tls:
        for name, path in kafka.tls_files().items():
            config[TLS_LOCATIONS[name]] = str(path)
        if kafka.ssl_key_password is not None:
            config["ssl.key.password"] = kafka.ssl_key_password.get_secret_value()
        config["ssl.endpoint.identification.algorithm"] = (
            "https" if kafka.ssl_check_hostname else "none"
        )
    return config
