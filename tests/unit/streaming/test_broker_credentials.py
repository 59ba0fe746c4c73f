"""Faust's clients (aiokafka) get the same SASL and TLS settings as every other client:
SCRAM-SHA-512 passed through, a TLS context trusting the configured CA and presenting
the client certificate (its key decrypted with the key password)."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path
from typing import Any

import faust
import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import SecretStr

from problem_tracker.config import KafkaSettings, Settings
from problem_tracker.streaming.app import _ssl_context, faust_broker_credentials
from tls_material import TlsMaterial, make_tls_material

SCRAM: dict[str, Any] = {
    "sasl_mechanism": "SCRAM-SHA-512",
    "sasl_username": "problem-tracker",
    "sasl_password": SecretStr("s3cret"),
}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    return make_tls_material(tmp_path_factory.mktemp("tls"), client_key_password="key-s3cret")


def with_tls(tls: TlsMaterial, **fields: Any) -> KafkaSettings:
    return KafkaSettings.model_validate(
        {
            "ssl_cafile": tls.ca_cert,
            "ssl_certfile": tls.client_cert,
            "ssl_keyfile": tls.client_key,
            "ssl_key_password": SecretStr(tls.client_key_password),
            **fields,
        }
    )


def aiokafka_auth(kafka: KafkaSettings) -> dict[str, Any]:
    """What Faust hands to aiokafka's producer, consumers and admin calls."""
    credentials = faust_broker_credentials(Settings(kafka=kafka))
    return dict(credentials_to_aiokafka_auth(credentials))


def test_sasl_ssl_reaches_aiokafka_as_scram_sha_512_over_tls(tls: TlsMaterial) -> None:
    auth = aiokafka_auth(with_tls(tls, security_protocol="SASL_SSL", **SCRAM))

    assert auth["security_protocol"] == "SASL_SSL"
    assert auth["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (auth["sasl_plain_username"], auth["sasl_plain_password"]) == (
        "problem-tracker",
        "s3cret",
    )
    context = auth["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_sasl_plaintext_has_no_tls_context() -> None:
    auth = aiokafka_auth(KafkaSettings(security_protocol="SASL_PLAINTEXT", **SCRAM))

    assert auth["security_protocol"] == "SASL_PLAINTEXT"
    assert auth["ssl_context"] is None


def test_ssl_alone_is_tls_with_client_certificates_and_no_sasl(tls: TlsMaterial) -> None:
    credentials = faust_broker_credentials(Settings(kafka=with_tls(tls, security_protocol="SSL")))

    assert isinstance(credentials, faust.SSLCredentials)
    assert dict(credentials_to_aiokafka_auth(credentials))["security_protocol"] == "SSL"


def test_plaintext_needs_no_credentials() -> None:
    assert faust_broker_credentials(Settings()) is None


def test_the_credentials_repr_shows_no_password(tls: TlsMaterial) -> None:
    kafka = with_tls(tls, security_protocol="SASL_SSL", **SCRAM)

    assert "s3cret" not in repr(faust_broker_credentials(Settings(kafka=kafka)))


def test_host_name_checking_can_be_turned_off_but_the_certificate_is_still_verified(
    tls: TlsMaterial,
) -> None:
    context = _ssl_context(with_tls(tls, security_protocol="SSL", ssl_check_hostname=False))

    assert context.check_hostname is False
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_a_wrong_key_password_is_named_without_the_password(tls: TlsMaterial) -> None:
    kafka = with_tls(tls, security_protocol="SSL", ssl_key_password=SecretStr("wrong-pw"))

    with pytest.raises(ValueError, match="cannot load the client certificate and key") as err:
        _ssl_context(kafka)

    assert "wrong-pw" not in str(err.value)
    assert str(tls.client_key) in str(err.value)


def test_an_encrypted_key_without_its_password_fails_instead_of_prompting(
    tls: TlsMaterial,
) -> None:
    kafka = with_tls(tls, security_protocol="SSL", ssl_key_password=None)

    with pytest.raises(ValueError, match="wrong ssl_key_password"):
        _ssl_context(kafka)


def test_a_missing_ca_file_is_named(tls: TlsMaterial, tmp_path: Path) -> None:
    kafka = with_tls(tls, security_protocol="SSL", ssl_cafile=tmp_path / "no-ca.pem")

    with pytest.raises(ValueError, match=r"kafka ssl_cafile .*no-ca\.pem: not a readable file"):
        _ssl_context(kafka)


def _handshake(tls: TlsMaterial, client: ssl.SSLContext) -> dict[str, Any]:
    """A TLS server like the broker's (client certificates required) on loopback; the
    certificate the client presented to it."""
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(tls.ca_cert))
    server.verify_mode = ssl.CERT_REQUIRED
    server.load_cert_chain(str(tls.broker_keystore))
    seen: dict[str, Any] = {}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            connection, _ = listener.accept()
            try:
                with server.wrap_socket(connection, server_side=True) as tls_connection:
                    seen.update(tls_connection.getpeercert() or {})
                    tls_connection.sendall(b"ok")
            except (ssl.SSLError, OSError) as exc:
                seen["error"] = exc

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            client.wrap_socket(raw, server_hostname="127.0.0.1") as tls_connection,
        ):
            assert tls_connection.recv(2) == b"ok"
        thread.join(5)
    return seen


def test_the_context_trusts_the_ca_checks_the_address_and_presents_the_client_certificate(
    tls: TlsMaterial,
) -> None:
    context = _ssl_context(with_tls(tls, security_protocol="SASL_SSL", **SCRAM))

    presented = _handshake(tls, context)

    assert "error" not in presented
    assert (("commonName", "problem-tracker-worker"),) in presented["subject"]


def test_a_broker_signed_by_another_ca_is_not_trusted(tls: TlsMaterial) -> None:
    context = _ssl_context(with_tls(tls, security_protocol="SSL", ssl_cafile=tls.other_ca_cert))

    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(tls, context)
