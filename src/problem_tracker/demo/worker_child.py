"""One ``problem-tracker worker`` as a child process, configured only through its environment.

The child sees exactly the demo's Settings: every ``PROBLEM_TRACKER_*`` variable of the
parent is dropped and the Settings object is written out in full, so nothing set in the
shell can silently disagree with what the demo printed.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel, SecretStr

from problem_tracker.config import Settings

ENV_PREFIX = "PROBLEM_TRACKER_"
POLL_SECONDS = 0.25
PID_FILE = "worker.pid"
LINE_CHARS = 400
ERROR_LINE = re.compile(r'"level": "(error|critical)"|\b(ERROR|CRITICAL)\b')


class WorkerStartError(RuntimeError):
    """The worker did not start, did not become ready or died; the message says which."""


def settings_env(settings: Settings) -> dict[str, str]:
    """``PROBLEM_TRACKER_<GROUP>__<FIELD>`` for every field that has a value."""
    env: dict[str, str] = {}
    for group_name in Settings.model_fields:
        group = getattr(settings, group_name)
        if not isinstance(group, BaseModel):
            continue
        for field_name in type(group).model_fields:
            value = getattr(group, field_name)
            if value is not None:
                env[f"{ENV_PREFIX}{group_name}__{field_name}".upper()] = _env_text(value)
    return env


def _env_text(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def holds_live_worker(data_dir: Path) -> bool:
    """Whether the worker started on ``data_dir`` still runs (its tables are in use)."""
    try:
        os.kill(int((data_dir / PID_FILE).read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


class WorkerChild:
    """Start, wait for /ready, stop gracefully (SIGTERM as an orchestrator would) or kill."""

    def __init__(self, settings: Settings, log_path: Path, inherited: Mapping[str, str]) -> None:
        self.settings = settings
        self.log_path = log_path
        self._inherited = {k: v for k, v in inherited.items() if not k.startswith(ENV_PREFIX)}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        worker = self.settings.worker
        return f"http://{worker.web_host}:{worker.web_port}"

    def environment(self) -> dict[str, str]:
        return {**self._inherited, **settings_env(self.settings)}

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.settings.worker.data_dir.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists():  # a worker kept from the last run goes on writing there
            self.log_path.replace(self.log_path.with_suffix(".previous.log"))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "problem_tracker", "worker"],
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (self.settings.worker.data_dir / PID_FILE).write_text(f"{self.process.pid}\n")

    def wait_ready(self, timeout: float) -> float:
        """Seconds until /ready answered 200; raises with the log's tail otherwise."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                raise WorkerStartError(f"the worker exited (code {code}) before it was ready")
            if self._ready():
                return time.monotonic() - started
            time.sleep(POLL_SECONDS)
        raise WorkerStartError(f"the worker was not ready within {timeout:.0f} s")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/ready", timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM and wait; SIGKILL after ``timeout``. True if it stopped gracefully."""
        process = self.process
        if process is None or process.poll() is not None:
            return True
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            self.kill()
            return False

    def detach(self) -> int | None:
        """Leave the worker running after the demo; its pid."""
        process, self.process = self.process, None
        return None if process is None else process.pid

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log_excerpt(self, first_errors: int = 3, last: int = 5) -> list[str]:
        """The first error lines (the cause, before the shutdown noise) and the last lines."""
        if not self.log_path.exists():
            return []
        lines = [
            line[:LINE_CHARS] for line in self.log_path.read_text(errors="replace").splitlines()
        ]
        errors = [line for line in lines if ERROR_LINE.search(line)][:first_errors]
        return [*errors, *(line for line in lines[-last:] if line not in errors)]

    def __enter__(self) -> WorkerChild:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
