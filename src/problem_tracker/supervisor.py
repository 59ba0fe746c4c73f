"""``problem-tracker worker --processes N``: N worker processes on one host, one group.

A worker is one Python process and uses one core; a host with more cores runs several, each
a member of the same consumer group. Each child is a plain ``problem-tracker worker`` whose
environment differs in three settings only: its data directory (``<data_dir>/process-<i>``:
a RocksDB store is locked by one process), its web port (``web_port + i``) and, under
static membership, its ``group_instance_id`` (``<id>-<i>``: two members may not share one).

The supervisor forwards SIGTERM and SIGINT to every child and waits for them, killing those
still running after the stop timeout. A child that exits on its own is started again after a
pause; after ``max_restarts`` restarts within ``restart_window`` seconds it gives up: it
stops the other children and exits with the failed child's code, so that the orchestrator
sees one failed worker, as it would without the supervisor. Children die with the
supervisor (``PR_SET_PDEATHSIG`` on Linux): a killed supervisor leaves no member behind.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from problem_tracker.config import Settings
from problem_tracker.worker_child import ENV_PREFIX

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
_PR_SET_PDEATHSIG = 1


class SupervisorConfigError(ValueError):
    """The settings do not allow that many worker processes on one host."""


@dataclass(frozen=True)
class ChildSpec:
    """One child: its name in log lines, its command and its environment."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]


def worker_overrides(settings: Settings, processes: int) -> list[dict[str, str]]:
    """The settings each of ``processes`` workers on this host runs with, as variables."""
    worker = settings.worker
    if processes < 1:
        raise SupervisorConfigError(f"--processes must be 1 or more, not {processes}")
    if processes > 1 and worker.advertised_url is not None:
        raise SupervisorConfigError(
            "PROBLEM_TRACKER_WORKER__ADVERTISED_URL names one worker; with --processes each "
            "worker has a port of its own: unset it, or run one process per host"
        )
    if worker.web_port and worker.web_port + processes - 1 > 65535:
        raise SupervisorConfigError(
            f"web ports {worker.web_port}..{worker.web_port + processes - 1} do not all exist"
        )
    prefix = f"{ENV_PREFIX}WORKER__"
    overrides = []
    for index in range(processes):
        env = {f"{prefix}DATA_DIR": str(worker.data_dir / f"process-{index}")}
        if worker.web_port:
            env[f"{prefix}WEB_PORT"] = str(worker.web_port + index)
        if worker.group_instance_id is not None:
            env[f"{prefix}GROUP_INSTANCE_ID"] = f"{worker.group_instance_id}-{index}"
        overrides.append(env)
    return overrides


def worker_children(
    settings: Settings, processes: int, worker_args: Sequence[str], environ: Mapping[str, str]
) -> list[ChildSpec]:
    """``problem-tracker worker`` ``processes`` times, each with its own overrides."""
    argv = [sys.executable, "-m", "problem_tracker", "worker", *worker_args]
    return [
        ChildSpec(f"worker-{index}", argv, {**environ, **overrides})
        for index, overrides in enumerate(worker_overrides(settings, processes))
    ]


@dataclass
class _Running:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    start_at: float = 0.0
    """When a child waiting to be started again is due (monotonic)."""


@dataclass
class Supervisor:
    """Starts the children, restarts one that exits (within a budget), stops them all."""

    children: Sequence[ChildSpec]
    max_restarts: int = 3
    restart_window: float = 60.0
    restart_delay: float = 1.0
    stop_timeout: float = 30.0
    clock: Callable[[], float] = time.monotonic
    restarts: deque[float] = field(default_factory=deque)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """Ask every child to stop (safe from a signal handler or another thread)."""
        self._stopping.set()

    def run(self) -> int:
        """Until stopped (0 when every child stopped in time, else 1) or until a child
        failed past the restart budget (its exit code, at least 1)."""
        running = [_Running(spec) for spec in self.children]
        try:
            for child in running:
                self._start(child)
            while not self._stopping.wait(POLL_SECONDS):
                for child in running:
                    failed = self._watch(child)
                    if failed is not None:
                        self._stop_all(running)
                        return failed
        except BaseException:
            self._stop_all(running)
            raise
        return 0 if self._stop_all(running) else 1

    def _watch(self, child: _Running) -> int | None:
        """Start a child that is due; note one that exited. Its exit code (at least 1)
        once the restart budget is spent."""
        process = child.process
        if process is None:
            if self.clock() >= child.start_at:
                self._start(child)
            return None
        code = process.poll()
        if code is None:
            return None
        child.process = None
        now = self.clock()
        while self.restarts and now - self.restarts[0] > self.restart_window:
            self.restarts.popleft()
        if len(self.restarts) >= self.max_restarts:
            log.error(
                "worker process exited, restart budget spent: stopping",
                extra={"worker": child.spec.name, "code": code, "restarts": len(self.restarts)},
            )
            return code or 1
        self.restarts.append(now)
        child.start_at = now + self.restart_delay
        log.warning(
            "worker process exited: starting it again",
            extra={"worker": child.spec.name, "code": code, "delay": self.restart_delay},
        )
        return None

    def _start(self, child: _Running) -> None:
        child.process = subprocess.Popen(
            list(child.spec.argv),
            env=dict(child.spec.env),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.info(
            "worker process started", extra={"worker": child.spec.name, "pid": child.process.pid}
        )

    def _stop_all(self, running: Sequence[_Running]) -> bool:
        """SIGTERM to every child, SIGKILL to those left after the timeout; True when
        none had to be killed."""
        alive = [c.process for c in running if c.process is not None and c.process.poll() is None]
        for process in alive:
            process.send_signal(signal.SIGTERM)
        deadline = self.clock() + self.stop_timeout
        graceful = True
        for process in alive:
            try:
                process.wait(max(0.0, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                graceful = False
                process.kill()
                process.wait()
        log.info("worker processes stopped", extra={"graceful": graceful})
        return graceful


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies, however it dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def supervise(supervisor: Supervisor) -> int:
    """Run ``supervisor`` in the main thread, SIGTERM and SIGINT asking it to stop."""
    previous = {
        signum: signal.signal(signum, lambda *_: supervisor.stop())
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        return supervisor.run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
