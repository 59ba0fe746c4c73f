"""``problem-tracker schemas export [--out DIR] [--check]``."""

from __future__ import annotations

from pathlib import Path

import pytest

from problem_tracker.cli import main


def export(directory: Path, *extra: str) -> int:
    return main(["schemas", "export", "--out", str(directory), *extra])


def test_export_writes_every_schema_and_the_asyncapi_document(tmp_path: Path) -> None:
    assert export(tmp_path) == 0

    assert (tmp_path / "asyncapi.yaml").is_file()
    assert (tmp_path / "CustomerProblemReportCreateEvent.schema.json").is_file()
    assert (tmp_path / "DeadLetterRecord.schema.json").is_file()


def test_check_passes_on_a_fresh_export(tmp_path: Path) -> None:
    export(tmp_path)

    assert export(tmp_path, "--check") == 0


def test_check_fails_and_names_a_file_edited_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export(tmp_path)
    edited = tmp_path / "KnownErrorEvent.schema.json"
    edited.write_text(edited.read_text().replace('"string"', '"number"', 1))

    assert export(tmp_path, "--check") == 1
    assert f"out of date: {edited}" in capsys.readouterr().err


def test_check_fails_on_a_missing_directory(tmp_path: Path) -> None:
    assert export(tmp_path / "nowhere", "--check") == 1


def test_check_writes_nothing(tmp_path: Path) -> None:
    export(tmp_path, "--check")

    assert list(tmp_path.iterdir()) == []


def test_export_removes_schemas_of_message_types_that_no_longer_exist(tmp_path: Path) -> None:
    stale = tmp_path / "CustomerProblemReportDeleteEvent.schema.json"
    readme = tmp_path / "README.md"
    export(tmp_path)
    stale.write_text("{}")
    readme.write_text("hand-written")

    assert export(tmp_path, "--check") == 1
    assert export(tmp_path) == 0
    assert not stale.exists()
    assert readme.read_text() == "hand-written"
