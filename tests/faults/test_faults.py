"""Nothing lost, nothing doubled: complete customer problem lifecycles on the real broker
while workers are killed, stopped, restarted and wiped and the broker goes away, compared
with the oracle (the pure domain replayed on the same inputs).

``make test`` runs the short variant (a control run without faults and a few hundred
lifecycles with two kills); ``make test-faults`` (``FAULT_SUITE=long``) runs every scenario
at full size on a broker of its own. ``FAULT_SEED`` repeats a run's fault moments (the
seed is printed with the figures), ``FAULT_GUARANTEE`` picks the processing guarantee.
"""

from __future__ import annotations

import random
import time
from functools import partial
from pathlib import Path

import pytest
from fault_cluster import Broker, Cluster, Step
from fault_players import Plan
from fault_run import LONG, Scenario, run, verdict

pytestmark = [pytest.mark.integration, pytest.mark.faults]

long_only = pytest.mark.skipif(not LONG, reason="long fault suite only: make test-faults")


# -- fault actions -----------------------------------------------------------------------------


def kill_and_restart(member: int, jitter: float, cluster: Cluster, broker: Broker) -> None:
    """kill -9 at a random moment, then the orchestrator starts it again a second later."""
    time.sleep(jitter)
    cluster.kill(member)
    time.sleep(1.0)
    cluster.start(member)


def kill(member: int, cluster: Cluster, broker: Broker) -> None:
    cluster.kill(member)


def stop(member: int, cluster: Cluster, broker: Broker) -> None:
    cluster.stop(member)


def start(member: int, cluster: Cluster, broker: Broker) -> None:
    cluster.start(member)


def wiped(member: int, signal: str, cluster: Cluster, broker: Broker) -> None:
    """The member goes down (SIGKILL or SIGTERM), loses its disk, and comes back."""
    if signal == "kill":
        cluster.kill(member)
    else:
        cluster.stop(member)
    cluster.wipe(member)
    time.sleep(2.0)
    cluster.start(member)


def broker_outage(down: float, cluster: Cluster, broker: Broker) -> None:
    """The broker stops (cleanly) and comes back ``down`` seconds later, same data."""
    wall = time.time()
    broker.stop()
    cluster.record("broker-stop", None, wall, time.time() - wall)
    time.sleep(down)
    wall = time.time()
    broker.start()
    cluster.record("broker-start", None, wall, time.time() - wall)


def kills(count: int) -> partial[list[Step]]:
    return partial(_kills, count)


def _kills(count: int, rng: random.Random) -> list[Step]:
    """``count`` kills of the only worker, spread over the run at random moments."""
    return [
        Step(
            (n + rng.uniform(0.2, 0.8)) / (count + 0.5),
            f"kill -9 #{n + 1}",
            partial(kill_and_restart, 0, rng.uniform(0.0, 2.0)),
        )
        for n in range(count)
    ]


def _membership(rng: random.Random) -> list[Step]:
    """Two workers, then three; members leave (SIGTERM, SIGKILL) and join again."""
    jitter = partial(rng.uniform, 0.0, 0.04)
    return [
        Step(0.10, "member 2 joins (three workers)", partial(start, 2)),
        Step(0.22 + jitter(), "member 0 leaves (SIGTERM)", partial(stop, 0)),
        Step(0.32, "member 0 joins again", partial(start, 0)),
        Step(0.46 + jitter(), "member 1 crashes (SIGKILL)", partial(kill, 1)),
        Step(0.58, "member 1 joins again", partial(start, 1)),
        Step(0.70 + jitter(), "member 2 crashes (SIGKILL), stays down", partial(kill, 2)),
        Step(0.82 + jitter(), "member 0 leaves (SIGTERM), stays down", partial(stop, 0)),
    ]


def _wipes(rng: random.Random) -> list[Step]:
    """Local state deleted while a worker is down: alone, then with a second worker."""
    jitter = partial(rng.uniform, 0.0, 0.05)
    return [
        Step(0.15 + jitter(), "only worker killed, disk wiped", partial(wiped, 0, "kill")),
        Step(0.35, "member 1 joins", partial(start, 1)),
        Step(0.55 + jitter(), "member 1 stopped, disk wiped", partial(wiped, 1, "stop")),
        Step(0.75 + jitter(), "member 0 killed, disk wiped", partial(wiped, 0, "kill")),
    ]


def _broker(rng: random.Random) -> list[Step]:
    return [
        Step(0.25 + rng.uniform(0, 0.1), "broker down 15 s", partial(broker_outage, 15.0)),
        Step(0.65 + rng.uniform(0, 0.1), "broker down 5 s", partial(broker_outage, 5.0)),
    ]


# -- scenarios ---------------------------------------------------------------------------------


def plan(lifecycles: int) -> Plan:
    """The long runs wait longer before they call a report stuck: their faults are longer."""
    if LONG:
        return Plan(lifecycles, stuck_after=120.0, final_wait=60.0)
    return Plan(lifecycles)


def check(scenario: Scenario, broker: Broker, root: Path) -> None:
    found, figures = run(scenario, broker, root)
    problems = verdict(found, figures)
    assert not problems, f"{problems}; see the fault suite summary at the end"


def test_without_faults_every_output_is_the_oracles(fault_broker: Broker, tmp_path: Path) -> None:
    """The control: no fault at all, so any difference is the oracle's or the harness's."""
    size = 500 if LONG else 100
    check(Scenario("no-faults", plan(size), members=1), fault_broker, tmp_path)


def test_kill_9_the_busy_worker_at_random_moments(fault_broker: Broker, tmp_path: Path) -> None:
    scenario = (
        Scenario("kill-9", plan(3000), members=1, steps=kills(5))
        if LONG
        else Scenario("kill-9-short", plan(300), members=1, steps=kills(2))
    )
    check(scenario, fault_broker, tmp_path)


@long_only
def test_broker_stopped_and_restarted_mid_run(fault_broker: Broker, tmp_path: Path) -> None:
    if not fault_broker.restartable:
        pytest.skip("the broker was not started by the suite")
    check(Scenario("broker-restart", plan(600), members=1, steps=_broker), fault_broker, tmp_path)


@long_only
def test_members_leave_and_join(fault_broker: Broker, tmp_path: Path) -> None:
    scenario = Scenario("membership", plan(1000), members=2, steps=_membership)
    check(scenario, fault_broker, tmp_path)


@long_only
def test_local_state_deleted_while_down(fault_broker: Broker, tmp_path: Path) -> None:
    check(Scenario("state-wipe", plan(800), members=1, steps=_wipes), fault_broker, tmp_path)
