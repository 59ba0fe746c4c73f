"""An outbox that records what it would send, for tests of the shell's timers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from problem_tracker.contracts.stored import SentRecord
from problem_tracker.streaming.outbox import OutboxTopics
from problem_tracker.translation.internal import decode_internal

TOPICS = OutboxTopics(
    service_trouble_requests="str",
    partner_problem_requests="ppr",
    notifications="n",
    escalations="e",
    dlq="dlq",
    customer_events_repartitioned="rep",
    report_commands="rc",
    service_trouble_commands="stc",
)


@dataclass
class Recorder:
    """A ``Sender`` that keeps every record."""

    sent: list[SentRecord] = field(default_factory=list)

    async def send(self, record: SentRecord) -> None:
        self.sent.append(record)

    def commands(self) -> list[tuple[str, Any]]:
        """(key, internal command) of every record sent."""
        return [
            ((record.key or b"").decode(), decode_internal(record.value or b"").command)
            for record in self.sent
        ]
