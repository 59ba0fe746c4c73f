"""The deployment files describe the worker as it really is: its settings, command, port,
endpoints and metrics. No Docker or cluster needed: the files are read, not run."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from problem_tracker.cli import build_parser
from problem_tracker.config import Settings
from problem_tracker.observability.metrics import Metrics
from problem_tracker.policy.loader import parse_policy

ROOT = Path(__file__).parents[3]
DEPLOY = ROOT / "deploy"
ENV_NAME = re.compile(r"PROBLEM_TRACKER_[A-Z0-9_]+")
METRIC_NAME = re.compile(r"\bproblem_tracker_[a-z_]+")
WORKER_COMMAND = ["problem-tracker", "worker"]
STRUCTURED = sorted(p for ext in ("yaml", "yml", "json") for p in DEPLOY.rglob(f"*.{ext}"))


def load(path: Path) -> list[Any]:
    text = path.read_text()
    return [json.loads(text)] if path.suffix == ".json" else list(yaml.safe_load_all(text))


@cache
def compose() -> dict[str, Any]:
    return dict(load(DEPLOY / "compose" / "docker-compose.yaml")[0])


def compose_workers() -> dict[str, Any]:
    services = compose()["services"]
    return {name: s for name, s in services.items() if s.get("command") == WORKER_COMMAND}


@cache
def k8s(kind: str) -> list[dict[str, Any]]:
    docs = [doc for path in sorted((DEPLOY / "k8s").glob("*.yaml")) for doc in load(path)]
    return [doc for doc in docs if doc.get("kind") == kind]


def worker_container() -> dict[str, Any]:
    (statefulset,) = k8s("StatefulSet")
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    return dict(container)


def k8s_config(name: str) -> dict[str, str]:
    return next(dict(c["data"]) for c in k8s("ConfigMap") if c["metadata"]["name"] == name)


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    return Settings()


def setting_env_names() -> set[str]:
    return {
        f"PROBLEM_TRACKER_{group}__{field}".upper()
        for group, group_field in Settings.model_fields.items()
        for field in group_field.annotation.model_fields
    }


def exported_metric_names() -> set[str]:
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    return {
        family.name + suffix
        for family in Metrics().registry.collect()
        for suffix in suffixes[family.type]
    }


def exported_metric_labels() -> dict[str, set[str]]:
    """Label names of each series name the worker exports (histograms: ``_bucket`` has le)."""
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    labels = {}
    for metric in vars(Metrics()).values():
        if isinstance(metric, MetricWrapperBase):
            for suffix in suffixes[metric._type]:
                extra = {"le"} if suffix == "_bucket" else set()
                labels[metric._name + suffix] = set(metric._labelnames) | extra
    return labels


OPEN_REPORT_METRICS = (
    "problem_tracker_open_reports",
    "problem_tracker_open_reports_in_jeopardy",
    "problem_tracker_open_reports_by_escalation_level",
    "problem_tracker_time_to_acknowledge_seconds_bucket",
    "problem_tracker_time_to_resolve_seconds_bucket",
)
TARGET_LABELS = {"instance", "job"}
"""Added by Prometheus to every scraped series."""
TOPIC_IS_A_KAFKA_TOPIC = {
    "problem_tracker_messages_in_total",
    "problem_tracker_dead_letters_total",
    "problem_tracker_processing_seconds_bucket",
    "problem_tracker_send_failures_total",
}
"""Metrics whose ``topic`` label is a Kafka topic name as deployed; alerts and the dashboard
use ``topic`` on these only (elsewhere it means a contract channel or an aggregate)."""
SELECTOR = re.compile(r"\b(problem_tracker_[a-z_]+)\{([^}]*)\}")
MATCHER = re.compile(r"([a-zA-Z_]+)\s*(?:=~|!=|!~|=)")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def alert_rules() -> list[dict[str, Any]]:
    return list(load(DEPLOY / "prometheus" / "alerts.yaml")[0]["groups"][0]["rules"])


def dashboard_expressions() -> list[str]:
    dashboard = load(DEPLOY / "grafana" / "problem-tracker.json")[0]
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def all_expressions() -> list[str]:
    return [rule["expr"] for rule in alert_rules()] + dashboard_expressions()


def served_pages() -> set[str]:
    views = (ROOT / "src" / "problem_tracker" / "streaming" / "views.py").read_text()
    return set(re.findall(r'@app\.page\("([^"]+)"\)', views))


@pytest.mark.parametrize("path", STRUCTURED, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_deploy_file_parses(path: Path) -> None:
    documents = load(path)

    assert documents
    assert all(isinstance(document, dict) for document in documents)


def test_every_setting_named_in_deploy_files_is_a_real_setting() -> None:
    texts = [p.read_text() for p in DEPLOY.rglob("*") if p.is_file()]
    named = {name for text in texts for name in ENV_NAME.findall(text)}

    assert len(named) > 5
    assert named - setting_env_names() == set()


def test_container_commands_are_commands_of_the_cli() -> None:
    dockerfile_cmd = re.search(r"^CMD (\[.*\])$", (DEPLOY / "Dockerfile").read_text(), re.M)
    assert dockerfile_cmd is not None
    commands = [json.loads(dockerfile_cmd.group(1)), worker_container()["command"]]
    commands += [s["command"] for s in compose()["services"].values() if "build" in s]
    commands += [
        c["command"] for job in k8s("Job") for c in job["spec"]["template"]["spec"]["containers"]
    ]

    for command in commands:
        assert command[0] == "problem-tracker"
        assert callable(build_parser().parse_args(command[1:]).handler)
    assert WORKER_COMMAND in commands
    assert len(compose_workers()) == 2


def test_compose_workers_listen_where_ports_healthchecks_and_prometheus_look(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scrape = load(DEPLOY / "prometheus" / "prometheus.yml")[0]["scrape_configs"][0]
    targets = set(scrape["static_configs"][0]["targets"])

    for name, service in compose_workers().items():
        worker = settings_from(service["environment"], monkeypatch).worker
        published = {int(mapping.split(":")[1]) for mapping in service["ports"]}
        mounts = {volume.split(":")[1] for volume in service["volumes"]}
        assert worker.web_host == "0.0.0.0"
        assert published == {worker.web_port}
        assert f"{name}:{worker.web_port}" in targets
        assert f"{worker.web_port}/ready" in " ".join(service["healthcheck"]["test"])
        assert {str(worker.data_dir), str(worker.sla_policy_file)} <= mounts


def test_prometheus_in_compose_loads_the_alert_rules_and_sends_to_alertmanager() -> None:
    config = load(DEPLOY / "prometheus" / "prometheus.yml")[0]
    prometheus = compose()["services"]["prometheus"]
    mounts = dict(volume.rsplit(":", 1)[0].split(":") for volume in prometheus["volumes"])
    config_file = Path(
        next(a for a in prometheus["command"] if a.startswith("--config.file=")).split("=")[1]
    )
    (alertmanagers,) = config["alerting"]["alertmanagers"]
    (target,) = alertmanagers["static_configs"][0]["targets"]
    host, port = target.split(":")

    assert mounts["../prometheus/prometheus.yml"] == str(config_file)
    # rule files are relative to the config file, as for promtool in the repository
    assert [str(config_file.parent / name) for name in config["rule_files"]] == [
        mounts["../prometheus/alerts.yaml"]
    ]
    assert host in compose()["services"]
    assert f"{port}:{port}" in compose()["services"][host]["ports"]


def test_compose_topics_and_workers_share_the_app_id_the_internal_topics_are_named_by(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    topics_job = compose()["services"]["topics"]["environment"]
    app_ids = {settings_from(topics_job, monkeypatch).effective_app_id}
    for service in compose_workers().values():
        app_ids.add(settings_from(service["environment"], monkeypatch).effective_app_id)

    assert app_ids == {"problem-tracker"}


def test_k8s_workers_are_probed_and_scraped_on_the_port_they_listen_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container = worker_container()
    worker = settings_from(k8s_config("problem-tracker-config"), monkeypatch).worker
    (port,) = container["ports"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    (statefulset,) = k8s("StatefulSet")

    assert worker.web_host == "0.0.0.0"
    assert port == {"name": "http", "containerPort": worker.web_port}
    assert statefulset["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(
        worker.web_port
    )
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert {"/ready", "/health", "/metrics"} <= served_pages()
    assert mounts["data"] == str(worker.data_dir)
    assert worker.sla_policy_file is not None
    assert mounts["sla-policy"] == str(worker.sla_policy_file.parent)
    assert worker.processing_guarantee == "at_least_once"


def test_the_k8s_sla_policy_is_a_valid_policy() -> None:
    policy_file = k8s_config("problem-tracker-sla-policy")["sla-policy.yaml"]

    assert parse_policy(policy_file, source="sla-policy-configmap.yaml")


def test_k8s_services_and_budget_select_the_worker_pods() -> None:
    (statefulset,) = k8s("StatefulSet")
    labels = statefulset["spec"]["template"]["metadata"]["labels"].items()
    (budget,) = k8s("PodDisruptionBudget")

    assert statefulset["spec"]["selector"]["matchLabels"].items() <= labels
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels
    for service in k8s("Service"):
        assert service["spec"]["selector"].items() <= labels


def test_kustomization_lists_every_manifest() -> None:
    kustomization = load(DEPLOY / "k8s" / "kustomization.yaml")[0]
    manifests = {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}

    assert set(kustomization["resources"]) == manifests


def test_alerts_and_dashboard_use_only_metrics_the_worker_exports() -> None:
    used = {name for expr in all_expressions() for name in METRIC_NAME.findall(expr)}

    assert len(used) > 5
    assert used - exported_metric_names() == set()


def test_alerts_and_dashboard_select_and_group_by_labels_the_metrics_have() -> None:
    labels = exported_metric_labels()

    for expr in all_expressions():
        metrics = set(METRIC_NAME.findall(expr))
        if not metrics:
            continue  # other exporters' (up, kafka_exporter)
        for name, matchers in SELECTOR.findall(expr):
            assert set(MATCHER.findall(matchers)) <= labels[name] | TARGET_LABELS, expr
        grouped = {g.strip() for group in GROUPING.findall(expr) for g in group.split(",")}
        known = set().union(*(labels[name] for name in metrics))
        assert grouped - {""} <= known | TARGET_LABELS | {"le"}, expr


def test_the_topic_label_is_used_only_where_it_names_a_kafka_topic() -> None:
    for expr in all_expressions():
        grouped = {g.strip() for group in GROUPING.findall(expr) for g in group.split(",")}
        matched = {label for _, m in SELECTOR.findall(expr) for label in MATCHER.findall(m)}
        if "topic" in grouped | matched:
            assert set(METRIC_NAME.findall(expr)) <= TOPIC_IS_A_KAFKA_TOPIC, expr


def test_the_dashboard_shows_workers_up_readiness_and_the_open_reports() -> None:
    expressions = " ".join(dashboard_expressions())

    assert 'up{job="problem-tracker"' in expressions
    assert "problem_tracker_ready" in expressions
    for name in OPEN_REPORT_METRICS:
        assert name in expressions
    assert "sum by (status)" in expressions
    assert "sum by (priority)" in expressions


def test_dashboard_panels_do_not_overlap_and_have_unique_ids() -> None:
    dashboard = load(DEPLOY / "grafana" / "problem-tracker.json")[0]
    cells: dict[tuple[int, int], str] = {}
    ids = [panel["id"] for panel in dashboard["panels"]]

    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


def test_every_alert_says_how_bad_and_what_happened() -> None:
    rules = alert_rules()

    for rule in rules:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def test_no_alert_summary_renders_a_rate_with_si_prefixes() -> None:
    """``humanize`` renders 0.1 as "100m": counts are printed as whole numbers instead."""
    for rule in alert_rules():
        summary = rule["annotations"]["summary"]
        assert "$value | humanize }}" not in summary, rule["alert"]
        assert "{{ $value }}" not in summary, rule["alert"]
