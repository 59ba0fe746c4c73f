"""The fault suite's broker and its report at the end of the session.

The short variant (``make test``) uses the session's broker; the long one
(``make test-faults``, ``FAULT_SUITE=long``) starts a broker of its own, which it may stop
and restart without disturbing anything else.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The suite drives workers with the integration tests' helpers (worker_process, records).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

from fault_cluster import Broker
from fault_run import LONG, SUMMARIES

from problem_tracker.config import Settings
from problem_tracker.kafka_local import LocalKafka


@pytest.fixture(scope="session")
def fault_broker(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Broker]:
    if not LONG:
        yield Broker(request.getfixturevalue("kafka_bootstrap"))
        return
    local = LocalKafka.throwaway(Settings().local_kafka, tmp_path_factory.mktemp("fault-kafka"))
    try:
        yield Broker(local.start(), local)
    finally:
        local.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARIES:
        terminalreporter.section("fault suite")
        for summary in SUMMARIES:
            terminalreporter.write_line(summary)
