"""Libraries that log whole record values at DEBUG never do so in a worker."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from problem_tracker.streaming.worker import PAYLOAD_LOGGERS, quiet_payload_loggers


@pytest.fixture(autouse=True)
def _restore_levels() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in PAYLOAD_LOGGERS}
    yield
    root.setLevel(saved[0])
    for name, level in saved[1].items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize(("root", "floor"), [("DEBUG", "INFO"), ("WARNING", "WARNING")])
def test_payload_loggers_stay_at_info_or_above(root: str, floor: str) -> None:
    logging.getLogger().setLevel(root)

    quiet_payload_loggers()

    for name in PAYLOAD_LOGGERS:
        assert logging.getLogger(name).getEffectiveLevel() == logging.getLevelName(floor)
