"""Prometheus metrics: the shell turns what the core decided into counters and timings.

A ``Metrics`` object owns its registry, so several workers (or tests) in one process
never share counters by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

_DURATION_BUCKETS = (1, 10, 60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600, 86400, 3 * 86400)
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class Metrics:
    """Every series the worker exports, registered in one registry."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.messages_in = Counter(
            "problem_tracker_messages_in_total",
            "Messages consumed, by topic kind.",
            ["topic"],
            registry=r,
        )
        self.duplicates = Counter(
            "problem_tracker_duplicates_total",
            "Inputs already decided (same eventId), by aggregate; their kept records are "
            "sent again while the input may not be committed, else nothing.",
            ["aggregate"],
            registry=r,
        )
        self.dead_letters = Counter(
            "problem_tracker_dead_letters_total",
            "Messages written to the DLQ, by reason code.",
            ["topic", "code"],
            registry=r,
        )
        self.domain_events = Counter(
            "problem_tracker_domain_events_total",
            "Domain events decided, by type.",
            ["event"],
            registry=r,
        )
        self.messages_out = Counter(
            "problem_tracker_messages_out_total",
            "Messages produced, by contract channel (the topic's default name, without "
            "prefix) and event type.",
            ["channel", "event_type"],
            registry=r,
        )
        self.processing_seconds = Histogram(
            "problem_tracker_processing_seconds",
            "Time from consume to handing outputs to the producer, per message.",
            ["topic"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.ready = Gauge(
            "problem_tracker_ready",
            "1 when partitions are assigned and recovered and reference data is loaded.",
            registry=r,
        )
        self.due_index_size = Gauge(
            "problem_tracker_due_index_entries",
            "Deadlines held in this worker's in-memory due-index.",
            registry=r,
        )
        self.due_index_rebuild_seconds = Gauge(
            "problem_tracker_due_index_rebuild_seconds",
            "How long the last rebuild of the due-index took, after a rebalance.",
            registry=r,
        )
        self.internal_dead_letters = Counter(
            "problem_tracker_internal_dead_letters_total",
            "Commands the worker sent itself that were rejected (a defect of ours, never "
            "of the input), by aggregate and reason code.",
            ["aggregate", "code"],
            registry=r,
        )
        self.oversized_states = Counter(
            "problem_tracker_oversized_states_total",
            "Commands refused because they would grow a state past WORKER__MAX_STATE_BYTES.",
            ["aggregate"],
            registry=r,
        )
        self.dead_letter_send_failures = Counter(
            "problem_tracker_dead_letter_send_failures_total",
            "Failed attempts to write a DLQ record; the partition waits and retries.",
            registry=r,
        )
        self.send_failures = Counter(
            "problem_tracker_send_failures_total",
            "Records the producer refused or failed to deliver, by topic; a refused record "
            "is retried and holds its partition, a lost delivery stops the worker.",
            ["topic"],
            registry=r,
        )
        self.replayed_records = Counter(
            "problem_tracker_replayed_records_total",
            "Records sent again for a redelivered input whose decision was already saved "
            "(after a crash or a lost commit), byte for byte, by aggregate.",
            ["aggregate"],
            registry=r,
        )
        self.unkept_outputs = Counter(
            "problem_tracker_unkept_outputs_total",
            "Decisions whose records were too big to keep with the state for a replay "
            "(WORKER__MAX_TABLE_VALUE_BYTES); sent once, not replayable after a crash.",
            ["aggregate"],
            registry=r,
        )
        self.open_reports = Gauge(
            "problem_tracker_open_reports",
            "Open reports (not closed or cancelled) this worker processes, by status and priority.",
            ["status", "priority"],
            registry=r,
        )
        self.open_reports_in_jeopardy = Gauge(
            "problem_tracker_open_reports_in_jeopardy",
            "Open reports this worker processes, by jeopardy level (none, warning, "
            "jeopardy, breached).",
            ["jeopardy"],
            registry=r,
        )
        self.open_reports_by_escalation_level = Gauge(
            "problem_tracker_open_reports_by_escalation_level",
            "Open reports this worker processes, by the escalation level reached (0: none).",
            ["escalation_level"],
            registry=r,
        )
        self.time_to_acknowledge = Histogram(
            "problem_tracker_time_to_acknowledge_seconds",
            "From a report's creation date to its acknowledgement.",
            buckets=_DURATION_BUCKETS,
            registry=r,
        )
        self.time_to_resolve = Histogram(
            "problem_tracker_time_to_resolve_seconds",
            "From a report's creation date to its resolution, by priority.",
            ["priority"],
            buckets=_DURATION_BUCKETS,
            registry=r,
        )
        self.tick_lag_seconds = Histogram(
            "problem_tracker_tick_lag_seconds",
            "How late a deadline was turned into a Tick, after it fell due.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.reference_errors = Counter(
            "problem_tracker_reference_errors_total",
            "Reference records whose processing raised (logged and skipped), by kind.",
            ["kind"],
            registry=r,
        )
        self.reference_entries = Gauge(
            "problem_tracker_reference_entries",
            "Reference data held by this worker, by kind.",
            ["kind"],
            registry=r,
        )
