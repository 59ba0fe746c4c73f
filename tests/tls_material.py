"""Certificates made on the spot with the ``openssl`` CLI: a CA, a broker, a client.

The broker's certificate names ``localhost`` and ``127.0.0.1`` (subjectAltName), so clients
that check host names accept it; the client's private key is encrypted (PKCS#8, AES-256),
as a key mounted from a secret store would be. Everything expires in two days.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CURVE = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
DAYS = "2"


@dataclass(frozen=True)
class TlsMaterial:
    ca_cert: Path
    """PEM: the CA both sides trust."""
    broker_keystore: Path
    """PEM: the broker's unencrypted PKCS#8 key, its certificate, the CA's certificate."""
    client_cert: Path
    client_key: Path
    """PEM: the client's PKCS#8 key, encrypted with ``client_key_password``."""
    client_key_password: str
    other_ca_cert: Path
    """PEM: a CA that signed nothing here: trusting only it must fail the handshake."""


def _openssl(*args: str, env: dict[str, str] | None = None) -> None:
    binary = shutil.which("openssl")
    assert binary is not None, "these tests make their certificates with the openssl CLI"
    done = subprocess.run([binary, *args], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, f"openssl {args[0]} failed: {done.stderr.strip()}"


def _ca(directory: Path, name: str) -> tuple[Path, Path]:
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    _openssl(
        "req", "-x509", *CURVE, "-nodes", "-keyout", str(key), "-out", str(cert),
        "-days", DAYS, "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return key, cert


def _leaf(directory: Path, name: str, ca: tuple[Path, Path], extensions: str) -> tuple[Path, Path]:
    """A key (PKCS#8, unencrypted) and a certificate signed by ``ca``."""
    key, csr, cert = (directory / f"{name}{suffix}" for suffix in (".key", ".csr", ".pem"))
    ext = directory / f"{name}.ext"
    ext.write_text(extensions)
    _openssl(
        "req", "-new", *CURVE, "-nodes", "-keyout", str(key), "-out", str(csr),
        "-subj", f"/CN={name}",
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca[1]), "-CAkey", str(ca[0]),
        "-CAcreateserial", "-out", str(cert), "-days", DAYS, "-extfile", str(ext),
    )  # fmt: skip
    return key, cert


def make_tls_material(directory: Path, client_key_password: str) -> TlsMaterial:
    directory.mkdir(parents=True, exist_ok=True)
    ca = _ca(directory, "test-ca")
    _, other_ca = _ca(directory, "other-ca")
    broker_key, broker_cert = _leaf(
        directory,
        "broker",
        ca,
        "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "extendedKeyUsage=serverAuth,clientAuth\n",
    )
    keystore = directory / "broker.keystore.pem"
    keystore.write_text(broker_key.read_text() + broker_cert.read_text() + ca[1].read_text())
    client_key, client_cert = _leaf(
        directory,
        "problem-tracker-worker",
        ca,
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    )
    encrypted = directory / "problem-tracker-worker.enc.key"
    _openssl(
        "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", str(client_key),
        "-out", str(encrypted), "-passout", "env:KEY_PASSWORD",
        env={**os.environ, "KEY_PASSWORD": client_key_password},
    )  # fmt: skip
    client_key.unlink()
    for path in directory.iterdir():
        path.chmod(0o600)
    return TlsMaterial(
        ca_cert=ca[1],
        broker_keystore=keystore,
        client_cert=client_cert,
        client_key=encrypted,
        client_key_password=client_key_password,
        other_ca_cert=other_ca,
    )
