"""The SLA policy file: YAML loading, validation and conversion to the domain's
``SlaPolicy`` (see deploy/policies/README.md for the format)."""

from problem_tracker.policy.convert import PolicyError, Problem
from problem_tracker.policy.durations import format_duration, parse_duration
from problem_tracker.policy.loader import builtin_policy, load_policy, parse_policy

__all__ = [
    "PolicyError",
    "Problem",
    "builtin_policy",
    "format_duration",
    "load_policy",
    "parse_duration",
    "parse_policy",
]
