"""A Kafka outage is two log lines, not one per retry: when connection errors start, and
when none came for a while (with how long it lasted and how many repeats were hidden)."""

from __future__ import annotations

import json
import logging
import time

import pytest

from problem_tracker.observability.logging import (
    OUTAGE_LOGGER,
    ConnectionErrorCollapser,
    configure_logging,
)

UNREACHABLE = "Unable connect to node with id 1: [Errno 111] Connect call failed ('127.0.0.1', 9)"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def record(
    message: str, logger: str = "aiokafka", level: int = logging.ERROR, exc: Exception | None = None
) -> logging.LogRecord:
    exc_info = (type(exc), exc, None) if exc is not None else None
    return logging.LogRecord(logger, level, __file__, 1, message, None, exc_info)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def collapser(clock: Clock) -> ConnectionErrorCollapser:
    return ConnectionErrorCollapser(5.0, clock=clock, watch=False)


@pytest.fixture
def caught(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=OUTAGE_LOGGER)
    return caplog


def ends(caught: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caught.records if r.name == OUTAGE_LOGGER]


def test_the_first_connection_error_passes_and_says_repeats_are_suppressed(
    collapser: ConnectionErrorCollapser,
) -> None:
    first = record(UNREACHABLE)

    assert collapser.filter(first)
    assert first.getMessage().startswith("Kafka connection errors started: Unable connect")
    assert "until none came for 5 s" in first.getMessage()
    assert first.kafka_outage == "started"


def test_an_outage_starts_as_a_warning_even_if_the_client_says_it_at_info(
    collapser: ConnectionErrorCollapser,
) -> None:
    first = record("Disconnected: connection closed by peer", "librdkafka.x", logging.INFO)

    assert collapser.filter(first)
    assert (first.levelno, first.levelname) == (logging.WARNING, "WARNING")


def test_repeats_are_suppressed_whatever_the_client_says(
    collapser: ConnectionErrorCollapser,
) -> None:
    collapser.filter(record(UNREACHABLE))
    repeats = [
        record(UNREACHABLE),
        record("Unable to update metadata from [1]"),
        record("Failed fetch messages from 1: NodeNotReadyError: not ready", "aiokafka.consumer"),
        record("Group Coordinator Request failed: NodeNotReadyError", "aiokafka.consumer"),
        record("Marking the coordinator dead (node 1)for group g.", level=logging.WARNING),
        record("Heartbeat session expired - marking coordinator dead"),
        record(
            "FAIL [rdkafka#consumer-2] Connect to ipv4#127.0.0.1:9 failed: Connection refused",
            "librdkafka.reference-loader",
        ),
        record("Disconnected: connection closed by peer", "librdkafka.x", logging.INFO),
        record("send failed", "faust.transport.producer", exc=ConnectionError("refused")),
    ]

    assert [collapser.filter(r) for r in repeats] == [False] * len(repeats)


def test_other_lines_pass_during_an_outage(collapser: ConnectionErrorCollapser) -> None:
    collapser.filter(record(UNREACHABLE))

    assert collapser.filter(record("Discovered coordinator 1 for group g", level=logging.INFO))
    assert collapser.filter(record("Heartbeat failed for group g because it is rebalancing"))
    assert collapser.filter(record("Connection refused by the SPM", "problem_tracker.outbox"))
    assert collapser.filter(record(UNREACHABLE, level=logging.DEBUG))


def test_the_end_is_one_line_with_duration_and_count(
    collapser: ConnectionErrorCollapser, clock: Clock, caught: pytest.LogCaptureFixture
) -> None:
    collapser.filter(record(UNREACHABLE))
    for _ in range(1000):
        clock.now += 0.02
        collapser.filter(record(UNREACHABLE))
        collapser.filter(record("Unable to update metadata from [1]", "aiokafka.cluster"))

    clock.now += 4.9
    assert not collapser.check()
    clock.now += 0.2
    assert collapser.check()
    assert not collapser.check()

    (line,) = ends(caught)
    assert (
        line.getMessage() == "Kafka connection errors stopped after 20.0 s; 2000 repeats suppressed"
    )
    assert line.kafka_outage == "ended"
    assert line.outage_seconds == 20.0
    assert line.suppressed == 2000
    assert line.suppressed_by_logger == {"aiokafka": 1000, "aiokafka.cluster": 1000}


def test_no_outage_no_end_line(
    collapser: ConnectionErrorCollapser, clock: Clock, caught: pytest.LogCaptureFixture
) -> None:
    clock.now += 60
    assert not collapser.check()
    assert ends(caught) == []


def test_a_second_outage_starts_afresh(collapser: ConnectionErrorCollapser, clock: Clock) -> None:
    collapser.filter(record(UNREACHABLE))
    collapser.filter(record(UNREACHABLE))
    clock.now += 10
    collapser.check()

    second = record(UNREACHABLE)
    assert collapser.filter(second)
    assert second.kafka_outage == "started"
    assert not collapser.filter(record(UNREACHABLE))


def test_a_watcher_thread_notices_the_end_by_itself(caught: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    collapser = ConnectionErrorCollapser(1.0, clock=clock, check_every=0.01)
    collapser.filter(record(UNREACHABLE))

    clock.now += 2
    deadline = time.monotonic() + 5
    while collapser.in_outage and time.monotonic() < deadline:
        time.sleep(0.01)

    assert not collapser.in_outage
    assert [r.kafka_outage for r in ends(caught)] == ["ended"]


def test_the_worker_logging_writes_one_json_line_for_a_storm(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("INFO", quiet_seconds=0.2)
        client = logging.getLogger("aiokafka")
        for _ in range(5000):
            client.error("Unable connect to node with id %s: [Errno 111] Connect call failed", 1)
        logging.getLogger("problem_tracker.streaming").info("a line of our own")
        time.sleep(1.5)
    finally:
        root.handlers[:], root.level = saved

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line.get("kafka_outage") for line in lines] == ["started", None, "ended"]
    assert lines[2]["suppressed"] == 4999
