"""Start, watch and stop the project's own single-node Kafka for dev, demo and tests."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

from problem_tracker.config import LocalKafkaSettings
from problem_tracker.kafka_local import java
from problem_tracker.kafka_local.errors import LocalKafkaError
from problem_tracker.kafka_local.fetch import ensure_fetched, packaged_file
from problem_tracker.kafka_local.properties import (
    SaslSslListener,
    listener_ports,
    parse_properties,
    random_cluster_id,
    server_properties,
)

PID_FILE = "kafka.pid"
PROPERTIES_FILE = "server.properties"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Nobody listens on ``port``. Connections of a broker just stopped may linger in
    TIME_WAIT for a minute; like the JVM's server sockets, the probe reuses the address,
    so ``kafka up`` right after ``kafka down`` is not refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class LocalKafka:
    """One broker+controller bound to a data dir: its pid file, config, storage and logs.

    Everything lives under ``data_dir`` so that several brokers (a dev one on 9092, one per
    test session on free ports) never share state. With ``sasl_ssl`` the broker also serves
    SASL_SSL clients (SCRAM-SHA-512, TLS with client certificates) on that listener's port.
    """

    def __init__(
        self, settings: LocalKafkaSettings, *, sasl_ssl: SaslSslListener | None = None
    ) -> None:
        self.settings = settings
        self.sasl_ssl = sasl_ssl

    @classmethod
    def throwaway(
        cls,
        settings: LocalKafkaSettings,
        data_dir: Path,
        *,
        sasl_ssl: SaslSslListener | None = None,
    ) -> LocalKafka:
        """A broker on free ports with its own data dir, sharing only the jar cache."""
        update = {"port": free_port(), "controller_port": free_port(), "data_dir": data_dir}
        return cls(settings.model_copy(update=update), sasl_ssl=sasl_ssl)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir.expanduser()

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.settings.port}"

    @property
    def sasl_ssl_bootstrap(self) -> str:
        """The address of the SASL_SSL listener."""
        if self.sasl_ssl is None:
            raise LocalKafkaError("this broker has no SASL_SSL listener")
        return f"127.0.0.1:{self.sasl_ssl.port}"

    def ensure_fetched(self) -> Path:
        """The jar directory of the configured Kafka version, fetched with Maven if needed."""
        return ensure_fetched(self.settings.cache_dir, self.settings.version)

    def pid(self) -> int | None:
        """The broker's pid if the pid file names a live Kafka process."""
        try:
            pid = int((self.data_dir / PID_FILE).read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if java.is_kafka_process(pid) else None

    def is_up(self) -> bool:
        return self.pid() is not None

    def running_bootstrap(self) -> str | None:
        """The address of the broker running from this data dir, whatever port it took."""
        if not self.is_up():
            return None
        text = (self.data_dir / PROPERTIES_FILE).read_text()
        return f"127.0.0.1:{listener_ports(parse_properties(text))[0]}"

    def start(
        self, *, port: int | None = None, data_dir: Path | None = None, timeout: float = 90.0
    ) -> str:
        """Fetch if needed, format storage on first use, start detached; the bootstrap address.

        Returns once the broker answers a metadata request; an already running broker from
        this data dir is reused.
        """
        update: dict[str, object] = {}
        if port is not None:
            update["port"] = port
        if data_dir is not None:
            update["data_dir"] = data_dir
        if update:
            self.settings = self.settings.model_copy(update=update)
        running = self.running_bootstrap()
        if running is not None:
            return running
        java_bin = java.require_java()
        libs = self.ensure_fetched()
        self._check_ports_free()
        properties = self._write_config()
        self._format_once(java_bin, libs, properties)
        process = self._launch(java_bin, libs, properties)
        try:
            java.wait_until_answering(self.bootstrap, process, self.data_dir, timeout)
        except LocalKafkaError:
            self.stop(timeout=5.0)
            raise
        return self.bootstrap

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop cleanly (SIGTERM, then SIGKILL after ``timeout``); False if it was not up."""
        pid = self.pid()
        if pid is None:
            (self.data_dir / PID_FILE).unlink(missing_ok=True)
            return False
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while java.is_kafka_process(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if java.is_kafka_process(pid):
            _signal_group(pid, signal.SIGKILL)
            while java.is_kafka_process(pid):
                time.sleep(0.05)
        (self.data_dir / PID_FILE).unlink(missing_ok=True)
        return True

    def _check_ports_free(self) -> None:
        ports = [("port", self.settings.port), ("controller port", self.settings.controller_port)]
        if self.sasl_ssl is not None:
            ports.append(("SASL_SSL port", self.sasl_ssl.port))
        for what, port in ports:
            if not port_is_free(port):
                raise LocalKafkaError(
                    f"{what} {port} on 127.0.0.1 is taken (another Kafka? "
                    "see `problem-tracker kafka status`, or pick another with --port)"
                )

    def _write_config(self) -> Path:
        storage = self.data_dir / "kraft"
        formatted = storage / "meta.properties"
        path = self.data_dir / PROPERTIES_FILE
        if formatted.is_file() and path.is_file():
            previous = listener_ports(parse_properties(path.read_text()))[1]
            if previous != self.settings.controller_port:
                raise LocalKafkaError(
                    f"{self.data_dir} was formatted for controller port {previous}, not "
                    f"{self.settings.controller_port}: pass --controller-port {previous} "
                    "or use another data dir"
                )
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        path.write_text(
            server_properties(
                port=self.settings.port,
                controller_port=self.settings.controller_port,
                log_dir=storage,
                sasl_ssl=self.sasl_ssl,
            )
        )
        return path

    def _format_once(self, java_bin: str, libs: Path, properties: Path) -> None:
        if (self.data_dir / "kraft" / "meta.properties").is_file():
            return
        args = ["kafka.tools.StorageTool", "format", "--standalone"]
        args += ["-t", random_cluster_id(), "-c", str(properties)]
        if self.sasl_ssl is not None:
            args += self.sasl_ssl.format_arguments()
        done = subprocess.run(
            self._java_command(java_bin, libs, [], args),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
            raise LocalKafkaError(f"formatting {self.data_dir} failed: {' / '.join(tail)}")

    def _launch(self, java_bin: str, libs: Path, properties: Path) -> subprocess.Popen[bytes]:
        heap = shlex.split(self.settings.heap)
        command = self._java_command(java_bin, libs, heap, ["kafka.Kafka", str(properties)])
        with (self.data_dir / "logs" / "kafka.out").open("ab") as out:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,
            )
        (self.data_dir / PID_FILE).write_text(f"{process.pid}\n")
        return process

    def _java_command(
        self, java_bin: str, libs: Path, jvm_options: list[str], main: list[str]
    ) -> list[str]:
        return [
            java_bin,
            *jvm_options,
            "-cp",
            f"{libs}{os.sep}*",
            f"-Dlog4j2.configurationFile={packaged_file('log4j2.xml')}",
            f"-Dkafka.logs.dir={self.data_dir / 'logs'}",
            *main,
        ]


def _signal_group(pid: int, signum: signal.Signals) -> None:
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, signum)
