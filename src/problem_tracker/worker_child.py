"""One ``problem-tracker worker`` as a child process, configured only through its environment.

The demo, the end-to-end tests and the benchmarks run the worker the way an operator
would: a separate process in its own session, its settings in ``PROBLEM_TRACKER_*``
variables, readiness and metrics read over its HTTP endpoints, stopped by SIGTERM as an
orchestrator would or killed outright as a crashed host would be.
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
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

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
    """Start, wait for /ready, stop gracefully (SIGTERM then SIGKILL) or kill outright.

    The child's environment is ``inherited`` (the parent's, say), then every field of
    ``settings``, then ``overrides``. ``PROBLEM_TRACKER_*`` variables of ``inherited`` are
    dropped unless ``inherit_settings``: a field left unset in ``settings`` (a password,
    say) then cannot be filled in by whatever the parent shell happened to export.
    """

    def __init__(
        self,
        settings: Settings,
        log_path: Path,
        inherited: Mapping[str, str],
        *,
        overrides: Mapping[str, str] | None = None,
        inherit_settings: bool = False,
        worker_args: Sequence[str] = (),
    ) -> None:
        self.settings = settings
        self.worker_args = list(worker_args)
        self.log_path = log_path
        self.overrides = dict(overrides or {})
        self._inherited = {
            name: value
            for name, value in inherited.items()
            if inherit_settings or not name.startswith(ENV_PREFIX)
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        worker = self.settings.worker
        return f"http://{worker.web_host}:{worker.web_port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise WorkerStartError("the worker was not started")
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def environment(self) -> dict[str, str]:
        return {**self._inherited, **settings_env(self.settings), **self.overrides}

    def start(self) -> Self:
        """Start the worker; a log left by an earlier one is kept as ``*.previous.log``
        (a worker kept running from an earlier start goes on writing there)."""
        if self.alive:
            raise WorkerStartError(f"the worker already runs (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.settings.worker.data_dir.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_suffix(".previous.log"))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "problem_tracker", "worker", *self.worker_args],
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (self.settings.worker.data_dir / PID_FILE).write_text(f"{self.process.pid}\n")
        return self

    def wait_ready(self, timeout: float) -> float:
        """Seconds until /ready answered 200; raises if the worker died or took too long."""
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

    def metrics_text(self) -> str:
        """The worker's /metrics page (Prometheus text format)."""
        with urllib.request.urlopen(f"{self.base_url}/metrics", timeout=5) as response:
            return str(response.read().decode())

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

    def kill(self) -> None:
        """SIGKILL to the worker's whole process group, as a crashed host would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def detach(self) -> int | None:
        """Leave the worker running on its own; its pid."""
        process, self.process = self.process, None
        return None if process is None else process.pid

    def tail(self, lines: int = 60) -> str:
        """The last lines of the worker's log."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_excerpt(self, first_errors: int = 3, last: int = 5) -> list[str]:
        """The first error lines (the cause, before the shutdown noise) and the last lines."""
        if not self.log_path.exists():
            return []
        lines = [
            line[:LINE_CHARS] for line in self.log_path.read_text(errors="replace").splitlines()
        ]
        errors = [line for line in lines if ERROR_LINE.search(line)][:first_errors]
        return [*errors, *(line for line in lines[-last:] if line not in errors)]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
