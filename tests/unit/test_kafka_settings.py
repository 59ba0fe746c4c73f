"""Kafka settings that contradict themselves are refused in one line, secrets unshown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from problem_tracker.cli import main
from problem_tracker.config import KafkaSettings, Settings

SCRAM = {
    "sasl_mechanism": "SCRAM-SHA-512",
    "sasl_username": "problem-tracker",
    "sasl_password": SecretStr("s3cret"),
}


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"security_protocol": "SASL_SSL", "sasl_username": "u"},
            "security_protocol SASL_SSL needs sasl_mechanism, sasl_password",
        ),
        (
            {"security_protocol": "SASL_PLAINTEXT", **SCRAM, "sasl_username": None},
            "security_protocol SASL_PLAINTEXT needs sasl_username",
        ),
        (
            {"sasl_password": SecretStr("s3cret")},
            "sasl_password set but security_protocol is PLAINTEXT: use SASL_SSL",
        ),
        (
            {"security_protocol": "SASL_PLAINTEXT", **SCRAM, "ssl_cafile": Path("/ca.pem")},
            "ssl_cafile set but security_protocol is SASL_PLAINTEXT: use SSL or SASL_SSL",
        ),
        (
            {"security_protocol": "SSL", "ssl_certfile": Path("/c.pem")},
            "ssl_certfile and ssl_keyfile go together",
        ),
        (
            {"security_protocol": "SSL", "ssl_key_password": SecretStr("k")},
            "ssl_key_password set without ssl_keyfile",
        ),
    ],
    ids=[
        "sasl-without-mechanism-and-password",
        "sasl-without-user",
        "password-on-plaintext",
        "ca-without-tls",
        "certificate-without-key",
        "key-password-without-key",
    ],
)
def test_incoherent_settings_are_refused_saying_what_to_change(
    fields: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        KafkaSettings.model_validate(fields)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "scram-sha-512"])
def test_the_usual_sasl_mechanisms_are_accepted(mechanism: str) -> None:
    kafka = KafkaSettings.model_validate(
        {**SCRAM, "security_protocol": "sasl_ssl", "sasl_mechanism": mechanism}
    )

    assert kafka.sasl_mechanism == mechanism.upper()
    assert kafka.security_protocol == "SASL_SSL"


def test_an_unknown_mechanism_is_refused() -> None:
    with pytest.raises(ValidationError, match="SCRAM-SHA-512"):
        KafkaSettings.model_validate(
            {**SCRAM, "security_protocol": "SASL_SSL", "sasl_mechanism": "GSSAPI"}
        )


def test_tls_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SECURITY_PROTOCOL": "SASL_SSL",
        "SASL_MECHANISM": "SCRAM-SHA-512",
        "SASL_USERNAME": "problem-tracker",
        "SASL_PASSWORD": "s3cret",
        "SSL_CAFILE": "/etc/kafka/tls/ca.crt",
        "SSL_CERTFILE": "/etc/kafka/tls/tls.crt",
        "SSL_KEYFILE": "/etc/kafka/tls/tls.key",
        "SSL_KEY_PASSWORD": "key-s3cret",
        "SSL_CHECK_HOSTNAME": "false",
    }.items():
        monkeypatch.setenv(f"PROBLEM_TRACKER_KAFKA__{name}", value)

    kafka = Settings().kafka

    assert kafka.ssl_cafile == Path("/etc/kafka/tls/ca.crt")
    assert (kafka.ssl_certfile, kafka.ssl_keyfile) == (
        Path("/etc/kafka/tls/tls.crt"),
        Path("/etc/kafka/tls/tls.key"),
    )
    assert kafka.ssl_key_password is not None
    assert kafka.ssl_key_password.get_secret_value() == "key-s3cret"
    assert kafka.ssl_check_hostname is False


def test_the_cli_names_a_bad_setting_in_one_line_without_its_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROBLEM_TRACKER_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("PROBLEM_TRACKER_KAFKA__SASL_USERNAME", "problem-tracker")
    monkeypatch.setenv("PROBLEM_TRACKER_KAFKA__SASL_PASSWORD", "s3cret-in-env")

    code = main(["topics", "plan"])

    out = capsys.readouterr()
    assert code == 2
    assert out.out == ""
    assert out.err == (
        "problem-tracker topics: invalid settings: "
        "kafka: security_protocol SASL_SSL needs sasl_mechanism\n"
    )
