"""What a what-if replay found: figures per rule under each policy, and the reports whose
SLA outcome changes most between the two."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from problem_tracker.replay.engine import ReportTally

TOP_CHANGES = 10


@dataclass
class RuleFigures:
    """One rule's reports under one policy (a report counts under the rule it falls
    under at the end of the replay), and what they went through over all cycles."""

    rule: str
    reports: int = 0
    breaches: int = 0
    warnings: int = 0
    jeopardies: int = 0
    escalations: Counter[int] = field(default_factory=Counter)

    def add(self, tally: ReportTally) -> None:
        self.reports += 1
        self.breaches += tally.breaches
        self.warnings += tally.warnings
        self.jeopardies += tally.jeopardies
        self.escalations.update(tally.escalations)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "reports": self.reports,
            "breaches": self.breaches,
            "warnings": self.warnings,
            "jeopardy": self.jeopardies,
            "escalationsByLevel": {str(level): n for level, n in sorted(self.escalations.items())},
        }


@dataclass(frozen=True)
class Change:
    """A report whose outcome differs between the policies, and by how much."""

    report_id: str
    current: ReportTally
    new: ReportTally

    @property
    def size(self) -> int:
        """Breaches, jeopardy signals and escalations that appear or vanish, plus the
        difference in the highest level anyone was called at."""
        current, new = self.current, self.new
        return (
            abs(new.breaches - current.breaches)
            + abs(new.warnings + new.jeopardies - current.warnings - current.jeopardies)
            + abs(sum(new.escalations.values()) - sum(current.escalations.values()))
            + abs(new.top_level - current.top_level)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "reportId": self.report_id,
            "change": self.size,
            "current": _tally_json(self.current),
            "new": _tally_json(self.new),
        }


@dataclass(frozen=True)
class Outcome:
    """The comparison of one replay."""

    window_from: datetime | None
    window_to: datetime
    records: int
    skipped: Mapping[str, int]
    reports: int
    current: tuple[RuleFigures, ...]
    new: tuple[RuleFigures, ...]
    changes: tuple[Change, ...]
    current_source: str = "current"
    new_source: str = "new"

    def as_json(self) -> dict[str, Any]:
        return {
            "from": None if self.window_from is None else _iso(self.window_from),
            "to": _iso(self.window_to),
            "records": self.records,
            "skipped": dict(sorted(self.skipped.items())),
            "reports": self.reports,
            "current": {
                "policy": self.current_source,
                "rules": [rule.as_json() for rule in self.current],
                "total": total(self.current).as_json(),
            },
            "new": {
                "policy": self.new_source,
                "rules": [rule.as_json() for rule in self.new],
                "total": total(self.new).as_json(),
            },
            "mostChanged": [change.as_json() for change in self.changes],
        }


def by_rule(tallies: Iterable[ReportTally], rule_order: Iterable[str]) -> tuple[RuleFigures, ...]:
    """Figures per rule, in the policy's order; rules no report fell under show zeros."""
    figures = {rule: RuleFigures(rule) for rule in rule_order}
    for tally in tallies:
        figures.setdefault(tally.rule, RuleFigures(tally.rule)).add(tally)
    return tuple(figures.values())


def total(rules: Iterable[RuleFigures]) -> RuleFigures:
    overall = RuleFigures("total")
    for rule in rules:
        overall.reports += rule.reports
        overall.breaches += rule.breaches
        overall.warnings += rule.warnings
        overall.jeopardies += rule.jeopardies
        overall.escalations.update(rule.escalations)
    return overall


def most_changed(
    current: Mapping[str, ReportTally], new: Mapping[str, ReportTally], limit: int = TOP_CHANGES
) -> tuple[Change, ...]:
    """The ``limit`` reports that change most (ties by report id), leaving out unchanged."""
    changes = [
        Change(report_id, current[report_id], new.get(report_id, ReportTally()))
        for report_id in current
    ]
    changed = [change for change in changes if change.size]
    changed.sort(key=lambda change: (-change.size, change.report_id))
    return tuple(changed[:limit])


def _tally_json(tally: ReportTally) -> dict[str, Any]:
    return {
        "rule": tally.rule,
        "breaches": tally.breaches,
        "warnings": tally.warnings,
        "jeopardy": tally.jeopardies,
        "escalationsByLevel": {str(level): n for level, n in sorted(tally.escalations.items())},
        "topLevel": tally.top_level,
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
