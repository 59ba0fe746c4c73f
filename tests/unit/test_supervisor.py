"""``worker --processes N``: each worker gets its own data dir, port and member id; the
supervisor forwards a stop, restarts a child that died within a budget, gives up past it,
kills a child that does not stop, and its children do not outlive it.

The children here are tiny Python scripts, real processes: what the supervisor does to a
process is what is tested, not what a worker does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from problem_tracker.config import Settings, WorkerSettings
from problem_tracker.streaming.worker import run_processes
from problem_tracker.supervisor import (
    ChildSpec,
    Supervisor,
    SupervisorConfigError,
    worker_children,
    worker_overrides,
)

PREFIX = "PROBLEM_TRACKER_WORKER__"

# Writes "started" then, on SIGTERM, "stopped" into its file; exits with EXIT_CODE after
# RUN_FOR seconds if it is still running (never when RUN_FOR is empty).
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    path = os.environ["MARKS"]
    def mark(word):
        with open(path, "a") as f:
            f.write(word + "\\n")
    def stopped(*_):
        mark("stopped")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stopped if os.environ.get("IGNORE") != "1" else signal.SIG_IGN)
    mark("started")
    run_for = os.environ.get("RUN_FOR")
    deadline = time.monotonic() + float(run_for) if run_for else None
    while deadline is None or time.monotonic() < deadline:
        time.sleep(0.02)
    sys.exit(int(os.environ.get("EXIT_CODE", "0")))
    """
)


def _child(tmp_path: Path, name: str, **env: str) -> ChildSpec:
    return ChildSpec(
        name, [sys.executable, "-c", CHILD], {**os.environ, "MARKS": str(tmp_path / name), **env}
    )


def _marks(tmp_path: Path, name: str) -> list[str]:
    path = tmp_path / name
    return path.read_text().split() if path.exists() else []


def _until(condition: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def in_thread() -> Iterator[list[threading.Thread]]:
    threads: list[threading.Thread] = []
    yield threads
    for thread in threads:
        thread.join(30)


def _start(supervisor: Supervisor, threads: list[threading.Thread]) -> dict[str, int]:
    outcome: dict[str, int] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("code", supervisor.run()))
    threads.append(thread)
    thread.start()
    return outcome


def test_each_worker_process_has_its_own_data_dir_port_and_member_id(tmp_path: Path) -> None:
    settings = Settings(
        worker=WorkerSettings(data_dir=tmp_path / "w", web_port=7000, group_instance_id="host-a")
    )

    overrides = worker_overrides(settings, 3)

    assert [o[f"{PREFIX}DATA_DIR"] for o in overrides] == [
        str(tmp_path / "w" / f"process-{i}") for i in range(3)
    ]
    assert [o[f"{PREFIX}WEB_PORT"] for o in overrides] == ["7000", "7001", "7002"]
    assert [o[f"{PREFIX}GROUP_INSTANCE_ID"] for o in overrides] == [
        "host-a-0",
        "host-a-1",
        "host-a-2",
    ]


def test_without_a_web_server_or_static_membership_only_the_data_dir_differs() -> None:
    settings = Settings(worker=WorkerSettings(web_port=0))

    children = worker_children(settings, 2, ["--plain-logs"], {"KEEP": "1"})

    assert [c.argv[-2:] for c in children] == [["worker", "--plain-logs"]] * 2
    assert all(c.env["KEEP"] == "1" for c in children)
    assert all(f"{PREFIX}WEB_PORT" not in c.env for c in children)
    assert all(f"{PREFIX}GROUP_INSTANCE_ID" not in c.env for c in children)
    assert len({c.env[f"{PREFIX}DATA_DIR"] for c in children}) == 2


@pytest.mark.parametrize(
    ("worker", "processes", "problem"),
    [
        (WorkerSettings(), 0, "1 or more"),
        (WorkerSettings(advertised_url="http://w:6066"), 2, "ADVERTISED_URL"),
        (WorkerSettings(web_port=65535), 2, "do not all exist"),
    ],
)
def test_settings_that_cannot_serve_several_processes_are_refused(
    worker: WorkerSettings, processes: int, problem: str
) -> None:
    with pytest.raises(SupervisorConfigError, match=problem):
        worker_overrides(Settings(worker=worker), processes)


def test_a_stop_reaches_every_child_and_each_stops_gracefully(
    tmp_path: Path, in_thread: list[threading.Thread]
) -> None:
    supervisor = Supervisor([_child(tmp_path, "a"), _child(tmp_path, "b")])
    outcome = _start(supervisor, in_thread)
    _until(lambda: _marks(tmp_path, "a") and _marks(tmp_path, "b"))

    supervisor.stop()
    in_thread[0].join(30)

    assert outcome == {"code": 0}
    assert _marks(tmp_path, "a") == _marks(tmp_path, "b") == ["started", "stopped"]


