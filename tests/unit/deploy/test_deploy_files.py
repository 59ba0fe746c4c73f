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


def test_prometheus_in_compose_loads_the_alert_rules() -> None:
    rule_files = load(DEPLOY / "prometheus" / "prometheus.yml")[0]["rule_files"]
    mounts = compose()["services"]["prometheus"]["volumes"]

    assert "../prometheus/alerts.yaml:/etc/prometheus/alerts.yaml:ro" in mounts
    assert rule_files == ["/etc/prometheus/alerts.yaml"]


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
    rules = load(DEPLOY / "prometheus" / "alerts.yaml")[0]["groups"][0]["rules"]
    dashboard = load(DEPLOY / "grafana" / "problem-tracker.json")[0]
    expressions = [rule["expr"] for rule in rules]
    expressions += [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in expressions for name in METRIC_NAME.findall(expr)}

    assert len(used) > 5
    assert used - exported_metric_names() == set()


def test_every_alert_says_how_bad_and_what_happened() -> None:
    rules = load(DEPLOY / "prometheus" / "alerts.yaml")[0]["groups"][0]["rules"]

    for rule in rules:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
