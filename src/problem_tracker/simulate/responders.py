"""Service Problem Management and the partners' S/P Problem Reporting & Management.

They receive what Coordinate Customer Problem delegates and answer the way Monitor
Resolution Update expects: a Create event naming their own (external) id, then status
changes acknowledged → inProgress → resolved after a while, or a rejection; a cancel
request is answered ``cancelled`` and stops the pending answers. ``correlationId`` echoes
the request id. Pure: requests and times come in, due answers go out.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from problem_tracker.simulate import messages as m
from problem_tracker.simulate.messages import DelegatedUpdate, Delegation
from problem_tracker.simulate.pacing import Schedule
from problem_tracker.simulate.scenario import EventIds

REJECTIONS = ("No fault found on the service.", "Outside the maintenance contract.")
FIXES = ("Replaced a line card.", "Rebooted the aggregation switch.", "Spliced a cut fibre.")


@dataclass(frozen=True)
class ResponderPolicy:
    """How the other side behaves: delays are seconds, jittered by ``± jitter`` share."""

    resolve_after: float = 5.0
    jitter: float = 0.5
    reject_rate: float = 0.05
    seed: int = 0


@dataclass(frozen=True)
class _Answer:
    kind: Delegation
    request_id: str
    external_id: str
    update: DelegatedUpdate
    source: Mapping[str, str]


class Responders:
    """Answers delegated work requests for as long as it is fed them."""

    def __init__(self, policy: ResponderPolicy, ids: EventIds | None = None) -> None:
        self.policy = policy
        self._ids = ids or EventIds(policy.seed)
        self._schedule: Schedule[_Answer] = Schedule()
        self._answers_sent: Counter[str] = Counter()
        self._accepted: set[str] = set()
        self.stats: Counter[str] = Counter()

    def on_request(self, kind: Delegation, value: bytes | None, at: float, now: datetime) -> bool:
        """Take a request off ``kind``'s requests topic; False if it is not one to answer."""
        request = _parse(value)
        resource = _resource(request, kind)
        request_id = _request_id(request, resource)
        event_type = str(request.get("eventType", ""))
        if request_id is not None and event_type.startswith(("Update", "Close")):
            self.stats["updates" if event_type.startswith("Update") else "closed"] += 1
            return False
        if request_id is None or not event_type.startswith(("Create", "Cancel", "Reopen")):
            self.stats["unreadable requests"] += 1
            return False
        if event_type.startswith("Cancel"):
            self._cancel(kind, request_id, resource, at)
        elif event_type.startswith("Reopen"):
            self.stats["reopened"] += 1
            self._accept(kind, request_id, resource, at, now)
        elif request_id in self._accepted:
            self.stats["repeated requests"] += 1
            return False
        else:
            self._accepted.add(request_id)
            self._accept(kind, request_id, resource, at, now)
        self.stats["requests"] += 1
        return True

    def due(self, at: float, now: datetime) -> list[m.SimMessage]:
        """The answers due by ``at``, stamped ``now``."""
        return [self._render(answer, now) for answer in self._schedule.pop_due(at)]

    def next_at(self) -> float | None:
        return self._schedule.next_at()

    @property
    def pending(self) -> int:
        return len(self._schedule)

    def _accept(
        self,
        kind: Delegation,
        request_id: str,
        resource: Mapping[str, Any],
        at: float,
        now: datetime,
    ) -> None:
        rng = random.Random(f"{self.policy.seed}/{request_id}")
        jitter = self.policy.jitter
        delay = self.policy.resolve_after * rng.uniform(1 - jitter, 1 + jitter)
        expected = now + timedelta(seconds=delay)
        source = _source(kind, resource)
        external_id = self._external_id(kind, request_id, source)

        def answer(after: float, update: DelegatedUpdate) -> None:
            item = _Answer(kind, request_id, external_id, update, source)
            self._schedule.add(at + after, request_id, item)

        acknowledged = min(0.2, delay / 10) * rng.uniform(0.5, 1.0)
        answer(
            acknowledged,
            DelegatedUpdate("acknowledged", created=True, expected_resolution=expected),
        )
        if rng.random() < self.policy.reject_rate:
            answer(acknowledged * 2, DelegatedUpdate("rejected", reason=rng.choice(REJECTIONS)))
            return
        answer(
            delay * 0.3,
            DelegatedUpdate(
                "inProgress", expected_resolution=expected, note_text="An engineer is on it."
            ),
        )
        answer(
            delay,
            DelegatedUpdate("resolved", reason="Fault repaired.", note_text=rng.choice(FIXES)),
        )

    def _cancel(
        self, kind: Delegation, request_id: str, resource: Mapping[str, Any], at: float
    ) -> None:
        self._schedule.withdraw(request_id)
        source = _source(kind, resource)
        external_id = str(resource.get("externalId") or self._external_id(kind, request_id, source))
        update = DelegatedUpdate("cancelled", reason="Withdrawn by the customer problem owner.")
        self._schedule.add(
            at + 0.05, request_id, _Answer(kind, request_id, external_id, update, source)
        )

    def _render(self, answer: _Answer, now: datetime) -> m.SimMessage:
        self._answers_sent[answer.request_id] += 1
        event_id = self._ids.event_id(
            "answer", answer.request_id, self._answers_sent[answer.request_id]
        )
        self.stats[f"answered {answer.update.status}"] += 1
        return m.delegated_event(
            answer.kind,
            event_id,
            now,
            answer.request_id,
            answer.external_id,
            answer.update,
            answer.source,
        )

    def _external_id(self, kind: Delegation, request_id: str, source: Mapping[str, str]) -> str:
        prefix = "SPM" if kind is m.SERVICE_TROUBLE else source["id"].removeprefix("partner-")[:3]
        return f"{prefix.upper()}-{self._ids.event_id('external', request_id)[:8].upper()}"


def _parse(value: bytes | None) -> dict[str, Any]:
    try:
        parsed = json.loads(value) if value is not None else None
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _resource(request: Mapping[str, Any], kind: Delegation) -> dict[str, Any]:
    event = request.get("event")
    resource = event.get(kind.resource) if isinstance(event, dict) else None
    return resource if isinstance(resource, dict) else {}


def _request_id(request: Mapping[str, Any], resource: Mapping[str, Any]) -> str | None:
    request_id = resource.get("requestId") or request.get("correlationId")
    return str(request_id) if request_id else None


def _source(kind: Delegation, resource: Mapping[str, Any]) -> dict[str, str]:
    """Who answers: SPM, or the partner the request names."""
    if kind is m.SERVICE_TROUBLE:
        return dict(m.SPM)
    partner = resource.get("partner") or {}
    partner_id = str(partner.get("id") or "partner")
    return {"id": partner_id, "name": str(partner.get("name") or partner_id)}
