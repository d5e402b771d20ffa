"""Daylight-saving changes and public holidays, end to end on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.rituals.support import Harness, paris

STEP = timedelta(minutes=15)


@pytest.mark.parametrize(
    ("zone", "wall_time", "day", "fired_utc"),
    [
        # spring forward: 02:30 does not exist that night; it is posted once, at 03:30
        ("Europe/Paris", "02:30", datetime(2026, 3, 29), datetime(2026, 3, 29, 1, 30)),
        ("America/New_York", "02:30", datetime(2026, 3, 8), datetime(2026, 3, 8, 7, 30)),
        # fall back: the wall time happens twice; it is posted once, the first time
        ("Europe/Paris", "02:30", datetime(2026, 10, 25), datetime(2026, 10, 25, 0, 30)),
        ("America/New_York", "01:30", datetime(2026, 11, 1), datetime(2026, 11, 1, 5, 30)),
    ],
    ids=["paris-spring", "new-york-spring", "paris-fall", "new-york-fall"],
)
async def test_daylight_saving_changes_give_exactly_one_post_per_day(
    harness: Harness, zone: str, wall_time: str, day: datetime, fired_utc: datetime
) -> None:
    local = ZoneInfo(zone)
    harness.clock.set((day - timedelta(hours=2)).replace(tzinfo=local))  # the day before, 22:00
    await harness.company(("marie",))
    await harness.only(f"cap chaque jour {wall_time} fuseau={zone} fériés=non")

    await harness.run_until((day + timedelta(hours=28)).replace(tzinfo=local), STEP)

    posts = harness.messenger.of_kind("ritual.cap_reminder")
    assert len(posts) == 2  # the change's day, and the next day
    occurrences = await harness.occurrences(6)
    assert [f"{o.scheduled_local:%d %H:%M}" for o in occurrences] == [
        f"{day:%d} {wall_time}",
        f"{day + timedelta(days=1):%d} {wall_time}",
    ]
    assert occurrences[0].scheduled_at == fired_utc.replace(tzinfo=UTC)
    assert not any(o.late for o in occurrences)


async def test_a_restart_across_the_spring_forward_night_still_posts_once(harness: Harness) -> None:
    harness.clock.set(paris(2026, 3, 29, 1, 0))
    await harness.company(("marie",))
    await harness.only("cap chaque jour 02:30 fériés=non")
    await harness.run()

    harness.clock.set(paris(2026, 3, 29, 4, 0))  # down from 01:00 to 04:00 (summer time)
    await harness.run()
    harness.clock.set(paris(2026, 3, 29, 4, 30))
    await harness.run()

    assert len(harness.messenger.posts) == 1


@pytest.mark.parametrize(
    ("holidays", "expected_posts", "statuses"),
    [("oui", 1, ["skipped", "queued"]), ("non", 2, ["queued", "queued"])],
)
async def test_easter_monday_in_france_is_skipped_unless_told_otherwise(
    harness: Harness, holidays: str, expected_posts: int, statuses: list[str]
) -> None:
    # Easter Monday 2027 is 29 March (Easter is 28 March); 5 April 2027 is an ordinary Monday.
    harness.clock.set(paris(2027, 3, 28, 12, 0))
    await harness.company(("marie",))
    answer = await harness.say("claire", f"rituel modifier 1 fériés={holidays}")
    assert "⚠️" not in answer

    harness.clock.set(paris(2027, 3, 29, 9, 1))
    await harness.run()
    harness.clock.set(paris(2027, 4, 5, 9, 1))
    await harness.run()

    assert len(harness.messenger.of_kind("ritual.cap_reminder")) == expected_posts
    occurrences = await harness.occurrences(1)
    assert [o.status for o in occurrences] == statuses
    assert [f"{o.scheduled_local:%m-%d}" for o in occurrences] == ["03-29", "04-05"]
    if holidays == "oui":
        assert occurrences[0].reason == "holiday: Lundi de Pâques"


async def test_holidays_follow_the_time_zones_country_or_the_one_given(harness: Harness) -> None:
    harness.clock.set(paris(2026, 11, 25, 12, 0))
    await harness.company(("marie",))
    await harness.only("cap jeudi 9h fuseau=America/New_York")  # Thanksgiving: 26 Nov 2026
    await harness.say("claire", "rituel ajouter cap jeudi 9h fuseau=America/New_York fériés=FR")

    harness.clock.set(datetime(2026, 11, 26, 9, 5, tzinfo=ZoneInfo("America/New_York")))
    await harness.run()

    assert len(harness.messenger.posts) == 1  # the US-holiday ritual skipped, the French one not
    assert [o.reason for o in await harness.occurrences(6)] == ["holiday: Thanksgiving Day"]
    assert [o.status for o in await harness.occurrences(7)] == ["queued"]
