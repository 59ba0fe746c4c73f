"""Resolve the Kafka jars with Maven into a cache outside the repository, once per version."""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from problem_tracker.kafka_local.errors import LocalKafkaError

COMPLETE_MARKER = ".complete"
MAVEN_HINT = "install Maven 3.6+ (e.g. apt-get install maven)"


def packaged_file(name: str) -> Path:
    """A file shipped inside this package (pom.xml, log4j2.xml), installed or editable."""
    path = Path(str(resources.files("problem_tracker.kafka_local").joinpath(name)))
    if not path.is_file():
        raise LocalKafkaError(f"{name} is missing from the installed package ({path})")
    return path


def libs_dir(cache_dir: Path, version: str) -> Path:
    return cache_dir.expanduser() / version / "libs"


def is_fetched(cache_dir: Path, version: str) -> bool:
    return (libs_dir(cache_dir, version) / COMPLETE_MARKER).is_file()


def ensure_fetched(cache_dir: Path, version: str) -> Path:
    """The directory holding every jar of Kafka ``version``; fetched on first use.

    Maven copies into a private directory that is renamed into place only once complete, so
    an interrupted fetch is redone and concurrent fetches (parallel test sessions) never see
    a half-filled directory.
    """
    target = libs_dir(cache_dir, version)
    if is_fetched(cache_dir, version):
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalKafkaError(f"mvn not found: {MAVEN_HINT}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f"libs.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _run_maven(mvn, version, staging)
    except LocalKafkaError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (staging / COMPLETE_MARKER).write_text(f"kafka {version}\n")
    if target.exists() and not is_fetched(cache_dir, version):
        shutil.rmtree(target, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:
        if not is_fetched(cache_dir, version):
            raise
    shutil.rmtree(staging, ignore_errors=True)
    return target


def _run_maven(mvn: str, version: str, output_dir: Path) -> None:
    command = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(packaged_file("pom.xml")),
        "dependency:copy-dependencies",
        f"-Dkafka.version={version}",
        f"-DoutputDirectory={output_dir}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not any(output_dir.glob("kafka_2.13-*.jar")):
        output = (done.stdout + done.stderr).strip().splitlines()
        tail = "\n".join(line for line in output[-6:] if line.strip()) or "(no output)"
        raise LocalKafkaError(
            f"fetching Kafka {version} with Maven failed (exit {done.returncode}):\n{tail}"
        )
