"""What the worker published, compared with what the oracle says it must have published,
and the figures of a run.

- Every expected output (topic, key, ``eventType``, ``eventId``) is there; nothing else is
  (``eventId`` unknown to the oracle); a notification shows the oracle's status.
- The same ``eventId`` more than once is a duplicate: allowed under ``at_least_once`` only
  when byte-identical (counted); never under ``exactly_once``.
- Escalations are compared by what they are about (report, threshold or ladder level or
  end), since their ids derive from when a tick was handled: each expected one exactly
  once (one ``eventId``, byte-identical repeats aside), none unexpected.
- Impact updates to SPM (debounced, timed by when a timer was handled against the links
  queued behind it) are compared per service trouble: counted, never failed; repeats of
  one ``eventId`` must be byte-identical like any other record.
- Dead letters: exactly those the oracle expects (by the rejected record's ``eventId`` and
  code); the same rejected record dead-lettered again is counted, not failed.
- Each report ends in the oracle's status, by its last notification (repeated ``eventId``s
  dropped, as a deduplicating consumer does) and by
  ``GET /reports/{id}``: asked of every live worker, the one with the active copy answers
  (a standby copy answers only when asked for it), and no answer may differ.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fault_cluster import FaultEvent, report_views
from fault_oracle import IMPACT_UPDATE, Expected, is_impact_update
from fault_players import Group
from fault_readback import Observed, by_event_id

from problem_tracker.domain.identity import service_of_request
from problem_tracker.simulate.messages import Topic
from problem_tracker.streaming.partitioning import partition_for
from problem_tracker.worker_child import WorkerChild

TICK_MARGIN = timedelta(seconds=30)
"""Escalations due this close to the end of a run may or may not have been published."""
SHOWN = 5


@dataclass
class Findings:
    """Counts, and a few examples of each problem."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, what: str, example: str, n: int = 1) -> None:
        self.counts[what] += n
        if len(self.examples[what]) < SHOWN:
            self.examples[what].append(example)


FAILURES = (
    "missing",
    "unexpected",
    "wrong",
    "conflicting duplicates",
    "escalations missing",
    "escalations doubled",
    "escalations unexpected",
    "dead letters missing",
    "dead letters unexpected",
    "final status differs (last notification)",
    "final status differs (/reports)",
    "/reports answers not the oracle's",
    "stuck reports",
    "inputs undelivered",
)


def compare(
    groups: list[Group],
    records: list[Observed],
    *,
    end: datetime,
    exactly_once: bool,
    views: dict[str, list[dict[str, Any] | None]],
) -> Findings:
    found = Findings()
    expected: dict[str, Expected] = {}
    impacts: list[Expected] = []
    escalations: dict[tuple[str, str | None], Expected] = {}
    tolerated: set[tuple[str, str | None]] = set()
    dead_letters: dict[str, tuple[str, str]] = {}
    statuses: dict[str, str | None] = {}
    for group in groups:
        model = group.model
        model.advance(end - TICK_MARGIN)
        upcoming = model.next_tick()
        if upcoming is not None and upcoming <= end + TICK_MARGIN:
            later = copy.deepcopy(model)
            tolerated |= {(o.key, o.about) for o in later.advance(end + TICK_MARGIN) if o.about}
        for out in model.outputs:
            if is_impact_update(out):
                impacts.append(out)
            elif out.about is None:
                expected[out.event_id] = out
            else:
                escalations[(out.key, out.about)] = out
        for letter in model.dead_letters:
            dead_letters[letter.cause] = (letter.key or "", letter.code)
            if letter.ours:
                found.add("oracle expects a dead letter of ours", str(letter))
        for report_id in group.reports:
            statuses[report_id] = model.status(report_id)

    outputs = [
        r
        for r in records
        if r.topic not in (Topic.ESCALATIONS, Topic.DLQ) and r.event_type != IMPACT_UPDATE
    ]
    _outputs(found, expected, outputs, exactly_once)
    _impacts(found, impacts, [r for r in records if r.event_type == IMPACT_UPDATE], exactly_once)
    _escalations(found, escalations, tolerated, records, exactly_once)
    _dead_letters(found, dead_letters, [r for r in records if r.topic is Topic.DLQ])
    _statuses(found, statuses, [r for r in records if r.topic is Topic.NOTIFICATIONS], views)
    for group in groups:
        if not group.finished:
            stuck = [r for r in group.reports if r not in group.completed]
            shown = {r: [_view_summary(v) for v in views.get(r, [])] for r in stuck}
            found.add(
                "stuck reports",
                f"{group.kind} group {group.number} waiting for {group.unmet}; "
                f"/reports says {shown}",
                len(stuck),
            )
    found.counts["lifecycles"] = sum(len(group.completed) for group in groups)
    found.counts["reports"] = len(statuses)
    found.counts["expected outputs"] = len(expected) + len(escalations)
    found.counts["records read back"] = len(records)
    return found


