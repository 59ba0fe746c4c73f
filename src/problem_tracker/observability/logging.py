"""Structured JSON logs: one object per line, carrying ``report_id`` where there is one.

Customer contact data never reaches a log line: callers pass ids and codes, not payloads.
A Kafka outage is logged once when it starts and once when it ends: the Kafka clients
retry every few milliseconds and would otherwise write one line per attempt (a 33 s
outage wrote 91,705 identical lines).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Render a record and its ``extra`` fields as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


#: Loggers of the Kafka clients (aiokafka under Faust, librdkafka under confluent-kafka).
KAFKA_LOGGERS = ("aiokafka", "faust", "mode", "kafka", "librdkafka", "confluent_kafka")
#: What the clients say, in their many words, when a broker cannot be reached.
CONNECTION_ERROR = re.compile(
    "|".join(
        [
            r"unable connect to node",
            r"unable to update metadata",
            r"connect call failed",
            r"connection ?(refused|reset|closed|error)",
            r"connect to \S+ failed",
            r"disconnected",
            r"brokers? (are|is) down",
            r"broker transport failure",
            r"node ?not ?ready",
            r"request ?timed ?out",
            r"marking the coordinator dead",
            r"coordinator request failed",
            r"coordinator .*(not started|not valid|not available|unavailable)",
            r"(group ?)?coordinator ?not ?available",
            r"not ?coordinator",
            r"heartbeat session expired",
            r"failed fetch messages",
            r"failed to send",
        ]
    ),
    re.IGNORECASE,
)
OUTAGE_LOGGER = "problem_tracker.kafka_connection"


class ConnectionErrorCollapser(logging.Filter):
    """One line when Kafka connection errors start, none while they repeat, one line when
    none came for ``quiet_seconds`` (how long it lasted, how many were suppressed).

    A record counts if it comes from a Kafka client logger (``KAFKA_LOGGERS``), is INFO or
    above, and its message or exception names a connection problem (``CONNECTION_ERROR``).
    Everything else passes untouched. The end is noticed by ``check``, which a daemon
    thread calls every ``check_every`` seconds while an outage lasts (tests call it).
    """

    def __init__(
        self,
        quiet_seconds: float = 5.0,
        *,
        check_every: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        watch: bool = True,
    ) -> None:
        super().__init__()
        self.quiet_seconds = quiet_seconds
        self._check_every = check_every
        self._clock = clock
        self._watch = watch
        self._lock = threading.Lock()
        self._first: float | None = None
        self._last = 0.0
        self._suppressed: Counter[str] = Counter()
        self._watcher: threading.Thread | None = None

    @property
    def in_outage(self) -> bool:
        return self._first is not None

    @staticmethod
    def is_connection_error(record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO or not record.name.startswith(KAFKA_LOGGERS):
            return False
        text = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            text = f"{text} {record.exc_info[0].__name__} {record.exc_info[1]}"
        return CONNECTION_ERROR.search(text) is not None

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.is_connection_error(record):
            return True
        with self._lock:
            now = self._clock()
            self._last = now
            if self._first is not None:
                self._suppressed[record.name] += 1
                return False
            self._first = now
            self._suppressed = Counter()
            self._start_watcher()
        record.msg = (
            f"Kafka connection errors started: {record.getMessage()} (repeats are "
            f"suppressed until none came for {self.quiet_seconds:g} s)"
        )
        record.args = None
        record.kafka_outage = "started"
        if record.levelno < logging.WARNING:  # librdkafka says "Disconnected" at INFO
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True

    def check(self) -> bool:
        """Log the end of the outage if no connection error came for ``quiet_seconds``."""
        with self._lock:
            if self._first is None or self._clock() - self._last < self.quiet_seconds:
                return False
            seconds = round(self._last - self._first, 1)
            suppressed = self._suppressed
            self._first = None
        logging.getLogger(OUTAGE_LOGGER).warning(
            "Kafka connection errors stopped after %s s; %d repeats suppressed",
            seconds,
            suppressed.total(),
            extra={
                "kafka_outage": "ended",
                "outage_seconds": seconds,
                "suppressed": suppressed.total(),
                "suppressed_by_logger": dict(suppressed),
            },
        )
        return True

    def _start_watcher(self) -> None:
        if not self._watch or (self._watcher is not None and self._watcher.is_alive()):
            return
        self._watcher = threading.Thread(
            target=self._run_watcher, name="kafka-outage-watch", daemon=True
        )
        self._watcher.start()

    def _run_watcher(self) -> None:
        while True:
            time.sleep(self._check_every)
            if self.check() or not self.in_outage:
                return


def configure_logging(
    level: str = "INFO", json_lines: bool = True, quiet_seconds: float = 5.0
) -> None:
    """Route the root logger to stderr, as JSON lines unless a human is watching, with
    repeated Kafka connection errors collapsed (``ConnectionErrorCollapser``)."""
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(ConnectionErrorCollapser(quiet_seconds))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
