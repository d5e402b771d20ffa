"""The remembered next runs are exactly `next_occurrence`'s, computed once per occurrence."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.model import Locale, Tenant
from rituals import next_runs as next_runs_module
from rituals.next_runs import NextRuns
from rituals.schedule import Schedule, next_occurrence, occurrences
from storage.ritual_repository import RitualRecord
from tests.rituals.test_schedule import instants, schedules, zones

START = datetime(2026, 3, 1, tzinfo=UTC)


def record(schedule: str, timezone: str | None = None, ritual_id: int = 1) -> RitualRecord:
    return RitualRecord(
        id=ritual_id,
        tenant_id=1,
        number=ritual_id,
        kind="cap_reminder",
        schedule=schedule,
        timezone=timezone,
        target_kind="role",
        target="manager",
        enabled=True,
        skip_holidays=False,
        holiday_country=None,
        skip_local=None,
        checked_until=START,
        created_at=START,
        updated_at=START,
        deleted_at=None,
    )


def tenant(timezone: str = "Europe/Paris") -> Tenant:
    return Tenant(1, "console", "acme", "ACME", Locale.FR, timezone)


def expected(ritual: RitualRecord, owner: Tenant, moment: datetime) -> datetime:
    schedule = Schedule.from_canonical(ritual.schedule)
    return next_occurrence(schedule, ritual.timezone or owner.timezone, moment).at


@settings(max_examples=100, deadline=None)
@given(
    schedules,
    zones,
    instants,
    st.lists(st.integers(0, 24 * 3600 * 9), min_size=1, max_size=30),
)
def test_every_answer_is_next_occurrence_s_whatever_the_moments_asked(
    schedule: Schedule, zone: str, start: datetime, steps: list[int]
) -> None:
    runs, ritual, owner = NextRuns(), record(schedule.canonical()), tenant(zone)
    moment = start
    for step in steps:  # forwards, as a clock asks, with a step back now and then
        moment += timedelta(seconds=step) if step % 5 else -timedelta(seconds=step)
        assert runs.after(ritual, owner, moment) == expected(ritual, owner, moment)


def test_a_clock_asking_every_15_seconds_computes_once_per_occurrence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed: list[datetime] = []

    def counting(schedule: Schedule, timezone: str, after: datetime) -> object:
        computed.append(after)
        return next_occurrence(schedule, timezone, after)

    monkeypatch.setattr(next_runs_module, "next_occurrence", counting)
    runs, ritual, owner = NextRuns(), record("weekly mon 09:00"), tenant()
    moment = START
    answers = set()
    while moment < START + timedelta(days=21):
        answers.add(runs.after(ritual, owner, moment))
        moment += timedelta(seconds=15)
    assert len(answers) == 4  # Mondays 2, 9, 16 March, then 23 March once the 16th has passed
    assert len(computed) == 4  # 120,960 questions


def test_a_changed_schedule_or_time_zone_is_computed_anew() -> None:
    runs, owner = NextRuns(), tenant()
    weekly = record("weekly mon 09:00")
    moment = START + timedelta(hours=1)
    assert runs.after(weekly, owner, moment) == expected(weekly, owner, moment)

    moved = dataclasses.replace(weekly, schedule="weekly tue 08:00")
    assert runs.after(moved, owner, moment) == expected(moved, owner, moment)

    in_new_york = dataclasses.replace(moved, timezone="America/New_York")
    assert runs.after(in_new_york, owner, moment) == expected(in_new_york, owner, moment)
    assert expected(in_new_york, owner, moment) != expected(moved, owner, moment)

    owner_moved = tenant("Asia/Tokyo")
    assert runs.after(moved, owner_moved, moment) == expected(moved, owner_moved, moment)
    assert expected(moved, owner_moved, moment) != expected(moved, owner, moment)


def test_forgotten_rituals_are_computed_anew_and_others_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    original = next_runs_module.next_occurrence

    def counting(schedule: Schedule, timezone: str, after: datetime) -> object:
        calls.append(1)
        return original(schedule, timezone, after)

    monkeypatch.setattr(next_runs_module, "next_occurrence", counting)
    runs, owner = NextRuns(), tenant()
    one, two = record("daily 08:30", ritual_id=1), record("daily 09:30", ritual_id=2)
    for ritual in (one, two):
        runs.after(ritual, owner, START)
    runs.keep_only([2])
    runs.after(one, owner, START)
    runs.after(two, owner, START)
    assert len(calls) == 3


@settings(max_examples=100, deadline=None)
@given(schedules, zones, instants, st.integers(1, 24 * 3600 * 20), st.integers(0, 24 * 3600 * 20))
def test_fires_between_is_whether_occurrences_has_any(
    schedule: Schedule, zone: str, since: datetime, width: int, remembered_from: int
) -> None:
    """Asked with and without the next run remembered (from some moment before `since`)."""
    runs, ritual, owner = NextRuns(), record(schedule.canonical()), tenant(zone)
    until = since + timedelta(seconds=width)
    expected_answer = bool(occurrences(schedule, zone, since, until))
    assert runs.fires_between(ritual, owner, since, until) == expected_answer
    runs.after(ritual, owner, since - timedelta(seconds=remembered_from))
    assert runs.fires_between(ritual, owner, since, until) == expected_answer
