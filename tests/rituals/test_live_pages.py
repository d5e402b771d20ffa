"""The clock reads the live rituals a page at a time: every one exactly once, whatever the page."""

from __future__ import annotations

import pytest

from rituals import planner as planner_module
from rituals.live import live_pages
from rituals.transactions import transaction
from tests.rituals.support import Harness, paris
from tests.rituals.test_group_reads import companies


@pytest.mark.parametrize("page", [1, 2, 7, 500])
async def test_pages_hold_every_live_ritual_once_with_its_tenant(
    harness: Harness, page: int
) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await companies(harness, ["alpha", "beta", "gamma"])
    await harness.run()  # the default rituals
    await harness.say("claire", "rituel supprimer 2")  # the console tenant's: a deleted one
    async with transaction(harness.database.engine) as work:
        expected = await work.rituals.live_rituals()
    pages = [
        (records, tenants) async for records, tenants in live_pages(harness.database.engine, page)
    ]
    assert [record for records, _ in pages for record in records] == expected
    assert all(len(records) <= page for records, _ in pages)
    for records, tenants in pages:
        assert {record.tenant_id for record in records} == set(tenants)
    assert len(expected) == 4 * 5 - 1


async def test_planning_page_by_page_plans_every_due_ritual(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planner_module, "live_pages", lambda engine: live_pages(engine, 3))
    harness.clock.set(paris(2026, 3, 2, 8, 0))  # a first Monday: cap reminder and KPI review
    await companies(harness, ["alpha", "beta", "gamma", "delta"])
    await harness.run()
    harness.clock.set(paris(2026, 3, 2, 9, 0, 30))
    report = await harness.clock_a.planner.plan(harness.clock.now())
    assert report.queued == 4 * 2
    async with transaction(harness.database.engine) as work:
        stored = await work.rituals.live_rituals()
    planned = [r for r in stored if r.checked_until == harness.clock.now()]
    assert len(planned) == 4 * 2  # the due ones, stored; the quiet ones checked, in memory:
    watermarks = harness.clock_a.planner.watermarks
    assert all(watermarks.since(r) == harness.clock.now() for r in stored)
