"""Prometheus itself accepts the deploy files: ``promtool check config``, ``check rules``
and ``test rules`` (alerts*.test.yaml, a firing and a quiet case for every rule).

promtool comes with Debian's ``prometheus`` package, which ``.ci/run`` installs. Where it
cannot be installed these tests skip, saying so (``pytest -ra`` lists the reason).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

PROMETHEUS_DIR = Path(__file__).parents[3] / "deploy" / "prometheus"
ALERTS = PROMETHEUS_DIR / "alerts.yaml"
ALERT_TESTS = sorted(PROMETHEUS_DIR.glob("alerts*.test.yaml"))
CONFIG = PROMETHEUS_DIR / "prometheus.yml"
INSTALL = "install Debian's `prometheus` package (apt-get install prometheus; .ci/run does)"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip(f"promtool not found on PATH: {INSTALL}")
    return found


def run_promtool(*args: str) -> str:
    result = subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=120, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def alert_names() -> list[str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule["alert"] for group in groups for rule in group["rules"]]


def alert_cases() -> list[dict[str, Any]]:
    return [
        case
        for path in ALERT_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    ]


def test_the_compose_prometheus_config_is_valid_with_its_rules_and_alertmanager() -> None:
    output = run_promtool("check", "config", str(CONFIG))

    assert "SUCCESS: 1 rule files found" in output
    config = yaml.safe_load(CONFIG.read_text())
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]


def test_the_alert_rules_are_valid() -> None:
    output = run_promtool("check", "rules", str(ALERTS))

    assert f"SUCCESS: {len(alert_names())} rules found" in output


def test_the_alert_rules_pass_their_unit_tests() -> None:
    output = run_promtool("test", "rules", *map(str, ALERT_TESTS))

    assert output.count("SUCCESS") == len(ALERT_TESTS) == 2


@pytest.mark.parametrize("alert", alert_names())
def test_every_rule_is_tested_firing_and_quiet(alert: str) -> None:
    cases = [case for case in alert_cases() if case["alertname"] == alert]

    assert any(case["exp_alerts"] for case in cases), f"{alert} is never expected to fire"
    assert any(not case["exp_alerts"] for case in cases), f"{alert} is never expected quiet"


def test_the_rule_tests_name_only_rules_that_exist() -> None:
    assert {case["alertname"] for case in alert_cases()} <= set(alert_names())
