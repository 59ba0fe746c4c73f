"""``problem-tracker policy check``: a readable summary, or the problems and exit 1."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from problem_tracker.config import Settings, WorkerSettings
from problem_tracker.policy.command import register

POLICIES = Path(__file__).parents[3] / "deploy" / "policies"


def run(argv: list[str], settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="problem-tracker")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args, settings or Settings()))


def test_a_valid_policy_is_summarised(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["policy", "check", str(POLICIES / "sla-policy.example.yaml")]) == 0
    out = capsys.readouterr().out
    assert "valid SLA policy: 5 rules, 4 calendars in use, 3 partner OLAs and a default" in out
    assert "eu-business    Europe/Berlin · Mon-Fri 08:00-18:00 · 17 holidays" in out
    assert "1. p1-critical          priority 1, severity critical" in out
    assert "resolve within 50h (≈ 5.0 working days of 10h)" in out
    assert "held does not pause" in out
    assert "failed delegated work requested again once, 15m after" in out
    assert "a question to the customer: answer within 5d, reminded after 2d, then resolve" in out
    assert "jeopardy at 50 %, 75 %, 90 %; breach at 100 %" in out
    assert "+30m L2 hierarchical duty-manager" in out
    assert "(again every 4h, at most 6 times); delegation failure → service-desk-lead" in out
    assert "5. default              every report (default)" in out
    assert (
        "fibreco        resolve within 8h on 24x7, then escalate to fibreco-account-manager, "
        "supplier-relations-director +4h, vendor-executive-sponsor +8h "
        "(again every 8h, at most 2 times)" in out
    )


def test_the_fast_policy_is_summarised(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["policy", "check", str(POLICIES / "sla-policy.fast.yaml")]) == 0
    out = capsys.readouterr().out
    assert "2 rules, 1 calendar in use, 0 partner OLAs and a default" in out
    assert "L3 hierarchical head-of-operations; delegation failure" in out


def test_an_invalid_policy_prints_its_problems_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nrules: []\n", encoding="utf-8")
    assert run(["policy", "check", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{broken}: invalid SLA policy (2 problems)")
    assert "escalationLadders (line 1): required" in err


def test_a_missing_file_fails_with_a_readable_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["policy", "check", str(tmp_path / "nope.yaml")]) == 1
    assert "cannot read the policy: No such file or directory" in capsys.readouterr().err


def test_without_a_file_the_configured_policy_is_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configured = Settings(worker=WorkerSettings(sla_policy_file=POLICIES / "sla-policy.fast.yaml"))
    assert run(["policy", "check"], configured) == 0
    assert "fast-priority-1" in capsys.readouterr().out


def test_without_a_file_or_setting_the_operator_is_told_what_to_give(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["policy", "check"], Settings(worker=WorkerSettings(sla_policy_file=None))) == 2
    assert "PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE" in capsys.readouterr().err


def test_a_rule_without_an_update_interval_promises_no_updates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text(
        "escalationLadders: {l: {levels: [], delegationFailure: {target: lead}}}\n"
        "partners: {escalateTo: pm, default: {resolution: 8h}}\n"
        "rules: [{name: default, targets: {resolution: 4h}, thresholds: [], escalation: l}]\n",
        encoding="utf-8",
    )
    assert run(["policy", "check", str(quiet)]) == 0
    out = capsys.readouterr().out
    assert "resolve within 4h; on 24x7" in out
    assert "no jeopardy warnings; breach at 100 %" in out
    assert "escalation: none; delegation failure → lead" in out