def _outputs(
    found: Findings, expected: dict[str, Expected], records: list[Observed], exactly_once: bool
) -> None:
    grouped = by_event_id(records)
    for event_id, wanted in expected.items():
        if event_id not in grouped:
            found.add(
                "missing", f"{wanted.topic.value} {wanted.key} {wanted.event_type} {event_id}"
            )
    for event_id, seen in grouped.items():
        wanted_or_none = expected.get(event_id)
        first = seen[0]
        if wanted_or_none is None:
            found.add(
                "unexpected", f"{first.topic.value} {first.key} {first.event_type} {event_id}"
            )
            continue
        wanted = wanted_or_none
        if (first.topic, first.key, first.event_type) != (
            wanted.topic,
            wanted.key,
            wanted.event_type,
        ) or (wanted.status is not None and first.status != wanted.status):
            found.add(
                "wrong",
                f"{event_id}: {first.key} {first.event_type} {first.status}, expected "
                f"{wanted.key} {wanted.event_type} {wanted.status}",
            )
        _duplicates(found, seen, exactly_once)


def _impacts(
    found: Findings, expected: list[Expected], records: list[Observed], exactly_once: bool
) -> None:
    for copies in by_event_id(records).values():
        _duplicates(found, copies, exactly_once)
    published = {record.key for record in records}
    wanted = {out.key for out in expected}
    found.counts["impact updates expected"] = len(expected)
    found.counts["impact updates published"] = len(by_event_id(records))
    found.counts["impact update ids equal to the oracle's"] = len(
        {out.event_id for out in expected} & set(by_event_id(records))
    )
    found.counts["service troubles updated by the oracle"] = len(wanted)
    found.counts["service troubles updated by the worker"] = len(published)
    found.counts["service troubles updated by both"] = len(wanted & published)


def _duplicates(found: Findings, seen: list[Observed], exactly_once: bool) -> None:
    if len(seen) < 2:
        return
    first = seen[0]
    identical = all(r.value == first.value and r.key == first.key for r in seen[1:])
    what = "byte-identical duplicates" if identical else "conflicting duplicates"
    if exactly_once and identical:
        what = "duplicates under exactly_once"
    found.add(what, f"{first.key} {first.event_type} {first.event_id} x{len(seen)}", len(seen) - 1)


def _escalations(
    found: Findings,
    expected: dict[tuple[str, str | None], Expected],
    tolerated: set[tuple[str, str | None]],
    records: list[Observed],
    exactly_once: bool,
) -> None:
    seen: dict[tuple[str | None, str | None], list[Observed]] = defaultdict(list)
    for record in records:
        if record.topic is Topic.ESCALATIONS:
            seen[(record.key, record.about)].append(record)
    same_ids = 0
    for subject, wanted in expected.items():
        published = seen.get(subject, [])
        ids = by_event_id(published)
        if not ids:
            found.add("escalations missing", f"{subject}")
        elif len(ids) > 1:
            found.add("escalations doubled", f"{subject}: {sorted(ids)}", len(ids) - 1)
        same_ids += wanted.event_id in ids
        for copies in ids.values():
            _duplicates(found, copies, exactly_once)
    for subject, published in seen.items():
        if subject not in expected and subject not in tolerated:
            found.add("escalations unexpected", f"{subject}: {published[0].event_id}")
    found.counts["escalations expected"] = len(expected)
    found.counts["escalation ids equal to the oracle's"] = same_ids


def _dead_letters(
    found: Findings, expected: dict[str, tuple[str, str]], records: list[Observed]
) -> None:
    seen: dict[str, list[Observed]] = defaultdict(list)
    for record in records:
        seen[record.cause or f"(not enveloped) {record.origin}"].append(record)
    for cause, (key, code) in expected.items():
        if not any(record.code == code for record in seen.get(cause, [])):
            found.add("dead letters missing", f"{key} {code} for {cause}")
    for cause, letters in seen.items():
        first = letters[0]
        if cause not in expected or expected[cause][1] != first.code:
            found.add("dead letters unexpected", f"{first.key} {first.code} for {cause}")
        again = len(letters) - len({r.origin for r in letters})
        if again:
            found.add("dead letters repeated", f"{first.key} {first.code} x{len(letters)}", again)
    found.counts["dead letters expected"] = len(expected)


