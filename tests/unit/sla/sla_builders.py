"""Builders for the SLA tests: calendars, rules, ladders and instants, spelled out, and
ticks taken the way a decision takes them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from problem_tracker.domain.sla.calendar import AlwaysOpen, BusinessCalendar, Calendar, OpenHours
from problem_tracker.domain.sla.clock import SlaClock
from problem_tracker.domain.sla.partner_legs import PartnerLeg
from problem_tracker.domain.sla.policy import (
    EscalationKind,
    EscalationLadder,
    EscalationLevel,
    PartnerOla,
    RuleMatch,
    SlaPolicy,
    SlaRule,
    SlaTargets,
)
from problem_tracker.domain.sla.track import SlaSignal, SlaTrack, fall_due, refreshed

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    """An instant given in the wall time of ``zone``, as UTC."""
    return datetime(*parts, tzinfo=zone, fold=fold).astimezone(UTC)


def hours(text: str) -> OpenHours:
    opens, closes = text.split("-")
    return OpenHours(_offset(opens), _offset(closes))


def _offset(clock: str) -> timedelta:
    hour, minute = clock.split(":")
    return timedelta(hours=int(hour), minutes=int(minute))


def office(
    zone: str = "Europe/Berlin",
    window: str = "08:00-18:00",
    holidays: frozenset[object] = frozenset(),
    weekend: bool = False,
) -> BusinessCalendar:
    """Monday to Friday (and the weekend, if asked) in one window."""
    day = (hours(window),)
    week = (day,) * 5 + ((day,) * 2 if weekend else ((), ()))
    return BusinessCalendar(name="office", time_zone=zone, week=week, holidays=holidays)


def ladder(*repeats: timedelta | None, failure: str = "service-desk-lead") -> EscalationLadder:
    """One hierarchical level per repeat interval, targets ``level-1``, ``level-2``, ..."""
    return EscalationLadder(
        levels=tuple(
            EscalationLevel(
                level=n, kind=EscalationKind.HIERARCHICAL, target=f"level-{n}", repeat_after=r
            )
            for n, r in enumerate(repeats, start=1)
        ),
        delegation_failure_target=failure,
    )


def rule(
    name: str = "default",
    resolution: timedelta = 4 * H,
    *,
    calendar: Calendar | None = None,
    customer_update: timedelta | None = None,
    thresholds: tuple[int, ...] = (50, 75),
    pause_on_held: bool = True,
    escalation: EscalationLadder | None = None,
    match: RuleMatch | None = None,
) -> SlaRule:
    return SlaRule(
        name=name,
        match=match or RuleMatch(),
        targets=SlaTargets(resolution=resolution, customer_update=customer_update),
        calendar=calendar or AlwaysOpen(),
        ladder=escalation or ladder(H, 2 * H, None),
        thresholds=thresholds,
        pause_on_held=pause_on_held,
    )


def policy(*rules: SlaRule, olas: tuple[PartnerOla, ...] = ()) -> SlaPolicy:
    default_ola = PartnerOla(
        partner=None, resolution=8 * H, calendar=AlwaysOpen(), escalate_to="partner-manager"
    )
    return SlaPolicy(rules=rules, default_ola=default_ola, partner_olas=olas)


def track_of(
    clock: SlaClock, sla: SlaRule, legs: Iterable[PartnerLeg] = (), now: datetime | None = None
) -> SlaTrack:
    """The track a decision leaves with ``clock`` and ``legs`` under ``sla``, at ``now``
    (by default the last instant the clock knows of)."""
    return refreshed(SlaTrack(clock=clock, partner_legs=tuple(legs)), sla, now or last_seen(clock))


def last_seen(clock: SlaClock) -> datetime:
    """The latest instant a clock records: its start, a run's end, a resume or its stop."""
    instants = [clock.cycle_start, *(end for _, end in clock.runs)]
    instants += [at for at in (clock.running_since, clock.stopped_at) if at is not None]
    return max(instants)


def next_tick(clock: SlaClock, sla: SlaRule, legs: Iterable[PartnerLeg] = ()) -> datetime | None:
    """When the report asks for its next tick."""
    return track_of(clock, sla, legs).next_tick


def ticked(
    track: SlaTrack | SlaClock, sla: SlaRule, now: datetime
) -> tuple[SlaTrack, list[SlaSignal]]:
    """A tick at ``now`` as a decision takes it (``track.fall_due``): the track it leaves
    and every signal it raised, in order."""
    if isinstance(track, SlaClock):
        track = track_of(track, sla)
    batches = fall_due(track, sla, now)
    return (batches[-1].track if batches else track), [s for b in batches for s in b.signals]
