"""The SLA policy file: the shipped examples load, and every mistake is named by YAML path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sla_builders import H, M

from problem_tracker.domain.sla.calendar import AlwaysOpen, BusinessCalendar
from problem_tracker.domain.sla.policy import (
    ASSIGNEE_TARGET,
    DelegationRetry,
    EscalationKind,
    InformationRequestTerms,
    NoResponseAction,
    match_rule,
)
from problem_tracker.policy import PolicyError, builtin_policy, load_policy, parse_policy

POLICIES = Path(__file__).parents[3] / "deploy" / "policies"
Document = dict[str, Any]

VALID: Document = {
    "version": 1,
    "calendars": {
        "eu": {
            "timeZone": "Europe/Berlin",
            "hours": {"monday-friday": "08:00-18:00"},
            "holidays": [date(2026, 12, 25)],
        }
    },
    "escalationLadders": {
        "standard": {
            "levels": [
                {"kind": "hierarchical", "target": "team-lead", "repeatAfter": "1h"},
                {"kind": "hierarchical", "target": "manager"},
            ],
            "delegationFailure": {"target": "service-desk-lead"},
        }
    },
    "partners": {"escalateTo": "partner-manager", "default": {"resolution": "8h"}},
    "rules": [
        {
            "name": "p1",
            "match": {"priority": 1},
            "targets": {"resolution": "4h", "customerUpdate": "30m"},
            "escalation": "standard",
        },
        {
            "name": "default",
            "targets": {"resolution": "10h"},
            "calendar": "eu",
            "escalation": "standard",
        },
    ],
}


def problems_of(change: Callable[[Document], object]) -> list[str]:
    document = copy.deepcopy(VALID)
    change(document)
    with pytest.raises(PolicyError) as invalid:
        parse_policy(yaml.safe_dump(document, sort_keys=False), source="test.yaml")
    return [str(problem) for problem in invalid.value.problems]


def only_problem(change: Callable[[Document], object]) -> str:
    (problem,) = problems_of(change)
    return problem


# --- the shipped policies --------------------------------------------------------------------


def test_the_example_policy_loads_with_every_feature() -> None:
    policy = load_policy(POLICIES / "sla-policy.example.yaml")
    assert [rule.name for rule in policy.rules] == [
        "p1-critical",
        "gold-customers",
        "us-enterprise",
        "complaints",
        "default",
    ]
    p1 = policy.rules[0]
    assert isinstance(p1.calendar, AlwaysOpen)
    assert (p1.targets.resolution, p1.targets.customer_update) == (4 * H, 30 * M)
    assert (p1.thresholds, p1.pause_on_held) == ((50, 75, 90), False)
    assert [level.kind for level in p1.ladder.levels][:2] == [
        EscalationKind.FUNCTIONAL,
        EscalationKind.HIERARCHICAL,
    ]
    us = next(rule for rule in policy.rules if rule.name == "us-enterprise").calendar
    assert isinstance(us, BusinessCalendar)
    assert us.time_zone == "America/New_York"
    assert len(us.week[0]) == 2
    assert policy.ola_for("fibreco").escalate_to == "fibreco-account-manager"
    assert policy.ola_for("cloudhost").escalate_to == "partner-manager"
    assert policy.ola_for("anyone").resolution == 20 * H
    assert [(call, after) for call, after in policy.ola_for("fibreco").further_calls()] == [
        ("supplier-relations-director", 4 * H),
        ("vendor-executive-sponsor", 8 * H),
        ("vendor-executive-sponsor", 8 * H),
        ("vendor-executive-sponsor", 8 * H),
    ]


def test_a_policy_without_a_partner_ladder_calls_the_partner_manager_only() -> None:
    policy = parse_policy(yaml.safe_dump(VALID), source="test.yaml")
    assert policy.default_ola.further_calls() == ()


@pytest.mark.parametrize(
    ("ladder", "path", "message"),
    [
        (
            [
                {"target": "a", "after": "1h", "repeatAfter": "1h", "maxRepeats": 1},
                {"target": "b", "after": "1h"},
            ],
            "partners.ladder[0].repeatAfter",
            "only the last rung repeats",
        ),
        (
            [{"target": "a", "after": "1h", "repeatAfter": "1h"}],
            "partners.ladder[0].maxRepeats",
            "bounded",
        ),
        (
            [{"target": "a", "after": "1h", "maxRepeats": 2}],
            "partners.ladder[0].maxRepeats",
            "bounded",
        ),
        (
            [{"target": "a", "after": "1h", "repeatAfter": "1h", "maxRepeats": 0}],
            "partners.ladder[0].maxRepeats",
            "greater than or equal to 1",
        ),
        ([{"target": "a"}], "partners.ladder[0].after", "required"),
    ],
    ids=["repeat not last", "unbounded", "bound without interval", "zero repeats", "no after"],
)
def test_a_partner_ladder_that_is_not_bounded_or_misplaces_a_repeat_is_refused(
    ladder: list[dict[str, object]], path: str, message: str
) -> None:
    problem = only_problem(lambda d: d["partners"].update(ladder=ladder))
    assert problem.startswith(path)
    assert message in problem


def test_the_example_policy_routes_reports_as_its_comments_say() -> None:
    policy = load_policy(POLICIES / "sla-policy.example.yaml")
    assert match_rule(policy, 1, "critical", "gold", "incident").name == "p1-critical"
    assert match_rule(policy, 2, "major", "gold", "incident").name == "gold-customers"
    assert match_rule(policy, 3, "minor", "gold", "complaint").name == "complaints"
    assert match_rule(policy, 3, "minor", None, None).name == "default"


def test_the_fast_policy_breaches_within_seconds() -> None:
    policy = load_policy(POLICIES / "sla-policy.fast.yaml")
    assert all(rule.targets.resolution <= timedelta(seconds=20) for rule in policy.rules)
    assert policy.default_ola.resolution == timedelta(seconds=6)


def test_without_a_policy_file_the_built_in_policy_applies() -> None:
    assert load_policy(None) == builtin_policy()
    assert builtin_policy().rules[-1].name == "default"


def test_a_minimal_policy_gets_the_documented_defaults() -> None:
    policy = parse_policy(yaml.safe_dump(VALID))
    p1 = policy.rules[0]
    assert (p1.calendar.name, p1.thresholds, p1.pause_on_held) == ("24x7", (50, 75), True)
    assert policy.rules[1].calendar.name == "eu"


# --- mistakes, each named by its YAML path ----------------------------------------------------


def test_a_policy_without_a_default_rule_is_refused() -> None:
    problem = only_problem(lambda d: d["rules"].pop())
    assert problem.startswith("rules (line ")
    assert "no default rule" in problem


def test_a_policy_without_rules_is_refused() -> None:
    assert "no default rule" in only_problem(lambda d: d.update(rules=[]))


def test_a_default_rule_before_others_is_refused() -> None:
    problem = only_problem(lambda d: d["rules"].reverse())
    assert problem.startswith("rules[0]")
    assert "only the last rule may go without `match`" in problem


def test_an_empty_match_counts_as_a_default_rule() -> None:
    problem = only_problem(lambda d: d["rules"][0].update(match={}))
    assert "matches every report" in problem


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        ("4 hours", "'4 hours' is not a duration"),
        ("4x", "is not a duration"),
        ("P", "is not a duration"),
        (240, "give a unit"),
        ("0m", "longer than zero"),
    ],
)
def test_a_bad_duration_is_named_by_its_path(duration: object, message: str) -> None:
    problem = only_problem(lambda d: d["rules"][0]["targets"].update(resolution=duration))
    assert problem.startswith("rules[0].targets.resolution (line ")
    assert message in problem


def test_an_unknown_calendar_lists_the_defined_ones() -> None:
    problem = only_problem(lambda d: d["rules"][1].update(calendar="us"))
    assert problem.startswith("rules[1].calendar")
    assert "unknown calendar 'us'; defined: 24x7, eu" in problem


def test_an_unknown_ladder_is_refused() -> None:
    problem = only_problem(lambda d: d["rules"][0].update(escalation="urgent"))
    assert "rules[0].escalation" in problem
    assert "unknown escalation ladder 'urgent'" in problem


def test_a_partner_ola_on_an_unknown_calendar_is_refused() -> None:
    problem = only_problem(
        lambda d: d["partners"].update(byPartner={"fibreco": {"resolution": "2h", "calendar": "x"}})
    )
    assert problem.startswith("partners.byPartner.fibreco.calendar")


def test_an_unknown_time_zone_is_refused() -> None:
    problem = only_problem(lambda d: d["calendars"]["eu"].update(timeZone="Europe/Berln"))
    assert problem.startswith("calendars.eu.timeZone (line ")
    assert "unknown IANA time zone 'Europe/Berln'" in problem


@pytest.mark.parametrize("threshold", [0, 100, 150, -5])
def test_a_threshold_outside_zero_to_a_hundred_is_refused(threshold: int) -> None:
    problem = only_problem(lambda d: d["rules"][0].update(thresholds=[50, threshold]))
    assert problem.startswith("rules[0].thresholds[1]")
    assert f"got {threshold}" in problem


def test_thresholds_are_distinct_and_may_be_given_in_any_order() -> None:
    assert "distinct" in only_problem(lambda d: d["rules"][0].update(thresholds=[50, 50]))
    document = copy.deepcopy(VALID)
    document["rules"][0]["thresholds"] = [90, 50]
    assert parse_policy(yaml.safe_dump(document)).rules[0].thresholds == (50, 90)


def test_a_misspelt_key_is_refused() -> None:
    problem = only_problem(lambda d: d["rules"][0].update(pauseOnHold=False))
    assert problem.startswith("rules[0].pauseOnHold")
    assert "unknown key" in problem


def test_a_missing_key_is_required() -> None:
    problem = only_problem(lambda d: d["rules"][0].pop("targets"))
    assert problem.startswith("rules[0].targets")
    assert problem.endswith("required")


def test_an_unknown_severity_lists_the_known_ones() -> None:
    problem = only_problem(lambda d: d["rules"][0].update(match={"severity": "urgent"}))
    assert "'critical', 'major' or 'minor', got 'urgent'" in problem


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"mondy": "08:00-18:00"}, "'mondy' is not a weekday"),
        ({"friday-monday": "08:00-18:00"}, "runs forward"),
        ({"monday-friday": "08:00-18:00", "friday": "09:00-12:00"}, "friday is given twice"),
        ({"monday": ["08:00-12:00", "11:00-18:00"]}, "overlap"),
        ({"monday": "22:00-06:00"}, "split a window across midnight"),
        ({"monday": "08:00-25:00"}, "'25:00' is not a time of day"),
        ({"monday": "8am-6pm"}, "'8am' is not a time of day"),
        ({"monday": "08:00"}, "is not an opening window"),
        ({"monday": []}, "never open"),
    ],
)
def test_bad_opening_hours_are_refused(hours: dict[str, object], message: str) -> None:
    problem = only_problem(lambda d: d["calendars"]["eu"].update(hours=hours))
    assert problem.startswith("calendars.eu.hours")
    assert message in problem


def test_every_ladder_level_but_the_last_says_when_the_next_fires() -> None:
    problem = only_problem(
        lambda d: d["escalationLadders"]["standard"]["levels"][0].pop("repeatAfter")
    )
    assert problem.startswith("escalationLadders.standard.levels[0].repeatAfter")


def test_max_repeats_bounds_the_top_level() -> None:
    document = copy.deepcopy(VALID)
    document["escalationLadders"]["standard"]["levels"][-1].update(repeatAfter="2h", maxRepeats=3)

    ladder = parse_policy(yaml.safe_dump(document), source="test.yaml").rules[0].ladder

    assert (ladder.levels[-1].max_repeats, ladder.last_step) == (3, 5)
    assert ladder.levels[0].max_repeats is None


@pytest.mark.parametrize(
    ("level", "fields", "message"),
    [
        (0, {"maxRepeats": 2}, "only the last level repeats"),
        (1, {"maxRepeats": 2}, "bounds the repeats of the last level"),
        (1, {"repeatAfter": "2h", "maxRepeats": -1}, "levels[1].maxRepeats"),
        (1, {"repeatAfter": "2h", "maxRepeats": "3"}, "levels[1].maxRepeats"),
    ],
)
def test_a_misplaced_or_bad_max_repeats_is_named_by_its_path(
    level: int, fields: dict[str, object], message: str
) -> None:
    problem = only_problem(
        lambda d: d["escalationLadders"]["standard"]["levels"][level].update(fields)
    )
    assert problem.startswith(f"escalationLadders.standard.levels[{level}].maxRepeats")
    assert message in problem


def test_the_built_in_calendar_name_is_reserved() -> None:
    problem = only_problem(
        lambda d: d["calendars"].update({"24x7": copy.deepcopy(VALID["calendars"]["eu"])})
    )
    assert problem.startswith("calendars.24x7")


def test_rule_names_are_unique() -> None:
    problem = only_problem(lambda d: d["rules"][0].update(name="default"))
    assert "duplicate rule name 'default' (also rules[0])" in problem


def test_all_problems_of_a_kind_are_reported_at_once() -> None:
    def two_bad_values(document: Document) -> None:
        document["rules"][0]["thresholds"] = [120]
        document["rules"][1]["targets"]["resolution"] = "soon"

    def two_bad_references(document: Document) -> None:
        document["rules"][0]["calendar"] = "nowhere"
        document["rules"][1]["escalation"] = "nobody"

    assert len(problems_of(two_bad_values)) == 2
    assert len(problems_of(two_bad_references)) == 2


def test_problems_name_the_file_and_how_many_there_are() -> None:
    with pytest.raises(PolicyError) as invalid:
        parse_policy("version: 1\n", source="policy.yaml")
    text = str(invalid.value)
    assert text.startswith("policy.yaml: invalid SLA policy (3 problems)")
    assert "\n  escalationLadders (line 1): required" in text


def test_broken_yaml_is_reported_with_its_line() -> None:
    with pytest.raises(PolicyError) as invalid:
        parse_policy("version: 1\nrules: [\n", source="policy.yaml")
    (problem,) = invalid.value.problems
    assert problem.line == 3
    assert "not valid YAML" in problem.message


def test_an_empty_file_is_not_a_policy() -> None:
    with pytest.raises(PolicyError) as invalid:
        parse_policy("")
    (problem,) = invalid.value.problems
    assert (problem.where, problem.line) == ("(document)", None)
    assert "must be a mapping" in problem.message


def test_the_policy_documentation_shows_the_example_file_verbatim() -> None:
    readme = (POLICIES / "README.md").read_text(encoding="utf-8")
    example = (POLICIES / "sla-policy.example.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{example}```" in readme


def test_a_rule_may_say_how_long_an_acknowledgement_holds_its_ladder() -> None:
    document = copy.deepcopy(VALID)
    document["rules"][0]["acknowledgeFor"] = "PT45M"
    rules = parse_policy(yaml.safe_dump(document, sort_keys=False)).rules
    assert [rule.acknowledge_for for rule in rules] == [45 * M, None]


@pytest.mark.parametrize(
    ("duration", "message"),
    [("soon", "'soon' is not a duration"), ("0m", "longer than zero"), (30, "give a unit")],
)
def test_a_bad_acknowledgement_hold_is_named_by_its_path_and_line(
    duration: object, message: str
) -> None:
    problem = only_problem(lambda d: d["rules"][1].update(acknowledgeFor=duration))
    assert problem.startswith("rules[1].acknowledgeFor (line ")
    assert message in problem


def test_a_rule_may_retry_failed_delegated_work_before_it_escalates() -> None:
    document = copy.deepcopy(VALID)
    document["rules"][0]["delegation"] = {"retry": 2, "after": "15m"}
    rules = parse_policy(yaml.safe_dump(document, sort_keys=False)).rules
    assert [rule.delegation_retry for rule in rules] == [
        DelegationRetry(retries=2, after=15 * M),
        None,
    ]


@pytest.mark.parametrize(
    ("delegation", "where", "message"),
    [
        ({"retry": 0, "after": "15m"}, "delegation.retry", "greater than or equal to 1"),
        ({"retry": "1", "after": "15m"}, "delegation.retry", "valid integer"),
        ({"retry": 1, "after": "0m"}, "delegation.after", "longer than zero"),
        ({"retry": 1}, "delegation.after", "required"),
        ({"retry": 1, "after": "15m", "every": "1h"}, "delegation.every", "unknown key"),
    ],
)
def test_a_bad_delegation_retry_is_named_by_its_path_and_line(
    delegation: object, where: str, message: str
) -> None:
    problem = only_problem(lambda d: d["rules"][1].update(delegation=delegation))
    assert problem.startswith(f"rules[1].{where} (line ")
    assert message in problem


def test_a_rule_may_time_a_question_to_the_customer() -> None:
    document = copy.deepcopy(VALID)
    document["rules"][0]["informationRequest"] = {
        "respondWithin": "2d",
        "remindAfter": "1d",
        "onNoResponse": "resolve",
    }
    rules = parse_policy(yaml.safe_dump(document, sort_keys=False)).rules
    assert [rule.information_request for rule in rules] == [
        InformationRequestTerms(
            respond_within=48 * H, remind_after=24 * H, on_no_response=NoResponseAction.RESOLVE
        ),
        InformationRequestTerms(),
    ]


@pytest.mark.parametrize(
    ("terms", "where", "message"),
    [
        ({"respondWithin": "0m"}, "informationRequest.respondWithin", "longer than zero"),
        ({"remindAfter": "soon"}, "informationRequest.remindAfter", "'soon' is not a duration"),
        ({"onNoResponse": "close"}, "informationRequest.onNoResponse", "'resolve' or 'resume'"),
    ],
)
def test_bad_terms_for_a_question_are_named_by_their_path_and_line(
    terms: object, where: str, message: str
) -> None:
    problem = only_problem(lambda d: d["rules"][1].update(informationRequest=terms))
    assert problem.startswith(f"rules[1].{where} (line ")
    assert message in problem


def test_a_functional_level_may_call_the_assignee() -> None:
    document = copy.deepcopy(VALID)
    ladder = next(iter(document["escalationLadders"].values()))
    ladder["levels"][0] = {"kind": "functional", "target": "assignee", "repeatAfter": "1h"}
    policy = parse_policy(yaml.safe_dump(document, sort_keys=False))
    assert policy.rules[0].ladder.levels[0].target == ASSIGNEE_TARGET


def test_a_hierarchical_level_calling_the_assignee_is_named_by_its_path_and_line() -> None:
    def hierarchical_assignee(document: dict[str, Any]) -> None:
        ladder = next(iter(document["escalationLadders"].values()))
        ladder["levels"][0] = {"kind": "hierarchical", "target": "assignee", "repeatAfter": "1h"}

    problem = only_problem(hierarchical_assignee)
    assert ".levels[0].target (line " in problem
    assert "only a functional level calls the assignee" in problem
