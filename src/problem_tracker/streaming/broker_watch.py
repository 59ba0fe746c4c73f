"""Is the cluster answering? A thread asks it for metadata every few seconds.

Readiness uses it: a worker whose broker has not answered for longer than the grace period
(``WORKER__BROKER_GRACE_SECONDS``) is not ready, whatever its partitions say. It logs one
line when the cluster stops answering and one when it answers again (with how long it was
away), never one per retry: librdkafka's own lines are silenced here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from problem_tracker.admin.client_config import confluent_config
from problem_tracker.config import KafkaSettings

log = logging.getLogger(__name__)

Probe = Callable[[], None]
"""Raises when the cluster does not answer."""


def metadata_probe(kafka: KafkaSettings, timeout: float) -> Probe:
    """A metadata request through an admin client made at the first call."""
    clients: list[Any] = []

    def probe() -> None:
        if not clients:
            from confluent_kafka.admin import AdminClient

            config: dict[str, Any] = {**confluent_config(kafka), "log_level": 0}
            config["error_cb"] = _ignore
            clients.append(AdminClient(config))
        clients[0].list_topics(timeout=timeout)

    return probe


def _ignore(error: Any) -> None:
    """Errors are judged by whether the metadata request answers, not one by one."""


class BrokerWatch:
    """The time of the last answer, and the state changes, of one cluster."""

    def __init__(
        self,
        probe: Probe,
        address: str,
        grace_seconds: float,
        interval_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self._address = address
        self._grace = grace_seconds
        self._interval = interval_seconds
        self._clock = clock
        self._last_answer = clock()
        self._down_since: float | None = None
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Ask once; log a state change. ``True`` when the cluster answered."""
        try:
            self._probe()
        except Exception as exc:
            self._went_silent(self._clock(), str(exc))
            return False
        now = self._clock()
        with self._state_lock:
            was_down_since, self._down_since = self._down_since, None
            self._last_answer = now
        if was_down_since is not None:
            log.warning(
                "Kafka is answering again",
                extra={
                    "bootstrap_servers": self._address,
                    "away_seconds": round(now - was_down_since, 1),
                },
            )
        return True

    def problem(self) -> str | None:
        """Why the worker is not ready on account of the cluster, if it is not. A probe
        may still hang when the grace period is over: the outage is logged then."""
        silent = self._clock() - self._last_answer
        if silent <= self._grace:
            return None
        self._went_silent(self._last_answer, f"no answer for {silent:.0f} s")
        return f"Kafka at {self._address} has not answered for {silent:.0f} s"

    def _went_silent(self, since: float, error: str) -> None:
        """Log the outage once, from whichever thread notices it first."""
        with self._state_lock:
            if self._down_since is not None:
                return
            self._down_since = since
        log.error(
            "Kafka is not answering",
            extra={"bootstrap_servers": self._address, "error": error},
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="broker-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._interval + 10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self._interval)
