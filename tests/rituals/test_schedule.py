"""Occurrence arithmetic, pure and DST-correct: one occurrence per named local wall time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rituals.schedule import LAST, Frequency, Occurrence, Schedule, next_occurrence, occurrences

DAILY_0230 = Schedule(Frequency.DAILY, time(2, 30))
DAILY_0130 = Schedule(Frequency.DAILY, time(1, 30))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_times(found: list[Occurrence]) -> list[str]:
    return [f"{o.local:%m-%d %H:%M}" for o in found]


def test_spring_forward_in_paris_fires_a_skipped_0230_once_at_0330_summer_time() -> None:
    found = occurrences(DAILY_0230, "Europe/Paris", utc(2026, 3, 27, 12), utc(2026, 3, 30, 12))
    assert local_times(found) == ["03-28 02:30", "03-29 02:30", "03-30 02:30"]
    assert [o.at for o in found] == [
        utc(2026, 3, 28, 1, 30),  # CET (+01:00)
        utc(2026, 3, 29, 1, 30),  # 02:30 does not exist: 03:30 CEST, the gap's length later
        utc(2026, 3, 30, 0, 30),  # CEST (+02:00)
    ]


def test_fall_back_in_paris_fires_a_repeated_0230_once_at_its_first_instance() -> None:
    found = occurrences(DAILY_0230, "Europe/Paris", utc(2026, 10, 24, 12), utc(2026, 10, 26, 12))
    assert local_times(found) == ["10-25 02:30", "10-26 02:30"]
    assert found[0].at == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, not 02:30 CET an hour later


def test_spring_forward_in_new_york_fires_a_skipped_0230_once() -> None:
    found = occurrences(DAILY_0230, "America/New_York", utc(2026, 3, 7, 12), utc(2026, 3, 9, 12))
    assert local_times(found) == ["03-08 02:30", "03-09 02:30"]
    assert found[0].at == utc(2026, 3, 8, 7, 30)  # as 03:30 EDT


def test_fall_back_in_new_york_fires_a_repeated_0130_once() -> None:
    found = occurrences(DAILY_0130, "America/New_York", utc(2026, 10, 31, 12), utc(2026, 11, 2, 12))
    assert local_times(found) == ["11-01 01:30", "11-02 01:30"]
    assert found[0].at == utc(2026, 11, 1, 5, 30)  # 01:30 EDT; 01:30 EST (06:30 UTC) is skipped


def test_hourly_schedules_leave_out_the_hour_that_does_not_exist() -> None:
    hourly = Schedule(Frequency.HOURLY, time(0, 15))
    day = occurrences(hourly, "Europe/Paris", utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))
    assert len(day) == 23  # a 23-hour day
    assert len({o.at for o in day}) == 23
    assert "03-29 02:15" not in local_times(day)


def test_monthly_schedules_name_the_first_and_the_last_weekday() -> None:
    first_tuesday = Schedule(Frequency.MONTHLY, time(10), frozenset({1}), nth=1)
    last_friday = Schedule(Frequency.MONTHLY, time(16), frozenset({4}), nth=LAST)
    year = (utc(2026, 1, 1), utc(2027, 1, 1))
    tuesdays = occurrences(first_tuesday, "Europe/Paris", *year)
    fridays = occurrences(last_friday, "Europe/Paris", *year)
    assert len(tuesdays) == len(fridays) == 12
    assert all(o.local.day <= 7 and o.local.weekday() == 1 for o in tuesdays)
    assert all((o.local + timedelta(days=7)).month != o.local.month for o in fridays)
    assert f"{fridays[0].local:%Y-%m-%d}" == "2026-01-30"


def test_the_next_occurrence_is_strictly_after_the_given_instant() -> None:
    monday = Schedule(Frequency.WEEKLY, time(9), frozenset({0}))
    nine = utc(2026, 3, 2, 8)  # Monday 09:00 in Paris exactly
    assert next_occurrence(monday, "Europe/Paris", nine).at == utc(2026, 3, 9, 8)
    assert next_occurrence(monday, "Europe/Paris", nine - timedelta(seconds=1)).at == nine


@pytest.mark.parametrize(
    "text",
    [
        "hourly :15",
        "daily 08:30",
        "weekly mon,thu 09:00",
        "monthly 1 tue 10:00",
        "monthly -1 fri 16:00",
    ],
)
def test_the_canonical_text_reads_back_to_the_same_schedule(text: str) -> None:
    assert Schedule.from_canonical(text).canonical() == text


@pytest.mark.parametrize("text", ["weekly 09:00", "daily 25:00", "monthly 5 tue 10:00", "cron"])
def test_anything_else_is_not_a_canonical_schedule(text: str) -> None:
    with pytest.raises(ValueError):
        Schedule.from_canonical(text)


zones = st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"])
schedules = st.one_of(
    st.builds(
        lambda h, m: Schedule(Frequency.DAILY, time(h, m)), st.integers(0, 23), st.integers(0, 59)
    ),
    st.builds(
        lambda days, h, m: Schedule(Frequency.WEEKLY, time(h, m), frozenset(days)),
        st.sets(st.integers(0, 6), min_size=1),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
    st.builds(lambda m: Schedule(Frequency.HOURLY, time(0, m)), st.integers(0, 59)),
)
instants = st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=150, deadline=None)
@given(schedules, zones, instants, st.integers(1, 24 * 40))
def test_windows_split_anywhere_give_the_same_occurrences_each_once(
    schedule: Schedule, zone: str, start: datetime, hours: int
) -> None:
    end = start + timedelta(hours=hours)
    middle = start + (end - start) / 3
    whole = occurrences(schedule, zone, start, end)
    split = occurrences(schedule, zone, start, middle) + occurrences(schedule, zone, middle, end)
    assert whole == split
    assert len({o.local for o in whole}) == len(whole)  # one per local wall time
    assert len({o.at for o in whole}) == len(whole)  # never two posts at one instant
    assert [o.at for o in whole] == sorted(o.at for o in whole)
    for o in whole:
        shown = o.at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        # the wall time shown when it fires is the scheduled one, or later by a skipped gap
        assert timedelta(0) <= shown - o.local <= timedelta(hours=1)
