"""Pure schedule arithmetic: which local wall times a schedule names, and their UTC instants (DST-correct)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LAST = -1
"""`nth` of a monthly schedule on the last such weekday of the month."""


class Frequency(StrEnum):
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a ritual runs, in local wall time.

    HOURLY: every hour at `at.minute`. DAILY: every day at `at`. WEEKLY: on each of `weekdays`
    (0 = Monday) at `at`. MONTHLY: on the `nth` (1..4, or LAST) `weekdays` of the month at `at`.
    """

    frequency: Frequency
    at: time
    weekdays: frozenset[int] = frozenset()
    nth: int = 0

    def __post_init__(self) -> None:
        if self.at.second or self.at.microsecond or self.at.tzinfo is not None:
            raise ValueError("a schedule time is a naive hour and minute")
        if any(day not in range(7) for day in self.weekdays):
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday): {sorted(self.weekdays)}")
        if self.frequency is Frequency.WEEKLY and not self.weekdays:
            raise ValueError("a weekly schedule needs at least one weekday")
        if self.frequency is Frequency.MONTHLY and (
            len(self.weekdays) != 1 or self.nth not in (1, 2, 3, 4, LAST)
        ):
            raise ValueError("a monthly schedule needs one weekday and nth in 1..4 or -1")
        if self.frequency in (Frequency.HOURLY, Frequency.DAILY) and (self.weekdays or self.nth):
            raise ValueError(f"a {self.frequency} schedule has no weekdays")

    # ------------------------------------------------------------------ canonical text

    def canonical(self) -> str:
        """The stored form: "hourly :15", "daily 08:30", "weekly mon,thu 09:00", "monthly 1 tue 10:00"."""
        clock = f"{self.at:%H:%M}"
        days = ",".join(WEEKDAY_CODES[day] for day in sorted(self.weekdays))
        match self.frequency:
            case Frequency.HOURLY:
                return f"hourly :{self.at:%M}"
            case Frequency.DAILY:
                return f"daily {clock}"
            case Frequency.WEEKLY:
                return f"weekly {days} {clock}"
            case Frequency.MONTHLY:
                return f"monthly {self.nth} {days} {clock}"

    @classmethod
    def from_canonical(cls, text: str) -> Schedule:
        """Read back what `canonical` wrote; ValueError on anything else."""
        match = _CANONICAL.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not a canonical schedule: {text!r}")
        if match["minute_only"] is not None:
            return cls(Frequency.HOURLY, time(0, int(match["minute_only"])))
        frequency = Frequency(match["frequency"])
        at = time(int(match["hour"]), int(match["minute"]))
        days = frozenset(
            WEEKDAY_CODES.index(code) for code in (match["days"] or "").split(",") if code
        )
        nth = int(match["nth"]) if match["nth"] else 0
        return cls(frequency, at, days, nth)

    # ------------------------------------------------------------------ calendar

    def runs_on(self, day: date) -> bool:
        match self.frequency:
            case Frequency.HOURLY | Frequency.DAILY:
                return True
            case Frequency.WEEKLY:
                return day.weekday() in self.weekdays
            case Frequency.MONTHLY:
                if day.weekday() not in self.weekdays:
                    return False
                if self.nth == LAST:
                    return (day + timedelta(days=7)).month != day.month
                return (day.day - 1) // 7 + 1 == self.nth

    def local_times(self, day: date) -> list[datetime]:
        """The naive local wall times this schedule names on `day`, in order."""
        if not self.runs_on(day):
            return []
        if self.frequency is Frequency.HOURLY:
            return [datetime.combine(day, time(hour, self.at.minute)) for hour in range(24)]
        return [datetime.combine(day, self.at)]


_DAYS = r"(?:mon|tue|wed|thu|fri|sat|sun)"
_CANONICAL = re.compile(
    r"hourly :(?P<minute_only>[0-5]\d)"
    r"|(?P<frequency>daily|weekly|monthly)"
    r"(?: (?P<nth>-1|[1-4]))?"
    rf"(?: (?P<days>{_DAYS}(?:,{_DAYS})*))?"
    r" (?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)"
)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One run: its local wall time (the claim key, naive) and the UTC instant it fires."""

    local: datetime
    at: datetime


def exists(local: datetime, zone: ZoneInfo) -> bool:
    """False for wall times skipped by a spring-forward change (e.g. 02:30 on that night)."""
    aware = local.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local


def instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time.

    A time repeated by a fall-back change fires at its first instance; a time skipped by a
    spring-forward change fires as if the clock had not changed yet (02:30 becomes 03:30).
    """
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def occurrences(
    schedule: Schedule, timezone: str, after: datetime, until: datetime
) -> list[Occurrence]:
    """Every occurrence firing in (after, until], in time order; one per local wall time.

    Hourly schedules leave out the wall times a spring-forward change skips (they would fire
    together with the next hour's); other schedules fire once on every day they name.
    """
    if after.tzinfo is None or until.tzinfo is None:
        raise ValueError("occurrences need aware datetimes")
    if until <= after:
        return []
    zone = ZoneInfo(timezone)
    found: list[Occurrence] = []
    for day in _days(after.astimezone(zone).date(), until.astimezone(zone).date()):
        for local in schedule.local_times(day):
            if schedule.frequency is Frequency.HOURLY and not exists(local, zone):
                continue
            at = instant(local, zone)
            if after < at <= until:
                found.append(Occurrence(local, at))
    return sorted(found, key=lambda occurrence: (occurrence.at, occurrence.local))


def next_occurrence(schedule: Schedule, timezone: str, after: datetime) -> Occurrence:
    """The first occurrence strictly after `after`, looked for in windows that follow each
    other (two days, a week, a month, a year): a weekly schedule is found within the first
    nine days, without computing forty."""
    start = after
    for horizon in (timedelta(days=2), timedelta(days=9), timedelta(days=40), timedelta(days=400)):
        end = after + horizon
        upcoming = occurrences(schedule, timezone, start, end)
        if upcoming:
            return upcoming[0]
        start = end
    raise ValueError(f"{schedule.canonical()} never runs")  # pragma: no cover - always runs


def _days(first: date, last: date) -> Iterator[date]:
    """Local dates from the day before `first` to the day after `last`: a wall time of one date
    can fall on the neighbouring date in UTC terms."""
    day = first - timedelta(days=1)
    while day <= last + timedelta(days=1):
        yield day
        day += timedelta(days=1)
