"""The decision core without Kafka: how many reports one core can take through Track &
Manage Customer Problem, and what the table codec adds per command.

Each report follows the common path: created on a service the NOC owns (acknowledged,
service trouble requested, inProgress), linked to its service trouble report, SPM starts
work, the customer asks for news, SPM resolves it (report resolved), the channel closes it.
``handle_report`` is timed per command; the codec is timed on the state after every step,
as the shell decodes the stored state before each command and encodes it after.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.report import RESULTS_DIR, Result, finish
from problem_tracker.application.process import handle_report
from problem_tracker.config import Settings
from problem_tracker.domain.commands import (
    ChangeAttributes,
    Close,
    CreateReport,
    LinkServiceTrouble,
    ReportCommand,
    UpdateDelegatedWork,
)
from problem_tracker.domain.context import DecisionContext, StaticReferenceData
from problem_tracker.domain.report import (
    CustomerProblemReport,
    DelegatedStatus,
    EntityRef,
    EntityRole,
    Note,
    Owner,
    OwnerRole,
    Party,
    ProgressUpdate,
    Severity,
    Status,
)
from problem_tracker.translation.state import decode_report, encode_report

START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
SERVICES = 1000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("domain", help="handle_report and table codec, per report")
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.set_defaults(handler=run)


@dataclass
class Timings:
    """Seconds spent per command type, and per codec direction."""

    handle: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    commands: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    events: int = 0
    encode: float = 0.0
    decode: float = 0.0
    decodes: int = 0
    encoded_bytes: list[int] = field(default_factory=list)


def run(args: argparse.Namespace, settings: Settings) -> int:
    n: int = args.reports
    timings = Timings()
    context = noc_owns_every_service()
    started = time.perf_counter()
    for index in range(n):
        final = take_through(index, context, timings)
        if final.status is not Status.CLOSED:
            raise AssertionError(f"{final.id} ended {final.status}, not closed")
    wall = time.perf_counter() - started
    result = Result("domain", {"reports": n, "services": SERVICES, "flow": flow_names()})
    summarise(result, n, wall, timings)
    return finish(result, args.results_dir)


def summarise(result: Result, n: int, wall: float, timings: Timings) -> None:
    handle_total = sum(timings.handle.values())
    commands = sum(timings.commands.values())
    codec_total = timings.encode + timings.decode
    result.add("reports taken from create to closed", n)
    result.add("commands handled", commands)
    result.add("events decided", timings.events)
    result.add("handle_report throughput", round(commands / handle_total), "commands/s")
    result.add("handle_report throughput, whole flows", round(n / handle_total, 1), "reports/s")
    for name, seconds in timings.handle.items():
        count = timings.commands[name]
        result.add(f"handle_report {name}", round(seconds / count * 1e6, 1), "µs/command")
    sizes = timings.encoded_bytes
    result.add("encode_report", round(timings.encode / len(sizes) * 1e6, 1), "µs/state")
    result.add("decode_report", round(timings.decode / timings.decodes * 1e6, 1), "µs/state")
    result.add("stored state size, mean", round(sum(sizes) / len(sizes)), "bytes")
    result.add("stored state size, closed report", sizes[-1], "bytes")
    per_command = (handle_total + codec_total) / commands
    result.add("decode + handle + encode", round(per_command * 1e6, 1), "µs/command")
    result.add("decode + handle + encode throughput", round(1 / per_command), "commands/s")
    result.add("wall time (timer overhead included)", round(wall, 2), "s")
    result.notes.append(
        "one process, one core; a worker also parses JSON, validates wire models and "
        "produces to Kafka per command, which this benchmark leaves out"
    )


def noc_owns_every_service() -> DecisionContext:
    owners = {service_id(i): Owner(id="noc", role=OwnerRole.INTERNAL) for i in range(SERVICES)}
    return DecisionContext(reference=StaticReferenceData(owners=owners))


def service_id(index: int) -> str:
    return f"svc-{index % SERVICES:04d}"


def take_through(index: int, context: DecisionContext, timings: Timings) -> CustomerProblemReport:
    """One report through the flow, timing the decision and the codec at every step."""
    state: CustomerProblemReport | None = None
    for step, (command, now) in enumerate(flow(index)):
        if state is not None:
            raw = _timed_encode(state, timings)
            state = _timed_decode(raw, timings)
        name = f"{step + 1}. {type(command).__name__}"
        started = time.perf_counter()
        decision = handle_report(state, command, now, context)
        timings.handle[name] += time.perf_counter() - started
        timings.commands[name] += 1
        timings.events += len(decision.events)
        state = decision.state
    assert state is not None
    _timed_encode(state, timings)
    return state


def _timed_encode(state: CustomerProblemReport, timings: Timings) -> bytes:
    started = time.perf_counter()
    raw = encode_report(state)
    timings.encode += time.perf_counter() - started
    timings.encoded_bytes.append(len(raw))
    return raw


def _timed_decode(raw: bytes, timings: Timings) -> CustomerProblemReport:
    started = time.perf_counter()
    state = decode_report(raw)
    timings.decode += time.perf_counter() - started
    timings.decodes += 1
    return state


def flow(index: int) -> Iterator[tuple[ReportCommand, datetime]]:
    """The commands one report receives, with the time each is handled."""
    report_id = f"CPR-{index:07d}"
    service = EntityRef(
        id=service_id(index), referred_type="Service", role=EntityRole.AFFECTED_SERVICE
    )
    request_id = f"STR-{service.id}-1"
    created = START + timedelta(seconds=index)

    def at(minutes: int) -> datetime:
        return created + timedelta(minutes=minutes)

    def event(step: int) -> str:
        return f"evt-{report_id}-{step}"

    yield (
        CreateReport(
            event_id=event(1),
            report_id=report_id,
            description="no dial tone since this morning",
            severity=Severity.MAJOR,
            priority=2,
            ticket_type="incident",
            creation_date=created,
            parties=(Party(role="customer", id=f"cust-{index}", segment="gold"),),
            entities=(service,),
        ),
        at(0),
    )
    yield (
        LinkServiceTrouble(
            event_id=event(2),
            report_id=report_id,
            request_id=request_id,
            service=service,
            status=DelegatedStatus.REQUESTED,
        ),
        at(0),
    )
    yield _spm(event(3), report_id, request_id, DelegatedStatus.IN_PROGRESS), at(5)
    note = Note(author="customer", date=at(30), text="any news? still no dial tone")
    yield ChangeAttributes(event_id=event(4), report_id=report_id, notes=(note,)), at(30)
    yield _spm(event(5), report_id, request_id, DelegatedStatus.RESOLVED), at(90)
    yield Close(event_id=event(6), report_id=report_id, reason="customer confirmed"), at(120)


def _spm(event_id: str, report_id: str, request_id: str, status: DelegatedStatus) -> ReportCommand:
    return UpdateDelegatedWork(
        event_id=event_id,
        report_id=report_id,
        request_id=request_id,
        update=ProgressUpdate(status=status, external_id=f"SPM-{request_id}"),
    )


def flow_names() -> list[str]:
    return [type(command).__name__ for command, _ in flow(0)]
