"""A restart over a due occurrence: posted once, marked late, within the grace period; recorded
missed (and reported in the next KPI summary) beyond it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.summaries import kpi_summary
from rituals.transactions import transaction
from tests.rituals.support import Harness, paris


async def test_restart_inside_the_grace_period_posts_the_occurrence_once_marked_late(
    harness: Harness,
) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))  # Monday 9 March, 08:00 in Paris
    await harness.company()
    await harness.run()  # the clock sees the tenant, makes its defaults, then "crashes"
    assert harness.messenger.posts == []

    harness.clock.set(paris(2026, 3, 9, 9, 40))  # restarted 40 minutes after the 09:00 reminder
    restarted = harness.service("clock-after-restart")
    await restarted.run_due()
    await restarted.run_due()  # a second tick, and a third, post nothing more
    harness.clock.advance(timedelta(minutes=5))
    await restarted.run_due()

    reminders = harness.messenger.of_kind("ritual.cap_reminder")
    assert len(harness.messenger.posts) == 2
    assert sorted(post.target.id for post in reminders) == ["karim", "marie"]
    assert all(
        "⏰ Publié en retard : prévu lundi 9 mars à 09:00." in p.message.text for p in reminders
    )
    (occurrence,) = await harness.occurrences(1)
    assert (occurrence.status, occurrence.late) == ("queued", True)


async def test_restart_beyond_the_grace_period_records_a_missed_occurrence_reported_by_kpi(
    harness: Harness,
) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    await harness.run()

    harness.clock.set(paris(2026, 3, 9, 10, 1))  # 61 minutes late: beyond the default hour
    restarted = harness.service("clock-after-restart")
    await restarted.run_due()

    assert harness.messenger.posts == []
    (occurrence,) = await harness.occurrences(1)
    assert (occurrence.status, occurrence.reason) == ("missed", "beyond grace period")

    # The next KPI summary says so: the KPI review run now (ritual #5) and the core's summary.
    answer = await harness.say("claire", "rituel maintenant 5")
    assert "1 message(s) en route" in answer
    await restarted.run_due()
    (review,) = harness.messenger.posts
    assert review.target.id == "claire"
    assert "⚠️ Rituels manqués : rappel du cap 09/03/2026" in review.message.text
    async with transaction(harness.database.engine) as work:
        tenant = await work.core.get_tenant((await work.rituals.tenant_ids())[0])
        assert tenant is not None
        summary = await kpi_summary(work.core, tenant, harness.clock.now())
        assert await work.rituals.missed_occurrences(tenant.id, paris(2026, 3, 1, 0)) == [
            ("rappel du cap", paris(2026, 3, 9, 9, 0))
        ]
    assert "Rituels manqués : rappel du cap 09/03/2026" in summary.text


async def test_the_grace_period_is_configurable(harness: Harness) -> None:
    harness.config = replace(harness.config, grace=timedelta(minutes=10))
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    await harness.service("first").run_due()

    harness.clock.set(paris(2026, 3, 9, 9, 11))
    await harness.service("second").run_due()

    assert harness.messenger.posts == []
    assert [o.status for o in await harness.occurrences(1)] == ["missed"]


async def test_a_long_outage_records_every_missed_occurrence_and_then_runs_normally(
    harness: Harness,
) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    await harness.run()

    harness.clock.set(paris(2026, 3, 30, 8, 0))  # three weeks down: three Monday reminders
    await harness.run()
    assert harness.messenger.posts == []
    assert [o.status for o in await harness.occurrences(1)] == ["missed"] * 3

    harness.clock.set(paris(2026, 3, 30, 9, 0))
    await harness.run()
    assert len(harness.messenger.of_kind("ritual.cap_reminder")) == 2
    assert all("retard" not in post.message.text for post in harness.messenger.posts)
