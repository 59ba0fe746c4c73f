"""What would another SLA policy have done with the traffic we recorded?

``compare`` replays recorded inbound records under the current policy and a new one
(``engine.Comparison``) and sums up what each made of the reports created in the window.
The contexts are the worker's (``worker_context``): same process policy, same report
limits, only the SLA policy differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from problem_tracker.config import WorkerSettings
from problem_tracker.domain.context import DecisionContext, ProcessPolicy, ReportLimits
from problem_tracker.domain.sla.policy import SlaPolicy
from problem_tracker.replay.engine import Comparison, Recorded, ReportTally
from problem_tracker.replay.figures import Outcome, by_rule, most_changed
from problem_tracker.translation.reference_index import ReferenceIndex


def worker_context(
    worker: WorkerSettings, reference: ReferenceIndex, sla_policy: SlaPolicy
) -> DecisionContext:
    """The context a worker with these settings decides in, with ``sla_policy``."""
    return DecisionContext(
        reference=reference,
        policy=ProcessPolicy(
            ask_customer_when_no_affected_entity=worker.ask_customer_when_no_affected_entity
        ),
        sla_policy=sla_policy,
        limits=ReportLimits(
            max_notes=worker.max_notes_per_report,
            max_note_bytes=worker.max_note_bytes_per_report,
            max_entities=worker.max_entities_per_report,
            max_parties=worker.max_parties_per_report,
        ),
    )


def compare(
    recorded: Iterable[Recorded],
    comparison: Comparison,
    *,
    window_from: datetime | None,
    window_to: datetime,
    skipped: dict[str, int] | None = None,
    on_record: Callable[[], None] = lambda: None,
    sources: tuple[str, str] = ("current", "new"),
) -> Outcome:
    """Replay ``recorded`` (in time order), tick up to ``window_to``, and compare the
    reports created from ``window_from`` (``None``: all) to ``window_to``."""
    for _ in comparison.feed(recorded):
        on_record()
    comparison.finish(window_to)
    current, new = comparison.current.tallies, comparison.new.tallies
    counted = {
        report_id: tally
        for report_id, tally in current.items()
        if _created_within(tally, window_from, window_to)
    }
    counted_new = {report_id: new.get(report_id, ReportTally()) for report_id in counted}
    return Outcome(
        window_from=window_from,
        window_to=window_to,
        records=comparison.records,
        skipped=skipped or {},
        reports=len(counted),
        current=by_rule(counted.values(), _rule_names(comparison.current.context)),
        new=by_rule(counted_new.values(), _rule_names(comparison.new.context)),
        changes=most_changed(counted, counted_new),
        current_source=sources[0],
        new_source=sources[1],
    )


def _created_within(tally: ReportTally, start: datetime | None, end: datetime) -> bool:
    created = tally.created_at
    return created is not None and (start is None or created >= start) and created <= end


def _rule_names(context: DecisionContext) -> list[str]:
    return [rule.name for rule in context.sla_policy.rules]
