"""Quiet rituals' watermarks live in the clock's memory and are stored when they lag: an idle
clock does not rewrite every ritual at every heartbeat, and nothing is decided twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from rituals.idle_watermarks import WRITE_LAG
from rituals.transactions import transaction
from tests.rituals.support import Harness, paris

HEARTBEAT = timedelta(seconds=15)


async def stored(harness: Harness) -> dict[int, datetime]:
    """Each live ritual's stored watermark, by id."""
    async with transaction(harness.database.engine) as work:
        return {r.id: r.checked_until for r in await work.rituals.live_rituals()}


async def tick(harness: Harness, at: datetime) -> None:
    harness.clock.set(at)
    await harness.run()


async def company_at(harness: Harness, at: datetime) -> None:
    """The company and its default rituals, created at `at` (their stored watermark)."""
    harness.clock.set(at)
    await harness.company()
    await harness.run()


async def test_quiet_ticks_write_no_watermark_until_it_lags(harness: Harness) -> None:
    created = paris(2026, 3, 9, 7, 0)
    await company_at(harness, created)
    assert set((await stored(harness)).values()) == {created}

    moment = created
    while moment + HEARTBEAT - created <= WRITE_LAG:
        moment += HEARTBEAT
        await tick(harness, moment)
        assert set((await stored(harness)).values()) == {created}  # nothing written
    watermarks = harness.clock_a.planner.watermarks
    async with transaction(harness.database.engine) as work:
        records = await work.rituals.live_rituals()
    assert {watermarks.since(r) for r in records} == {moment}  # checked up to the last tick

    moment += HEARTBEAT  # now lagging by more than WRITE_LAG: written in one go
    await tick(harness, moment)
    assert set((await stored(harness)).values()) == {moment}
    assert harness.messenger.posts == []


async def test_a_busy_tick_leaves_lagging_watermarks_to_the_next_quiet_one(
    harness: Harness,
) -> None:
    await company_at(harness, paris(2026, 3, 9, 8, 0))

    busy = paris(2026, 3, 9, 9, 0, 5)  # the Monday cap reminder is due
    await tick(harness, busy)
    after_busy = await stored(harness)
    quiet = busy + HEARTBEAT
    await tick(harness, quiet)
    after_quiet = await stored(harness)

    assert len(harness.messenger.posts) == 2  # one reminder to each manager
    assert sorted(after_busy.values()).count(busy) == 1  # the planned ritual only
    assert sorted(after_busy.values()).count(paris(2026, 3, 9, 8, 0)) == 4
    assert sorted(after_quiet.values()) == [busy] + [quiet] * 4


async def test_a_new_clock_from_lagging_watermarks_decides_nothing_twice(
    harness: Harness,
) -> None:
    await company_at(harness, paris(2026, 3, 9, 8, 55))
    await tick(harness, paris(2026, 3, 9, 9, 0, 5))  # the reminder, planned and sent
    await tick(harness, paris(2026, 3, 9, 9, 3))  # quiet; nothing lags yet: nothing stored
    await harness.clock_a.stop()

    clock_b = harness.service("clock-b")  # a restart: no memory, the stored watermarks only
    harness.clock.set(paris(2026, 3, 9, 9, 3, 15))
    report = await clock_b.run_due()

    assert report.active
    assert (report.plan.queued, report.plan.missed, report.plan.skipped) == (0, 0, 0)
    assert len(harness.messenger.posts) == 2
    assert [o.status for o in await harness.occurrences(1)] == ["queued"]


async def test_a_time_zone_change_is_planned_from_what_the_clock_has_checked(
    harness: Harness,
) -> None:
    """At 08:04 Paris the company moves to Helsinki, where Monday 09:00 was four minutes ago,
    after the reminder's stored watermark: the clock plans from what it has checked (its
    last tick), as when every tick stored the watermark, so that moment is not posted late;
    the next Helsinki Monday is."""
    await company_at(harness, paris(2026, 3, 9, 7, 45))
    moment = paris(2026, 3, 9, 7, 45)
    while moment < paris(2026, 3, 9, 8, 4):
        moment += HEARTBEAT
        await tick(harness, moment)
    helsinki_nine = paris(2026, 3, 9, 8, 0)
    assert await stored_watermark(harness, 1) < helsinki_nine  # what a restart would use

    answer = await harness.say("claire", "boussole fuseau Europe/Helsinki")
    await tick(harness, moment + HEARTBEAT)
    assert "Europe/Helsinki" in answer
    assert harness.messenger.posts == []

    await tick(harness, paris(2026, 3, 16, 8, 0, 5))  # Monday 09:00 in Helsinki
    assert len(harness.messenger.posts) == 2


async def stored_watermark(harness: Harness, number: int) -> datetime:
    async with transaction(harness.database.engine) as work:
        (tenant_id,) = await work.rituals.tenant_ids()
        record = await work.rituals.get_ritual(tenant_id, number)
        assert record is not None
        return record.checked_until