def test_a_child_that_dies_is_started_again_and_the_others_keep_running(
    tmp_path: Path, in_thread: list[threading.Thread]
) -> None:
    supervisor = Supervisor(
        [_child(tmp_path, "steady"), _child(tmp_path, "flaky", RUN_FOR="0.2", EXIT_CODE="3")],
        max_restarts=5,
        restart_delay=0.05,
    )
    outcome = _start(supervisor, in_thread)
    _until(lambda: _marks(tmp_path, "flaky").count("started") >= 3)

    supervisor.stop()
    in_thread[0].join(30)

    assert outcome == {"code": 0}
    assert _marks(tmp_path, "steady") == ["started", "stopped"]
    assert len(supervisor.restarts) >= 2


def test_past_the_restart_budget_it_stops_the_others_and_exits_with_the_childs_code(
    tmp_path: Path, in_thread: list[threading.Thread]
) -> None:
    supervisor = Supervisor(
        [_child(tmp_path, "steady"), _child(tmp_path, "broken", RUN_FOR="0", EXIT_CODE="3")],
        max_restarts=2,
        restart_window=60.0,
        restart_delay=0.05,
    )
    outcome = _start(supervisor, in_thread)
    in_thread[0].join(30)

    assert outcome == {"code": 3}
    assert _marks(tmp_path, "broken") == ["started"] * 3
    assert _marks(tmp_path, "steady") == ["started", "stopped"]


def test_restarts_older_than_the_window_no_longer_count(
    tmp_path: Path, in_thread: list[threading.Thread]
) -> None:
    now = [0.0]
    supervisor = Supervisor(
        [_child(tmp_path, "flaky", RUN_FOR="1.0", EXIT_CODE="3")],
        max_restarts=1,
        restart_window=10.0,
        restart_delay=0.0,
        clock=lambda: now[0],
    )
    outcome = _start(supervisor, in_thread)
    for started in range(1, 4):
        _until(lambda n=started: _marks(tmp_path, "flaky").count("started") == n)
        now[0] += 11.0  # this child exits more than a window after the previous restart

    _until(lambda: _marks(tmp_path, "flaky").count("started") == 4)
    supervisor.stop()
    in_thread[0].join(30)

    assert outcome == {"code": 0}


def test_a_child_that_ignores_the_stop_is_killed_after_the_timeout(
    tmp_path: Path, in_thread: list[threading.Thread]
) -> None:
    supervisor = Supervisor([_child(tmp_path, "deaf", IGNORE="1")], stop_timeout=0.5)
    outcome = _start(supervisor, in_thread)
    _until(lambda: _marks(tmp_path, "deaf"))

    started = time.monotonic()
    supervisor.stop()
    in_thread[0].join(30)

    assert outcome == {"code": 1}
    assert time.monotonic() - started < 10
    assert _marks(tmp_path, "deaf") == ["started"]


SUPERVISOR = textwrap.dedent(
    """
    import os, sys
    from problem_tracker.supervisor import ChildSpec, Supervisor, supervise
    child = ChildSpec("c", [sys.executable, "-c", os.environ["CHILD"]], dict(os.environ))
    sys.exit(supervise(Supervisor([child])))
    """
)


def _supervisor_process(tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CHILD": CHILD, "MARKS": str(tmp_path / "child")}
    return subprocess.Popen([sys.executable, "-c", SUPERVISOR], env=env)


def test_sigterm_to_the_supervisor_process_stops_its_children(tmp_path: Path) -> None:
    supervisor = _supervisor_process(tmp_path)
    _until(lambda: _marks(tmp_path, "child"))

    supervisor.send_signal(signal.SIGTERM)

    assert supervisor.wait(30) == 0
    assert _marks(tmp_path, "child") == ["started", "stopped"]


def test_children_do_not_outlive_a_killed_supervisor(tmp_path: Path) -> None:
    supervisor = _supervisor_process(tmp_path)
    _until(lambda: _marks(tmp_path, "child"))

    supervisor.kill()
    supervisor.wait(10)

    _until(lambda: _marks(tmp_path, "child") == ["started", "stopped"])


def test_the_worker_command_refuses_bad_settings_before_starting_anything() -> None:
    class Args:
        processes = 2
        plain_logs = False

    settings = Settings(worker=WorkerSettings(advertised_url="http://w:6066"))

    with pytest.raises(SupervisorConfigError, match="ADVERTISED_URL"):
        run_processes(Args(), settings)  # type: ignore[arg-type]


def test_a_child_that_cannot_be_started_stops_those_already_running(tmp_path: Path) -> None:
    supervisor = Supervisor(
        [_child(tmp_path, "first"), ChildSpec("missing", [str(tmp_path / "no-such")], {})]
    )

    with pytest.raises(FileNotFoundError):
        supervisor.run()

    assert _running_with(f"MARKS={tmp_path / 'first'}") == []


def _running_with(variable: str) -> list[str]:
    """Live processes whose environment holds ``variable`` (NAME=value)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if variable.encode() in environ.read_bytes().split(b"\0"):
                found.append(environ.parent.name)
        except OSError:
            continue
    return found
