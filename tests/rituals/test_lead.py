"""Occurrences planned ahead (`RitualConfig.lead`): queued before their time, sent at it, and
planned again when the ritual changes in between."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from main.rituals_app import ritual_config
from main.settings import Settings
from rituals.config import RitualConfig
from rituals.planner import PlanReport
from rituals.scheduler import HEARTBEAT_JOB, NEXT_RUN_JOB, OUTBOX_JOB
from rituals.transactions import transaction
from storage.database import Database
from tests.rituals.support import (
    NINE,
    Harness,
    next_due,
    paris,
    plan_ahead,
    ring,
    running_scheduler,
)
from tests.support.clock import FakeClock

LEAD = timedelta(seconds=10)


@pytest.fixture
def harness(database: Database, clock: FakeClock) -> Harness:
    return Harness(database, clock, config=RitualConfig(lead=LEAD))


async def watermark(harness: Harness, number: int = 1) -> datetime:
    async with transaction(harness.database.engine) as work:
        (tenant_id,) = await work.rituals.tenant_ids()
        record = await work.rituals.get_ritual(tenant_id, number)
        assert record is not None
        return record.checked_until


async def test_an_occurrence_is_planned_ahead_and_sent_at_its_time(harness: Harness) -> None:
    await plan_ahead(harness)

    assert harness.messenger.posts == []
    assert [row.status for row in await harness.outbox()] == ["pending", "pending"]
    assert await next_due(harness) == NINE  # held until its time
    assert await watermark(harness) == NINE + timedelta(seconds=2)  # checked up to now + lead

    harness.clock.set(NINE - timedelta(seconds=1))
    report = await harness.run()
    assert (report.plan.queued, report.send.sent) == (0, 0)  # not planned twice, not sent early

    harness.clock.set(NINE)
    report = await harness.run()
    assert report.send.sent == 2
    reminders = harness.messenger.of_kind("ritual.cap_reminder")
    assert sorted(post.target.id for post in reminders) == ["karim", "marie"]
    [occurrence] = await harness.occurrences(1)
    assert (occurrence.status, occurrence.late, occurrence.scheduled_at) == ("queued", False, NINE)


async def test_a_ritual_changed_in_its_lead_is_planned_again_under_the_new_setting(
    harness: Harness,
) -> None:
    await plan_ahead(harness)

    harness.clock.set(NINE - timedelta(seconds=5))
    reply = await harness.say("claire", "rituel modifier 1 cible=direction")
    assert "annulé" not in reply  # nothing was lost: it is planned again
    assert await harness.outbox() == []
    assert await harness.occurrences(1) == []
    harness.clock.set(NINE - timedelta(seconds=4))
    await harness.run()  # planned again, to the new audience
    harness.clock.set(NINE)
    await harness.run()

    reminders = harness.messenger.of_kind("ritual.cap_reminder")
    assert [post.target.id for post in reminders] == ["claire"]
    assert [o.status for o in await harness.occurrences(1)] == ["queued"]
    assert [row.status for row in await harness.outbox()] == ["sent"]


@pytest.mark.parametrize(
    ("command", "status"),
    [("rituel pause 1", None), ("rituel sauter 1", "skipped"), ("rituel supprimer 1", None)],
)
async def test_a_pause_a_skip_or_a_deletion_in_the_lead_posts_nothing(
    harness: Harness, command: str, status: str | None
) -> None:
    await plan_ahead(harness)

    harness.clock.set(NINE - timedelta(seconds=5))
    reply = await harness.say("claire", command)
    assert "⚠️" not in reply, reply
    if "sauter" in command:  # the run planned ahead is the one skipped, not next week's
        assert "lundi 9 mars à 09:00 sera sauté" in reply, reply
    harness.clock.set(NINE + timedelta(seconds=1))
    await harness.run()

    assert harness.messenger.posts == []
    assert await harness.outbox() == []
    if "supprimer" not in command:
        occurrences = await harness.occurrences(1)
        assert [o.status for o in occurrences] == ([status] if status else [])


async def test_a_channel_change_in_the_lead_plans_the_channel_rituals_again(
    harness: Harness,
) -> None:
    harness.clock.set(paris(2026, 3, 6, 8, 0))  # Friday: the quick wins post at 16:00
    await harness.company()
    await harness.say("claire", "rituel canal #general")
    await harness.run()
    friday_four = paris(2026, 3, 6, 16, 0)
    harness.clock.set(friday_four - timedelta(seconds=8))
    assert (await harness.run()).plan.queued == 1

    harness.clock.set(friday_four - timedelta(seconds=5))
    await harness.say("claire", "rituel canal #pilotage")
    harness.clock.set(friday_four)
    await harness.run()
    harness.clock.set(friday_four + timedelta(seconds=1))
    await harness.run()

    posted = [post.target.id for post in harness.messenger.posts]
    assert posted == ["pilotage"]


async def test_the_clock_wakes_a_lead_before_the_soonest_occurrence(harness: Harness) -> None:
    harness.clock.set(paris(2099, 3, 2, 7, 0))  # 2 March 2099 is a Monday, like 2026's
    await harness.company()
    async with running_scheduler(harness) as scheduler:
        assert min(scheduler.planned.values()) == paris(2099, 3, 2, 9, 0)
        assert scheduler.job_times()[NEXT_RUN_JOB] == paris(2099, 3, 2, 9, 0) - LEAD


async def test_a_ritual_moved_into_a_lead_already_checked_is_planned(harness: Harness) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    await harness.say("claire", "rituel modifier 1 mardi 9h")
    harness.clock.set(NINE - timedelta(seconds=5))
    assert (await harness.run()).plan.queued == 0  # quiet: checked up to 09:00:05, in memory

    harness.clock.set(NINE - timedelta(seconds=3))
    await harness.say("claire", "rituel modifier 1 lundi 9h")  # back into what was checked
    harness.clock.set(NINE - timedelta(seconds=2))
    assert (await harness.run()).plan.queued == 1
    harness.clock.set(NINE)
    await harness.run()

    assert len(harness.messenger.of_kind("ritual.cap_reminder")) == 2


async def test_the_outbox_wake_up_at_the_occurrence_sends_without_planning_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    nine = paris(2099, 3, 2, 9, 0)  # a Monday in the future: APScheduler keeps the jobs pending
    harness.clock.set(nine - timedelta(hours=2))
    await harness.company()
    plans: list[datetime] = []
    planner = harness.clock_a.planner
    plan = planner.plan

    async def counted(now: datetime, **kwargs: Any) -> PlanReport:
        plans.append(now)
        return await plan(now, **kwargs)

    monkeypatch.setattr(planner, "plan", counted)
    async with running_scheduler(harness) as scheduler:
        harness.clock.set(nine - LEAD)  # the next-run job's time: planned ahead
        await ring(scheduler, NEXT_RUN_JOB)
        assert harness.messenger.posts == [] and len(plans) == 2
        assert scheduler.job_times()[OUTBOX_JOB] == nine  # woken when the messages are due
        next_run = scheduler.job_times()[NEXT_RUN_JOB]

        harness.clock.set(nine)
        await ring(scheduler, OUTBOX_JOB)
        assert len(harness.messenger.of_kind("ritual.cap_reminder")) == 2
        assert len(plans) == 2  # sent without reading every ritual again
        assert scheduler.job_times()[NEXT_RUN_JOB] == next_run

        await ring(scheduler, HEARTBEAT_JOB)
        assert len(plans) == 3  # the heartbeat still plans


async def test_a_run_claims_what_is_due_before_it_plans(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 09:00 the messages planned ahead are claimed first: on SQLite the planner's reads of
    every ritual would otherwise hold the one connection while they wait."""
    await plan_ahead(harness)
    calls: list[str] = []
    service = harness.clock_a
    claim, plan = service.sender.claim, service.planner.plan

    async def claiming(*args: Any, **kwargs: Any) -> Any:
        calls.append("claim")
        return await claim(*args, **kwargs)

    async def planning(*args: Any, **kwargs: Any) -> Any:
        calls.append("plan")
        return await plan(*args, **kwargs)

    monkeypatch.setattr(service.sender, "claim", claiming)
    monkeypatch.setattr(service.planner, "plan", planning)
    harness.clock.set(NINE)
    report = await harness.run()

    assert report.send.sent == 2
    assert calls[:2] == ["claim", "plan"]


def test_the_server_plans_ten_seconds_ahead_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RITUAL_LEAD_SECONDS", raising=False)
    assert ritual_config(Settings()).lead == LEAD
    monkeypatch.setenv("RITUAL_LEAD_SECONDS", "0")
    assert ritual_config(Settings()).lead == timedelta(0)
    assert RitualConfig().lead == timedelta(0)  # the layer's own default: plan at the time
