"""The SLA policy as data: which rule a report gets, targets, thresholds, the ladder."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sla_builders import H, M, ladder, policy, rule

from problem_tracker.domain.sla.calendar import AlwaysOpen
from problem_tracker.domain.sla.policy import (
    EscalationKind,
    EscalationLadder,
    EscalationLevel,
    PartnerOla,
    RuleMatch,
    SlaTargets,
    match_rule,
)

P1_CRITICAL = rule(
    "p1-critical", match=RuleMatch(priorities=frozenset({1}), severities=frozenset({"critical"}))
)
GOLD = rule("gold", match=RuleMatch(segments=frozenset({"gold"})))
COMPLAINTS = rule("complaints", match=RuleMatch(ticket_types=frozenset({"complaint"})))
POLICY = policy(P1_CRITICAL, GOLD, COMPLAINTS, rule("default"))


@pytest.mark.parametrize(
    ("priority", "severity", "segment", "ticket_type", "expected"),
    [
        (1, "critical", "gold", "complaint", "p1-critical"),
        (1, "major", "gold", "incident", "gold"),
        (2, "critical", "gold", None, "gold"),
        (3, "minor", "silver", "complaint", "complaints"),
        (3, "minor", None, "complaint", "complaints"),
        (1, "major", "silver", "incident", "default"),
        (4, "minor", None, None, "default"),
    ],
)
def test_the_first_matching_rule_wins(
    priority: int, severity: str, segment: str | None, ticket_type: str | None, expected: str
) -> None:
    assert match_rule(POLICY, priority, severity, segment, ticket_type).name == expected


def test_a_rule_matches_any_of_the_values_it_lists() -> None:
    urgent = RuleMatch(priorities=frozenset({1, 2}))
    assert urgent.matches(2, "minor", None, None)
    assert not urgent.matches(3, "minor", None, None)


def test_a_policy_needs_a_default_rule_last() -> None:
    with pytest.raises(ValueError, match="default rule"):
        policy(P1_CRITICAL, GOLD)
    with pytest.raises(ValueError, match="default rule"):
        policy()


def test_rule_names_are_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        policy(rule("default", match=RuleMatch(priorities=frozenset({1}))), rule("default"))


def test_a_partner_without_its_own_ola_gets_the_default() -> None:
    fibreco = PartnerOla(
        partner="fibreco", resolution=2 * H, calendar=AlwaysOpen(), escalate_to="am"
    )
    with_olas = policy(rule(), olas=(fibreco,))
    assert with_olas.ola_for("fibreco") is fibreco
    assert with_olas.ola_for("cloudhost").partner is None


@pytest.mark.parametrize("thresholds", [(0, 50), (50, 100), (75, 50), (50, 50)])
def test_thresholds_are_ascending_percentages_below_the_breach(thresholds: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="thresholds"):
        rule(thresholds=thresholds)


def test_a_threshold_is_that_share_of_the_resolution_target() -> None:
    assert rule(resolution=4 * H).threshold_point(75) == 3 * H


@pytest.mark.parametrize(
    ("resolution", "update"), [(timedelta(0), None), (-H, None), (H, timedelta(0))]
)
def test_targets_are_positive(resolution: timedelta, update: timedelta | None) -> None:
    with pytest.raises(ValueError, match="positive"):
        SlaTargets(resolution=resolution, customer_update=update)


# --- the ladder ----------------------------------------------------------------------------


def test_ladder_levels_are_numbered_from_one() -> None:
    level = EscalationLevel(level=2, kind=EscalationKind.FUNCTIONAL, target="x")
    with pytest.raises(ValueError, match="numbered"):
        EscalationLadder(levels=(level,), delegation_failure_target="lead")


def test_each_ladder_step_fires_its_repeat_interval_after_the_previous_one() -> None:
    steps = ladder(30 * M, H, 4 * H)
    assert [steps.offset(step) for step in (1, 2, 3, 4, 5)] == [
        timedelta(0),
        30 * M,
        90 * M,
        330 * M,
        570 * M,
    ]
    assert [steps.level_of(step).level for step in (1, 2, 3, 4, 5)] == [1, 2, 3, 3, 3]


def test_a_top_level_without_repeat_is_called_once() -> None:
    steps = ladder(30 * M, None)
    assert steps.offset(2) == 30 * M
    assert steps.offset(3) is None
    assert steps.steps_due(100 * H) == 2


def test_a_level_without_repeat_ends_the_ladder_early() -> None:
    steps = ladder(None, H)
    assert steps.offset(2) is None
    assert steps.steps_due(100 * H) == 1


def test_an_empty_ladder_never_fires() -> None:
    steps = ladder()
    assert steps.offset(1) is None
    assert steps.steps_due(100 * H) == 0


@pytest.mark.parametrize(
    ("overdue", "due"),
    [(-M, 0), (timedelta(0), 1), (29 * M, 1), (30 * M, 2), (89 * M, 2), (90 * M, 3),
     (329 * M, 3), (330 * M, 4), (571 * M, 5)],
)  # fmt: skip
def test_steps_due_agree_with_step_offsets(overdue: timedelta, due: int) -> None:
    assert ladder(30 * M, H, 4 * H).steps_due(overdue) == due


def bounded(max_repeats: int | None) -> EscalationLadder:
    """Three levels, the top one repeated every 4 h at most ``max_repeats`` times."""
    steps = ladder(30 * M, H, 4 * H)
    top = replace(steps.levels[-1], max_repeats=max_repeats)
    return replace(steps, levels=(*steps.levels[:-1], top))


@pytest.mark.parametrize(
    ("max_repeats", "last_step"), [(0, 3), (1, 4), (2, 5), (40, 43), (None, None)]
)
def test_max_repeats_bounds_how_often_the_top_level_is_called_again(
    max_repeats: int | None, last_step: int | None
) -> None:
    steps = bounded(max_repeats)

    assert steps.last_step == last_step
    due = steps.steps_due(1000 * H)
    assert due == last_step if last_step is not None else due == 3 + (1000 * 60 - 90) // 240
    if last_step is not None:
        assert steps.offset(last_step) is not None
        assert steps.offset(last_step + 1) is None


def test_without_repeats_the_last_step_is_the_top_level_and_without_levels_none_fires() -> None:
    assert ladder(30 * M, None).last_step == 2
    assert ladder().last_step == 0


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ((1, None), "only the top"),
        ((None, -1), "negative"),
    ],
)
def test_only_the_top_level_bounds_its_repeats_and_never_below_zero(
    levels: tuple[int | None, int | None], message: str
) -> None:
    steps = ladder(H, 4 * H)
    changed = tuple(
        replace(level, max_repeats=bound) for level, bound in zip(steps.levels, levels, strict=True)
    )
    with pytest.raises(ValueError, match=message):
        EscalationLadder(levels=changed, delegation_failure_target="lead")


@given(overdue=st.integers(min_value=0, max_value=10_000).map(lambda m: m * M))
def test_a_bounded_ladder_fires_what_the_unbounded_one_does_up_to_its_last_step(
    overdue: timedelta,
) -> None:
    assert bounded(3).steps_due(overdue) == min(bounded(None).steps_due(overdue), 6)
