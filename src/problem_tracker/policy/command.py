"""``problem-tracker policy check [FILE]``: validate an SLA policy file and show its rules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from problem_tracker.config import Settings
from problem_tracker.policy.convert import PolicyError
from problem_tracker.policy.loader import load_policy
from problem_tracker.policy.summary import describe

SETTING = "PROBLEM_TRACKER_WORKER__SLA_POLICY_FILE"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("policy", help="SLA policy files")
    actions = parser.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate an SLA policy file and summarise its rules (exit 1 if invalid)",
    )
    check.add_argument(
        "file", nargs="?", type=Path, help=f"the policy file (default: the file {SETTING} names)"
    )
    check.set_defaults(handler=check_policy)


def check_policy(args: argparse.Namespace, settings: Settings) -> int:
    path: Path | None = args.file or settings.worker.sla_policy_file
    if path is None:
        print(f"policy check: name a policy FILE or set {SETTING}", file=sys.stderr)
        return 2
    try:
        policy = load_policy(path)
    except OSError as exc:
        print(f"{path}: cannot read the policy: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except PolicyError as invalid:
        print(invalid, file=sys.stderr)
        return 1
    print(describe(policy, source=str(path)))
    return 0
