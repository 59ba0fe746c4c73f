"""The ACLs a worker needs, from its settings; the deploy example is what the CLI prints.

That these ACLs are enough (and enforced) is shown on a real broker with an authorizer by
tests/integration/test_security_e2e.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from problem_tracker.admin.acls import acl_bindings, acls_script, worker_acls
from problem_tracker.cli import main
from problem_tracker.config import Settings, TopicSettings, WorkerSettings

DEPLOY_SCRIPT = Path(__file__).parents[3] / "deploy" / "kafka-acls" / "worker-acls.sh"


def grants_by_name(app_id: str, topics: TopicSettings) -> dict[str, tuple[str, ...]]:
    return {g.name: g.operations for g in worker_acls(app_id, topics)}


def test_inputs_are_read_outputs_written_and_only_internal_topics_created() -> None:
    grants = grants_by_name("pt", TopicSettings(prefix="prod."))

    assert grants["prod.customer-problem.events"] == ("Read", "Describe", "DescribeConfigs")
    assert grants["prod.known-errors"] == ("Read", "Describe", "DescribeConfigs")
    assert grants["prod.customer-problem.dlq"] == ("Write", "Describe", "DescribeConfigs")
    assert grants["prod.service-trouble.requests"] == ("Write", "Describe", "DescribeConfigs")
    assert "Create" in grants["pt-"]
    created = [name for name, operations in grants.items() if "Create" in operations]
    assert created == ["pt-"]
    assert len(grants) == 5 + 5 + 1 + 1


def test_internal_topics_are_granted_by_prefix_and_the_group_by_name() -> None:
    grants = {g.name: g for g in worker_acls("pt", TopicSettings())}

    assert (grants["pt-"].resource, grants["pt-"].pattern) == ("topic", "prefixed")
    assert (grants["pt"].resource, grants["pt"].pattern) == ("group", "literal")


def test_each_operation_is_one_binding_for_the_principal() -> None:
    grants = worker_acls("pt", TopicSettings())
    bindings = acl_bindings(grants, "User:worker")

    assert len(bindings) == sum(len(g.operations) for g in grants)
    assert {b.principal for b in bindings} == {"User:worker"}
    assert {b.host for b in bindings} == {"*"}


def test_the_deploy_example_is_what_acls_plan_prints_for_the_defaults() -> None:
    expected = acls_script(Settings(), "User:problem-tracker")

    assert DEPLOY_SCRIPT.read_text() == expected


def test_acls_plan_takes_the_principal_from_the_sasl_user(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {
        "SECURITY_PROTOCOL": "SASL_SSL",
        "SASL_MECHANISM": "SCRAM-SHA-512",
        "SASL_USERNAME": "tracker-prod",
        "SASL_PASSWORD": "s3cret",
    }.items():
        monkeypatch.setenv(f"PROBLEM_TRACKER_KAFKA__{name}", value)
    monkeypatch.setenv("PROBLEM_TRACKER_WORKER__APP_ID", "pt-prod")

    assert main(["acls", "plan"]) == 0

    out = capsys.readouterr().out
    assert "--allow-principal User:tracker-prod" in out
    assert "--topic pt-prod- --resource-pattern-type prefixed" in out
    assert "s3cret" not in out


def test_acls_plan_without_a_principal_says_how_to_name_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["acls", "plan"]) == 1

    assert "--principal User:<name>" in capsys.readouterr().err


def test_with_a_topic_prefix_the_group_and_internal_topics_carry_it_too() -> None:
    settings = Settings(topics=TopicSettings(prefix="prod."), worker=WorkerSettings(app_id="pt"))

    script = acls_script(settings, "User:worker")

    assert "--topic prod.pt- --resource-pattern-type prefixed" in script
    assert "--group prod.pt\n" in script + "\n"
    assert "--topic prod.customer-problem.events" in script
    assert "app id 'prod.pt', topic prefix 'prod.'" in script
