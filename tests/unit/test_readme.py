"""The README's examples are the real files, so it cannot drift from them."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_shows_the_complete_policy_example_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / "deploy/policies/sla-policy.example.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{example}```" in readme


def test_the_readme_starts_with_the_two_commands_that_set_everything_up() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("## ", 1)[0]
    assert "make run" in head
    assert "make test" in head