def _statuses(
    found: Findings,
    expected: dict[str, str | None],
    notifications: list[Observed],
    views: dict[str, list[dict[str, Any] | None]],
) -> None:
    # The report as a consumer that drops repeated eventIds sees it: a re-sent notification
    # may arrive after a later one (counted), but it is not news.
    last: dict[str, Observed] = {}
    seen: set[str | None] = set()
    for record in sorted(notifications, key=lambda r: (r.partition, r.offset)):
        if record.key is None:
            continue
        if record.event_id in seen:
            newer = last.get(record.key)
            if newer is not None and newer.status != record.status:
                found.add(
                    "notifications re-sent after a later one",
                    f"{record.key}: {record.status} again after {newer.status}",
                )
            continue
        seen.add(record.event_id)
        last[record.key] = record
    for report_id, status in expected.items():
        published = last.get(report_id)
        shown = None if published is None else published.status
        if shown != status:
            found.add(
                "final status differs (last notification)",
                f"{report_id}: {shown}, oracle {status}",
            )
        answers = [view.get("status") for view in views.get(report_id, []) if view]
        if status is None and not answers:
            continue  # never created (its group got stuck before): no worker may know it
        if status not in answers:
            found.add("final status differs (/reports)", f"{report_id}: {answers}, oracle {status}")
        others = sum(answer != status for answer in answers)
        if others:
            found.add("/reports answers not the oracle's", f"{report_id}: {answers}", others)


def _view_summary(view: dict[str, Any] | None) -> str:
    if view is None:
        return "-"
    work = ",".join(
        f"{w.get('requestId')}:{w.get('status')}" for w in view.get("serviceTroubleReport", [])
    )
    return f"{view.get('status')} [{work}]"


def ask_views(
    workers: list[WorkerChild], report_ids: Iterable[str]
) -> dict[str, list[dict[str, Any] | None]]:
    """Every live worker's ``/reports`` answer for every report."""
    ids = list(report_ids)

    def ask(report_id: str) -> tuple[str, list[dict[str, Any] | None]]:
        return report_id, [report_views(worker, report_id) for worker in workers]

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(ask, ids))


# -- figures ---------------------------------------------------------------------------------


def aggregate_of(record: Observed) -> str | None:
    """The key of the aggregate that decided a record (its internal partition's key)."""
    if record.topic in (Topic.NOTIFICATIONS, Topic.ESCALATIONS):
        return record.key
    if record.topic is Topic.SERVICE_TROUBLE_REQUESTS and record.key is not None:
        return service_of_request(record.key)
    return None


IN_FLIGHT = 0.5
"""Outputs a worker sent just before it died may reach the read-back this much later."""


def resumptions(
    events: list[FaultEvent], records: list[Observed], partitions: int, busy: float = 5.0
) -> list[dict[str, Any]]:
    """For each kill, stop or broker stop: how long until every internal partition that had
    published in the ``busy`` seconds before it published again, by when the read-back got
    the records (their timestamps are decision times, not send times). Records that arrive
    within ``IN_FLIGHT`` of the fault are taken as sent before it."""
    received: dict[int, list[float]] = defaultdict(list)
    for record in records:
        aggregate = aggregate_of(record)
        if aggregate is not None:
            received[partition_for(aggregate.encode(), partitions)].append(record.received)
    for times in received.values():
        times.sort()
    figures = []
    for event in events:
        if event.kind not in ("kill", "stop", "broker-stop"):
            continue
        # A broker that is asked to stop serves on while it shuts down: it is gone once
        # its stop returned.
        gone = event.wall + (event.seconds if event.kind == "broker-stop" else 0.0)
        gaps = []
        for times in received.values():
            if not any(gone - busy <= t < gone for t in times):
                continue
            after = next((t for t in times if t > gone + IN_FLIGHT), None)
            gaps.append(float("inf") if after is None else after - gone)
        figures.append(
            {
                "fault": event.kind,
                "member": event.member,
                "at": datetime.fromtimestamp(event.wall, UTC).strftime("%H:%M:%S"),
                "busy partitions": len(gaps),
                "outputs resumed after s": round(max(gaps), 1) if gaps else None,
            }
        )
    return figures


def longest_stall(records: list[Observed]) -> float:
    """The longest time the read-back got no output at all, between the first and the last."""
    times = sorted(record.received for record in records)
    return round(max((b - a for a, b in itertools.pairwise(times)), default=0.0), 1)


def failed(found: Findings) -> list[str]:
    return [what for what in FAILURES if found.counts[what]]


def render(title: str, figures: dict[str, Any], found: Findings) -> str:
    lines = [f"== {title}"]
    lines += [f"  {name}: {value}" for name, value in figures.items()]
    for what, count in sorted(found.counts.items()):
        lines.append(f"  {what}: {count}")
        lines += [f"      e.g. {example}" for example in found.examples.get(what, [])]
    return "\n".join(lines)
