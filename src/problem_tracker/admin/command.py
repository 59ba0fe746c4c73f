"""``problem-tracker topics create|plan``: declare the contract's topics and the worker's
internal topics on the cluster; ``problem-tracker acls plan``: the ACLs a worker needs on it."""

from __future__ import annotations

import argparse
from typing import Any

from problem_tracker.admin.acls import acls_script
from problem_tracker.admin.topics import deployment_plan, ensure_topics
from problem_tracker.config import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "topics", help="the topics of the wire contract and the worker's internal topics"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create missing topics (idempotent)")
    create.add_argument("--bootstrap-servers", help="override PROBLEM_TRACKER_KAFKA__...")
    create.add_argument("--timeout", type=float, default=30.0)
    create.set_defaults(handler=_create)
    plan = actions.add_parser("plan", help="print the topics that create would declare")
    plan.set_defaults(handler=_plan)
    acls = subparsers.add_parser("acls", help="the Kafka ACLs a worker needs")
    acl_actions = acls.add_subparsers(dest="action", required=True, metavar="ACTION")
    acl_plan = acl_actions.add_parser(
        "plan", help="print kafka-acls.sh commands granting them (a bash script)"
    )
    acl_plan.add_argument(
        "--principal", help="e.g. User:problem-tracker (default: User:<KAFKA__SASL_USERNAME>)"
    )
    acl_plan.set_defaults(handler=_acls_plan)


def _create(args: argparse.Namespace, settings: Settings) -> int:
    kafka = settings.kafka
    if args.bootstrap_servers:
        kafka = kafka.model_copy(update={"bootstrap_servers": args.bootstrap_servers})
    report = ensure_topics(kafka, deployment_plan(settings), timeout=args.timeout)
    for name in report.created:
        print(f"created  {name}")
    for name in report.existing:
        print(f"existing {name}")
    for warning in report.warnings:
        print(f"warning  {warning}")
    return 0


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    for spec in deployment_plan(settings):
        config = " ".join(f"{key}={value}" for key, value in sorted(spec.config.items()))
        print(f"{spec.name}  partitions={spec.partitions} rf={spec.replication_factor} {config}")
    return 0


def _acls_plan(args: argparse.Namespace, settings: Settings) -> int:
    principal = args.principal
    if principal is None:
        if settings.kafka.sasl_username is None:
            raise ValueError("name the worker's principal: --principal User:<name>")
        principal = f"User:{settings.kafka.sasl_username}"
    print(acls_script(settings, principal), end="")
    return 0
