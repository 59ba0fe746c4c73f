"""The JVM side of the local broker: find java, recognise its process, wait for it to answer."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from confluent_kafka.admin import AdminClient

from problem_tracker.kafka_local.errors import LocalKafkaError

MIN_JAVA = 17
JAVA_HINT = "install a JDK 17+ (e.g. apt-get install openjdk-17-jre-headless)"


def require_java() -> str:
    """The ``java`` executable, if it is Java 17 or newer (Kafka 4 brokers need 17)."""
    java = shutil.which("java")
    if java is None:
        raise LocalKafkaError(f"java not found: {JAVA_HINT}")
    done = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if match is None:
        raise LocalKafkaError(f"cannot tell the version of {java}: {JAVA_HINT}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0" style before Java 9
        major = int(match.group(2))
    if major < MIN_JAVA:
        raise LocalKafkaError(f"{java} is Java {major}, Kafka 4 needs {MIN_JAVA}+: {JAVA_HINT}")
    return java


def is_kafka_process(pid: int) -> bool:
    """True if ``pid`` is a live Kafka broker, not a zombie nor a recycled pid."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self").exists():
        try:
            return b"kafka.Kafka" in cmdline.read_bytes()
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def wait_for_metadata(
    bootstrap: str, timeout: float, check_alive: Callable[[], None] | None = None
) -> None:
    """Block until a broker at ``bootstrap`` serves metadata, or raise after ``timeout``.

    ``check_alive`` raises to give up early, e.g. when the broker process has died.
    """
    deadline = time.monotonic() + timeout
    host, _, port = bootstrap.rpartition(":")
    client: AdminClient | None = None
    while time.monotonic() < deadline:
        if check_alive is not None:
            check_alive()
        if client is None and _accepts(host, int(port)):
            client = AdminClient({"bootstrap.servers": bootstrap, "log_level": 2})
        if client is not None and _answers(client):
            return
        time.sleep(0.2)
    raise LocalKafkaError(f"Kafka did not answer on {bootstrap} within {timeout:.0f}s")


def wait_until_answering(
    bootstrap: str, process: subprocess.Popen[bytes], data_dir: Path, timeout: float
) -> None:
    """Wait for our own broker; fail fast with its own words if it dies while starting."""

    def check_alive() -> None:
        if process.poll() is not None:
            raise LocalKafkaError(
                f"Kafka exited with code {process.returncode}: {last_words(data_dir)}"
            )

    try:
        wait_for_metadata(bootstrap, timeout, check_alive)
    except LocalKafkaError as exc:
        if process.poll() is not None:
            raise
        raise LocalKafkaError(f"{exc}; see {data_dir / 'logs' / 'server.log'}") from None


def last_words(data_dir: Path) -> str:
    """The most telling lines the broker left: its errors, else the end of its output."""
    logs = data_dir / "logs"
    for name, pattern in (("server.log", " ERROR "), ("kafka.out", "")):
        try:
            lines = (logs / name).read_text(errors="replace").splitlines()
        except OSError:
            continue
        chosen = [line for line in lines if pattern in line][-2:]
        if chosen:
            return " / ".join(line.strip() for line in chosen)
    return f"no output; see {logs}"


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _answers(client: AdminClient) -> bool:
    try:
        return bool(client.list_topics(timeout=2).brokers)
    except Exception:  # KafkaException while the broker finishes starting
        return False
