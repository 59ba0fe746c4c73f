"""The processor under faults: its workers (members of one group, each with its own home
and tables), the broker they use, and the fault schedule that kills, stops, restarts and
wipes them while the traffic goes on."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from worker_process import start_ready, worker_in

from problem_tracker.config import Settings
from problem_tracker.kafka_local import LocalKafka
from problem_tracker.worker_child import ERROR_LINE, WorkerChild

READY_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class FaultEvent:
    """Something the schedule did, when (wall clock, seconds since the epoch)."""

    kind: str
    member: int | None
    wall: float
    seconds: float = 0.0
    """How long the action took (a start: until the worker was ready)."""


class Broker:
    """The broker of a run: one the suite started (and may restart) or one it was given."""

    def __init__(self, bootstrap: str, local: LocalKafka | None = None) -> None:
        self.bootstrap = bootstrap
        self.local = local

    @property
    def restartable(self) -> bool:
        return self.local is not None

    def up(self) -> bool:
        return self.local is None or self.local.is_up()

    def stop(self) -> None:
        assert self.local is not None, "only a broker the suite started can be stopped"
        self.local.stop()

    def start(self) -> None:
        """Start again on the same ports and data (its closed connections' TIME_WAIT does
        not hold the ports: the start reuses the address)."""
        assert self.local is not None
        self.local.start()


@dataclass
class Cluster:
    """Workers of one app: member ``n`` lives in ``root/member-n`` (log and tables)."""

    root: Path
    settings: Settings
    overrides: dict[str, str] = field(default_factory=dict)
    workers: dict[int, WorkerChild] = field(default_factory=dict)
    events: list[FaultEvent] = field(default_factory=list)
    error_lines: int = 0
    first_errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def home(self, member: int) -> Path:
        return self.root / f"member-{member}"

    def record(self, kind: str, member: int | None, wall: float, seconds: float = 0.0) -> None:
        with self._lock:
            self.events.append(FaultEvent(kind, member, wall, seconds))

    def start(self, member: int) -> float:
        """Start member ``member`` and wait until it is ready; seconds it took."""
        worker = worker_in(self.home(member), self.settings, self.overrides)
        wall = time.time()
        with self._lock:
            self.workers[member] = worker
        started = time.monotonic()
        start_ready(worker, READY_SECONDS)
        took = time.monotonic() - started
        self.record("start", member, wall, took)
        return took

    def kill(self, member: int) -> None:
        """SIGKILL, as a crashed host."""
        worker = self.workers[member]
        wall = time.time()
        worker.kill()
        self.record("kill", member, wall)
        self._count_errors(worker)

    def stop(self, member: int, kind: str = "stop") -> None:
        """SIGTERM and wait, as an orchestrator scaling down or rolling out."""
        worker = self.workers[member]
        wall = time.time()
        worker.stop()
        self.record(kind, member, wall, time.time() - wall)
        self._count_errors(worker)

    def wipe(self, member: int) -> None:
        """The member's disk is gone: its tables must come back from the changelogs."""
        assert not self.workers[member].alive, "wipe a worker's state only while it is down"
        shutil.rmtree(self.home(member) / "state", ignore_errors=True)
        self.record("wipe", member, time.time())

    def live(self) -> list[WorkerChild]:
        with self._lock:
            return [worker for worker in self.workers.values() if worker.alive]

    def stop_all(self) -> None:
        for member, worker in list(self.workers.items()):
            if worker.alive:
                self.stop(member, "shutdown")

    def _count_errors(self, worker: WorkerChild) -> None:
        if not worker.log_path.exists():
            return
        lines = worker.log_path.read_text(errors="replace").splitlines()
        errors = [line[:300] for line in lines if ERROR_LINE.search(line)]
        with self._lock:
            self.error_lines += len(errors)
            self.first_errors.extend(errors[: max(0, 5 - len(self.first_errors))])

    def count_remaining_errors(self) -> None:
        for worker in self.workers.values():
            self._count_errors(worker)


def report_views(worker: WorkerChild, report_id: str) -> dict[str, Any] | None:
    """``GET /reports/{id}`` on one worker; ``None`` when it has no such report or does
    not answer."""
    try:
        with urllib.request.urlopen(f"{worker.base_url}/reports/{report_id}", timeout=5) as r:
            return dict(json.loads(r.read()))
    except urllib.error.HTTPError:
        return None
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return None


# -- the schedule --------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A fault (or a recovery) done once ``at`` of the lifecycles have been started."""

    at: float
    name: str
    action: Callable[[Cluster, Broker], None]


BUSY_WAIT = 60.0
"""How long a step waits for outputs to flow before it acts anyway."""


class Schedule:
    """Runs the steps in order in a thread of its own while the traffic goes on; each
    once its share of lifecycles was started and outputs are flowing (a fault hits a busy
    processor, not one still recovering from the last)."""

    def __init__(
        self,
        steps: list[Step],
        cluster: Cluster,
        broker: Broker,
        progress: Callable[[], float],
        busy: Callable[[], bool],
    ) -> None:
        self.steps = sorted(steps, key=lambda step: step.at)
        self.cluster = cluster
        self.broker = broker
        self.progress = progress
        self.busy = busy
        self.done: list[str] = []
        self.failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faults", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finished(self) -> bool:
        return not self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(READY_SECONDS + 30)

    def _run(self) -> None:
        try:
            for step in self.steps:
                while self.progress() < step.at:
                    if self._stop.wait(0.1):
                        return
                waited = time.monotonic()
                while not self.busy() and time.monotonic() - waited < BUSY_WAIT:
                    if self._stop.wait(0.1):
                        return
                step.action(self.cluster, self.broker)
                self.done.append(step.name)
        except BaseException as exc:
            self.failure = exc
