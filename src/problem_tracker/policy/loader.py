"""Read an SLA policy file: YAML → checked document → the domain's ``SlaPolicy``.

Every problem names its YAML path and line, so that an operator can fix the file
without reading code. All malformed values are reported at once; references between
sections (calendars, ladders, the default rule) are checked once the values are sound.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from problem_tracker.domain.sla.policy import SlaPolicy
from problem_tracker.policy.convert import PolicyError, Problem, YamlPath, to_policy
from problem_tracker.policy.schema import PolicyDocument

BUILTIN_POLICY = "builtin-policy.yaml"


def load_policy(path: Path | None) -> SlaPolicy:
    """The policy in ``path``, or the built-in one when no file is configured."""
    if path is None:
        return builtin_policy()
    return parse_policy(path.read_text(encoding="utf-8"), source=str(path))


def builtin_policy() -> SlaPolicy:
    """Around-the-clock targets by priority; what a worker uses without a policy file."""
    text = resources.files("problem_tracker.policy").joinpath(BUILTIN_POLICY).read_text("utf-8")
    return parse_policy(text, source=BUILTIN_POLICY)


def parse_policy(text: str, source: str = "SLA policy") -> SlaPolicy:
    """``PolicyError`` listing every problem, with YAML path and line, if invalid."""
    root, data = _read_yaml(text, source)
    try:
        document = PolicyDocument.model_validate(data)
    except ValidationError as invalid:
        problems = [_problem(error) for error in invalid.errors()]
        raise PolicyError(_with_lines(problems, root), source) from None
    try:
        return to_policy(document)
    except PolicyError as invalid:
        raise PolicyError(_with_lines(invalid.problems, root), source) from None


def _read_yaml(text: str, source: str) -> tuple[yaml.Node | None, Any]:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = Problem((), f"not valid YAML: {getattr(exc, 'problem', None) or exc}", line)
        raise PolicyError([problem], source) from None
    finally:
        loader.dispose()


def _problem(error: ErrorDetails) -> Problem:
    path = tuple(part for part in error["loc"] if isinstance(part, str | int))
    kind = error["type"]
    if not path:
        message = "the policy must be a mapping with escalationLadders, partners and rules"
    elif kind == "missing":
        message = "required"
    elif kind == "extra_forbidden":
        message = "unknown key (check the spelling)"
    elif kind == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
    else:
        value = error.get("input")
        shown = f", got {value!r}" if isinstance(value, str | int | float) else ""
        message = f"{error['msg']}{shown}"
    return Problem(path, message)


def _with_lines(
    problems: tuple[Problem, ...] | list[Problem], root: yaml.Node | None
) -> list[Problem]:
    return [Problem(p.path, p.message, _line_of(root, p.path)) for p in problems]


def _line_of(node: yaml.Node | None, path: YamlPath) -> int | None:
    """The line of the deepest YAML node along ``path`` (1-based)."""
    if node is None:
        return None
    for part in path:
        child = _child(node, part)
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == str(part):
                return value  # type: ignore[no-any-return]
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None
