"""Every confluent-kafka client (admin, reference loader, simulator, demo) gets the same
SASL and TLS settings, and learns nothing the settings do not say."""

from __future__ import annotations

from pathlib import Path

import pytest
from confluent_kafka import KafkaError
from pydantic import SecretStr

from problem_tracker.admin.access import ClusterAccessError, admin_client, refusal
from problem_tracker.admin.client_config import confluent_config
from problem_tracker.config import KafkaSettings
from problem_tracker.kafka_local import free_port


@pytest.fixture
def pem_files(tmp_path: Path) -> dict[str, Path]:
    """Files that exist (``confluent_config`` checks they can be read, not what they hold)."""
    files = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    for path in files.values():
        path.write_text("-----BEGIN CERTIFICATE-----\n")
    return files


def sasl_ssl(pem_files: dict[str, Path], **changes: object) -> KafkaSettings:
    fields: dict[str, object] = {
        "bootstrap_servers": "k1:9094,k2:9094",
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_username": "problem-tracker",
        "sasl_password": SecretStr("s3cret"),
        "ssl_cafile": pem_files["ca"],
        "ssl_certfile": pem_files["cert"],
        "ssl_keyfile": pem_files["key"],
        "ssl_key_password": SecretStr("key-s3cret"),
    }
    return KafkaSettings.model_validate({**fields, **changes})


def test_sasl_ssl_with_client_certificates_maps_to_librdkafka_keys(
    pem_files: dict[str, Path],
) -> None:
    assert confluent_config(sasl_ssl(pem_files)) == {
        "bootstrap.servers": "k1:9094,k2:9094",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "problem-tracker",
        "sasl.password": "s3cret",
        "ssl.ca.location": str(pem_files["ca"]),
        "ssl.certificate.location": str(pem_files["cert"]),
        "ssl.key.location": str(pem_files["key"]),
        "ssl.key.password": "key-s3cret",
        "ssl.endpoint.identification.algorithm": "https",
    }


def test_tls_without_files_trusts_the_system_and_still_checks_host_names() -> None:
    config = confluent_config(KafkaSettings(bootstrap_servers="k:9093", security_protocol="SSL"))

    assert config == {
        "bootstrap.servers": "k:9093",
        "security.protocol": "SSL",
        "ssl.endpoint.identification.algorithm": "https",
    }


def test_host_name_checking_can_be_turned_off(pem_files: dict[str, Path]) -> None:
    config = confluent_config(sasl_ssl(pem_files, ssl_check_hostname=False))

    assert config["ssl.endpoint.identification.algorithm"] == "none"


def test_sasl_plaintext_carries_no_tls_keys() -> None:
    kafka = KafkaSettings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-256",
        sasl_username="u",
        sasl_password=SecretStr("p"),
    )

    assert not [key for key in confluent_config(kafka) if key.startswith("ssl.")]


def test_a_missing_certificate_file_is_named_when_a_client_is_built(
    pem_files: dict[str, Path], tmp_path: Path
) -> None:
    kafka = sasl_ssl(pem_files, ssl_certfile=tmp_path / "absent.pem")

    with pytest.raises(ValueError, match=r"^kafka ssl_certfile .*absent\.pem: not a readable"):
        confluent_config(kafka)


def test_secrets_stay_out_of_the_settings_repr(pem_files: dict[str, Path]) -> None:
    text = repr(sasl_ssl(pem_files)) + str(sasl_ssl(pem_files))

    assert "s3cret" not in text
    assert "key-s3cret" not in text


def test_an_authentication_failure_is_a_refusal_naming_the_address_and_the_user(
    pem_files: dict[str, Path],
) -> None:
    error = KafkaError(
        KafkaError._AUTHENTICATION,
        "sasl_ssl://k1:9094/bootstrap: SASL authentication error: Authentication failed",
    )

    line = refusal(sasl_ssl(pem_files), error)

    assert line is not None
    assert line.startswith("authentication failed at Kafka k1:9094,k2:9094 as 'problem-tracker'")
    assert "s3cret" not in line
    assert "\n" not in line


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        (KafkaError._SSL, "SSL handshake failed: certificate verify failed"),
        (
            KafkaError._TRANSPORT,
            "Receive failed: error:0A000412:SSL routines::ssl/tls alert bad certificate",
        ),
    ],
    ids=["untrusted-broker", "client-certificate-refused"],
)
def test_a_failed_tls_handshake_is_a_refusal(
    pem_files: dict[str, Path], code: int, detail: str
) -> None:
    line = refusal(sasl_ssl(pem_files), KafkaError(code, detail))

    assert line is not None
    assert line.startswith("TLS handshake with Kafka k1:9094,k2:9094 failed")
    assert detail in line


@pytest.mark.parametrize(
    "code", [KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN, KafkaError._TIMED_OUT]
)
def test_a_broker_that_is_merely_unreachable_is_retried_not_refused(
    pem_files: dict[str, Path], code: int
) -> None:
    error = KafkaError(code, "Connect to ipv4#127.0.0.1:9094 failed: Connection refused")

    assert refusal(sasl_ssl(pem_files), error) is None


def test_a_cluster_that_never_answers_is_one_line_after_the_timeout() -> None:
    address = f"127.0.0.1:{free_port()}"  # nobody listens

    with pytest.raises(ClusterAccessError) as refused:
        admin_client(KafkaSettings(bootstrap_servers=address), timeout=2)

    line = str(refused.value)
    assert line.startswith(f"Kafka at {address} did not answer within 2 s (PLAINTEXT): ")
    assert "Connection refused" in line
    assert "\n" not in line
