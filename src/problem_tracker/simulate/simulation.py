"""One simulated run around the processor: reference data, upstream traffic and the
delegated-work responders on real Kafka, until every report is closed or cancelled, the
time is up, nothing moves any more, or someone stops it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from problem_tracker.admin.topics import ensure_topics, topic_plan
from problem_tracker.config import Settings
from problem_tracker.simulate import messages as m
from problem_tracker.simulate.kafka_io import Inbox, Outbox, Record, topic_names
from problem_tracker.simulate.plans import ScenarioMix
from problem_tracker.simulate.responders import ResponderPolicy, Responders
from problem_tracker.simulate.scenario import ScenarioGenerator
from problem_tracker.simulate.upstream import Upstream

MAX_POLL_WAIT = 0.1
PROGRESS_EVERY = 0.2


@dataclass(frozen=True)
class SimulationOptions:
    """What to play and for how long; ``seed`` None draws one (reported for replay)."""

    count: int = 100
    rate: float = 50.0
    seed: int | None = None
    duration: float = 300.0
    idle_timeout: float | None = None
    """Seconds without traffic, once all is sent, before giving up on open reports
    (None: ``max(15, 3 * resolve_after)``, so slow responders are not cut short)."""
    bad_rate: float = 0.02
    reject_rate: float = 0.05
    resolve_after: float = 5.0
    upstream: bool = True
    responders: bool = True
    reference_data: bool = True
    create_topics: bool = True
    topic_prefix: str | None = None
    mix: ScenarioMix = field(default_factory=ScenarioMix)
    """Shares of follow-ups, outages and so on; its ``bad_rate`` yields to the one above."""


@dataclass
class SimulationReport:
    """What a run sent and saw; updated live while it runs."""

    seed: int
    count: int
    upstream: bool = True
    elapsed: float = 0.0
    interrupted: bool = False
    reference_sent: int = 0
    reports_created: int = 0
    reports_open: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    bad: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    notifications: Counter[str] = field(default_factory=Counter)
    dlq: Counter[str] = field(default_factory=Counter)
    dlq_stale: Counter[str] = field(default_factory=Counter)
    responders: Counter[str] = field(default_factory=Counter)
    delivery_failures: list[str] = field(default_factory=list)

    @property
    def requests_answered(self) -> int:
        return self.responders["requests"]

    @property
    def resolved_seen(self) -> int:
        return self.notifications["CustomerProblemReportResolvedEvent"]

    @property
    def dlq_seen(self) -> int:
        return sum(self.dlq.values())


ProgressHook = Callable[[SimulationReport], None]
Handler = Callable[[Record, float], None]


class Simulation:
    """Plays every system around Track & Manage Customer Problem for one run.

    ``run`` blocks; to run alongside other work, call it in a thread and end it with
    ``stop``. One instance plays one run.
    """

    def __init__(
        self,
        settings: Settings,
        options: SimulationOptions,
        *,
        on_progress: ProgressHook | None = None,
    ) -> None:
        if not (options.upstream or options.responders):
            raise ValueError("a simulation plays upstream, the responders, or both")
        self.settings = settings
        self.options = options
        self.seed = (
            options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)
        )
        self.report = SimulationReport(
            seed=self.seed,
            count=options.count if options.upstream else 0,
            upstream=options.upstream,
        )
        self._on_progress = on_progress
        self._stop = threading.Event()
        self._names = topic_names(settings.topics, options.topic_prefix)
        mix = replace(options.mix, bad_rate=options.bad_rate)
        self.generator = ScenarioGenerator(self.seed, mix=mix)
        self.upstream = Upstream(
            self.generator,
            count=options.count,
            rate=options.rate,
            max_bytes=settings.worker.max_message_bytes,
        )
        policy = ResponderPolicy(
            options.resolve_after, reject_rate=options.reject_rate, seed=self.seed
        )
        self.responders = Responders(policy, self.generator.ids)

    def stop(self) -> None:
        """Ask a running ``run`` to finish (from another thread or a signal handler)."""
        self._stop.set()

    def run(self) -> SimulationReport:
        """Run until done, out of time, idle or stopped; Ctrl-C ends it cleanly."""
        if self.options.create_topics:
            prefix = self.options.topic_prefix
            topics = self.settings.topics
            prefixed = topics if prefix is None else topics.model_copy(update={"prefix": prefix})
            ensure_topics(self.settings.kafka, topic_plan(prefixed))
        outbox = Outbox(self.settings.kafka, self._names)
        inboxes = self._inboxes()
        started = time.monotonic()
        try:
            if self.options.upstream and self.options.reference_data:
                reference = self.generator.reference_data(datetime.now(UTC))
                self.report.reference_sent = outbox.send_all(reference)
            self._loop(outbox, inboxes, started)
        except KeyboardInterrupt:
            self.report.interrupted = True
        finally:
            outbox.flush(10.0)
            for inbox, _ in inboxes:
                inbox.close()
            self._snapshot(outbox, time.monotonic() - started)
        return self.report

    def _inboxes(self) -> list[tuple[Inbox, Handler]]:
        kafka, inboxes = self.settings.kafka, list[tuple[Inbox, Handler]]()
        if self.options.upstream:
            watched = (m.Topic.NOTIFICATIONS, m.Topic.DLQ)
            inboxes.append((Inbox(kafka, self._names, watched), self._on_processor_output))
        if self.options.responders:
            requests = (m.Topic.SERVICE_TROUBLE_REQUESTS, m.Topic.PARTNER_PROBLEM_REQUESTS)
            group = f"{self._names(m.Topic.SERVICE_TROUBLE_REQUESTS)}.simulated-responders"
            inboxes.append((Inbox(kafka, self._names, requests, group_id=group), self._on_request))
        return inboxes

    def _loop(self, outbox: Outbox, inboxes: list[tuple[Inbox, Handler]], started: float) -> None:
        last_activity = last_progress = started
        while not self._stop.is_set():
            at = time.monotonic()
            if at - started >= self.options.duration or self._done(at, last_activity):
                return
            sent = outbox.send_all(self._due(at))
            received = 0
            for inbox, handle in inboxes:
                for record in inbox.poll(self._wait(at) / len(inboxes)):
                    handle(record, time.monotonic())
                    received += 1
            outbox.poll()
            if sent or received:
                last_activity = time.monotonic()
            if self._on_progress is not None and at - last_progress >= PROGRESS_EVERY:
                last_progress = at
                self._snapshot(outbox, at - started)
                self._on_progress(self.report)

    def _due(self, at: float) -> list[m.SimMessage]:
        now = datetime.now(UTC)
        due = self.upstream.due(at, now) if self.options.upstream else []
        if self.options.responders:
            due.extend(self.responders.due(at, now))
        return due

    def _wait(self, at: float) -> float:
        wakes = [self.responders.next_at()] if self.options.responders else []
        if self.options.upstream:
            wakes.append(self.upstream.next_at(at))
        soonest = min((w for w in wakes if w is not None), default=at + MAX_POLL_WAIT)
        return min(MAX_POLL_WAIT, max(0.0, soonest - time.monotonic()))

    def _done(self, at: float, last_activity: float) -> bool:
        """Upstream runs end when every report is settled, or when nothing moves any more."""
        if not self.options.upstream:
            return False
        responders_idle = not self.options.responders or self.responders.pending == 0
        if self.upstream.finished and responders_idle:
            return True
        idle = self.options.idle_timeout or max(15.0, 3 * self.options.resolve_after)
        return self.upstream.all_sent and at - last_activity >= idle

    def _on_processor_output(self, record: Record, at: float) -> None:
        if record.topic is m.Topic.DLQ:
            self.upstream.observe_dead_letter(record.key, record.value)
        else:
            self.upstream.observe_notification(record.key, record.value, at)

    def _on_request(self, record: Record, at: float) -> None:
        service = record.topic is m.Topic.SERVICE_TROUBLE_REQUESTS
        kind = m.SERVICE_TROUBLE if service else m.PARTNER_PROBLEM
        self.responders.on_request(kind, record.value, at, datetime.now(UTC))

    def _snapshot(self, outbox: Outbox, elapsed: float) -> None:
        report, upstream = self.report, self.upstream
        report.elapsed = elapsed
        report.reports_created = upstream.reports_created if self.options.upstream else 0
        report.reports_open = upstream.open_reports if self.options.upstream else 0
        report.sent, report.bad, report.skipped = upstream.sent, upstream.bad, upstream.skipped
        report.notifications, report.dlq = upstream.notifications, upstream.dlq
        report.dlq_stale = upstream.dlq_stale
        report.responders = self.responders.stats
        report.delivery_failures = outbox.failures
