"""APScheduler only wakes the service: its jobs are rebuilt from our tables at start and on change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rituals.scheduler import HEARTBEAT_JOB, NEXT_RUN_JOB, RitualScheduler
from rituals.transactions import transaction
from tests.rituals.support import Harness, paris

FUTURE = 2099
"""March 2099 starts like March 2026 (Monday the 2nd), and APScheduler keeps date jobs in the
future pending (it runs past ones at once): the jobs can be read back."""


async def ritual_ids(harness: Harness) -> dict[int, int]:
    """Ritual number → id."""
    async with transaction(harness.database.engine) as work:
        (tenant_id,) = await work.rituals.tenant_ids()
        return {r.number: r.id for r in await work.rituals.list_rituals(tenant_id)}


async def test_jobs_follow_the_rituals_at_start_and_on_every_change(harness: Harness) -> None:
    harness.clock.set(paris(FUTURE, 3, 2, 7, 0))  # Monday 2 March, 07:00 in Paris
    await harness.company()
    scheduler = RitualScheduler(
        harness.clock_a, timedelta(hours=1), poke_again=0, wall=harness.clock.now
    )
    harness.command.on_change = scheduler.poke
    await scheduler.start()
    try:
        await scheduler.settled()
        ids = await ritual_ids(harness)
        planned = scheduler.planned
        assert {name: planned[ids[name]] for name in ids} == {
            1: paris(FUTURE, 3, 2, 9, 0),  # cap reminder, Monday 09:00
            2: paris(FUTURE, 3, 5, 10, 0),  # nudge, Thursday 10:00
            3: paris(FUTURE, 3, 6, 16, 0),  # quick wins, Friday 16:00
            4: paris(FUTURE, 3, 3, 10, 0),  # retex, first Tuesday 10:00
            5: paris(FUTURE, 3, 2, 9, 0),  # KPI review, first Monday 09:00
        }
        jobs = scheduler.job_times()
        assert set(jobs) == {HEARTBEAT_JOB, NEXT_RUN_JOB}  # one date job, not one per ritual
        assert jobs[NEXT_RUN_JOB] == paris(FUTURE, 3, 2, 9, 0)  # at the soonest of them

        await harness.say("claire", "rituel modifier 1 mardi 8h")
        await harness.say("claire", "rituel modifier 5 premier lundi 11h")
        await harness.say("claire", "rituel pause 2")
        await scheduler.settled()

        assert scheduler.planned[ids[1]] == paris(FUTURE, 3, 3, 8, 0)
        assert ids[2] not in scheduler.planned
        assert scheduler.job_times()[NEXT_RUN_JOB] == paris(FUTURE, 3, 2, 11, 0)

        for number in (1, 3, 4, 5):
            await harness.say("claire", f"rituel pause {number}")
        await scheduler.settled()
        assert scheduler.planned == {}
        assert list(scheduler.job_times()) == [HEARTBEAT_JOB]  # nothing to wake up for
    finally:
        await scheduler.stop()
    assert harness.messenger.posts == []


async def test_a_second_clock_keeps_no_ritual_job(harness: Harness) -> None:
    harness.clock.set(paris(FUTURE, 3, 2, 7, 0))
    await harness.company()
    first = RitualScheduler(harness.service("clock-1"), timedelta(hours=1), poke_again=0)
    second = RitualScheduler(harness.service("clock-2"), timedelta(hours=1), poke_again=0)
    await first.start()
    await first.settled()
    await second.start()
    try:
        await second.settled()
        assert sorted(first.job_times()) == sorted([HEARTBEAT_JOB, NEXT_RUN_JOB])
        assert list(second.job_times()) == [HEARTBEAT_JOB]
    finally:
        await second.stop()
        await first.stop()

    # A clean stop hands the lease over at once: a third clock works without waiting.
    assert (await harness.service("clock-3").run_due()).active


async def test_the_next_run_job_is_set_on_the_wall_clock(harness: Harness) -> None:
    """The service's clock here reads March 2026 while APScheduler's reads 2031: the job rings
    as long from the wall's now as the ritual is from the service's now, not at once (which,
    re-armed after each run, would run the clock in a loop)."""
    wall = datetime(2031, 1, 6, 12, 0, tzinfo=UTC)
    harness.clock.set(paris(2026, 3, 2, 7, 0))  # Monday 07:00: the cap reminder in 2 hours
    await harness.company()
    scheduler = RitualScheduler(
        harness.clock_a, timedelta(hours=1), poke_again=0, wall=lambda: wall
    )
    await scheduler.start()
    try:
        await scheduler.settled()
        assert scheduler.job_times()[NEXT_RUN_JOB] == wall + timedelta(hours=2)
        harness.clock.set(paris(2026, 3, 2, 9, 0, 30))
        scheduler.poke()
        await scheduler.settled()
        # planned and sent; next: the retex, first Tuesday 10:00, 24 h 59 min 30 s later
        assert len(harness.messenger.posts) == 2 + 1  # cap to both managers, KPI to Claire
        later = timedelta(hours=24, minutes=59, seconds=30)
        assert scheduler.job_times()[NEXT_RUN_JOB] == wall + later
    finally:
        await scheduler.stop()
