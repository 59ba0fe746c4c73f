"""docs/architecture.md and the README map each eTOM step to its modules: the modules they
name exist, both say the same, and the architecture names every module of the domain, so
that neither can drift from the code."""

from __future__ import annotations

import re
from itertools import takewhile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "problem_tracker"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
README = ROOT / "README.md"
MODULE = re.compile(r"`((?:[a-z_]+/)+[a-z_]+\.py)`")


def etom_table(document: Path) -> dict[str, list[str]]:
    """The table whose header starts with "eTOM step": each step and the modules it names."""
    lines = document.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| eTOM step |"))
    rows = takewhile(lambda line: line.startswith("|"), lines[header + 2 :])
    cells = [row.split("|")[1:3] for row in rows]
    return {step.strip(): MODULE.findall(modules) for step, modules in cells}


@pytest.mark.parametrize("document", [ARCHITECTURE, README], ids=lambda path: path.name)
def test_every_module_an_etom_table_names_exists(document: Path) -> None:
    named = [module for modules in etom_table(document).values() for module in modules]

    assert len(named) >= 8
    assert [module for module in named if not (PACKAGE / module).is_file()] == []


def test_the_readme_maps_the_etom_steps_as_the_architecture_does() -> None:
    assert etom_table(README) == etom_table(ARCHITECTURE)


def test_the_architecture_names_every_module_of_the_domain() -> None:
    named = set(MODULE.findall(ARCHITECTURE.read_text(encoding="utf-8")))
    modules = {
        path.relative_to(PACKAGE).as_posix()
        for path in (PACKAGE / "domain").rglob("*.py")
        if path.name != "__init__.py"
    }

    assert sorted(modules - named) == []
