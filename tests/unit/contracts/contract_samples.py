"""Sample messages of every contract message type (tests/assets/messages) and JSON helpers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from problem_tracker.contracts.limits import DecodeLimits

REPO = Path(__file__).resolve().parents[3]
ASSETS = REPO / "tests" / "assets"
MESSAGES = ASSETS / "messages"
SCHEMAS = REPO / "schemas"
LIMIT = DecodeLimits(max_message_bytes=256 * 1024)


def sample(name: str) -> dict[str, Any]:
    """The sample of one message type, as parsed JSON."""
    return json.loads((MESSAGES / f"{name}.json").read_text(encoding="utf-8"))


def raw(document: Any) -> bytes:
    """Compact JSON bytes of a document."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _walk(document: Any, pointer: str) -> tuple[Any, str | int]:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    node = document
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    return node, int(last) if isinstance(node, list) else last


def changed(name: str, pointer: str, value: Any) -> dict[str, Any]:
    """The sample with the field at ``pointer`` set to ``value``."""
    document = copy.deepcopy(sample(name))
    node, last = _walk(document, pointer)
    node[last] = value
    return document


def without(name: str, pointer: str) -> dict[str, Any]:
    """The sample with the field at ``pointer`` removed."""
    document = copy.deepcopy(sample(name))
    node, last = _walk(document, pointer)
    del node[last]
    return document


def customer_key(name: str) -> bytes:
    """The right Kafka key of a customer event sample."""
    return sample(name)["event"]["customerProblemReport"]["id"].encode()
