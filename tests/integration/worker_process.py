"""Run ``problem-tracker worker`` as a real child process against the test broker.

Integration tests drive the worker exactly as an operator would: environment settings,
its own data directory, a unique app id and topic prefix so tests never share state.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WorkerProcess:
    """One worker: start, wait until ready, stop gracefully or kill it."""

    bootstrap: str
    app_id: str
    topic_prefix: str
    data_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    web_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / "worker.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROBLEM_TRACKER_")}
        env.update(
            {
                "PROBLEM_TRACKER_KAFKA__BOOTSTRAP_SERVERS": self.bootstrap,
                "PROBLEM_TRACKER_TOPICS__PREFIX": self.topic_prefix,
                "PROBLEM_TRACKER_TOPICS__PARTITIONS": "3",
                "PROBLEM_TRACKER_WORKER__APP_ID": self.app_id,
                "PROBLEM_TRACKER_WORKER__DATA_DIR": str(self.data_dir / "state"),
                "PROBLEM_TRACKER_WORKER__WEB_PORT": str(self.web_port),
                "PROBLEM_TRACKER_WORKER__LOG_LEVEL": "INFO",
                # a killed worker leaves the group in seconds, not half a minute
                "PROBLEM_TRACKER_WORKER__SESSION_TIMEOUT_SECONDS": "6",
                "PROBLEM_TRACKER_WORKER__HEARTBEAT_INTERVAL_SECONDS": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 90.0) -> WorkerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "problem_tracker", "worker"],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.web_port}/ready"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"worker not ready after {timeout}s:\n{self.tail()}")

    def metrics(self) -> str:
        url = f"http://127.0.0.1:{self.web_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful: SIGTERM, as an orchestrator would, then wait."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """Abrupt: SIGKILL, as a crashed host would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
