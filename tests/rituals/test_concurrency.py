"""Several clocks and senders at once, and crashes: every occurrence is posted exactly once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.delivery import Delivery, DeliveryStatus, Target
from bot.messages import Message
from bot.model import Tenant
from rituals.sender import Sender
from tests.rituals.support import (
    Harness,
    RecordingMessenger,
    SimulatedCrash,
    paris,
    queue_monday_reminders,
)

MANAGERS = tuple(f"manager{n}" for n in range(12))


async def test_two_clocks_at_once_one_works_the_other_stays_idle(harness: Harness) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    first, second = harness.service("clock-1"), harness.service("clock-2")
    await first.run_due()

    harness.clock.set(paris(2026, 3, 9, 9, 0, 20))
    reports = await asyncio.gather(first.run_due(), second.run_due())

    assert sorted(report.active for report in reports) == [False, True]
    assert len(harness.messenger.posts) == 2
    working = [first, second][[r.active for r in reports].index(True)]
    harness.clock.advance(timedelta(seconds=15))  # a heartbeat later: the same one works
    again = await asyncio.gather(first.run_due(), second.run_due())
    assert [r.active for r in again] == [working is first, working is second]
    assert len(harness.messenger.posts) == 2


async def test_an_idle_clock_takes_over_once_the_lease_expires_and_never_doubles_a_post(
    harness: Harness,
) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    first, second = harness.service("clock-1"), harness.service("clock-2")
    assert (await first.run_due()).active
    assert not (await second.run_due()).active

    harness.clock.set(paris(2026, 3, 9, 9, 0, 5))  # clock-1 died at 08:00; its lease expired
    assert (await second.run_due()).active
    assert not (await first.run_due()).active  # back from the dead: idle, and nothing doubled
    assert len(harness.messenger.posts) == 2


async def test_two_planners_racing_without_the_lease_claim_each_occurrence_once(
    harness: Harness,
) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    first, second = harness.service("clock-1"), harness.service("clock-2")
    await first.planner.plan(harness.clock.now())

    for minute in (0, 1, 2):  # a few ticks, each planned by both at the same moment
        harness.clock.set(paris(2026, 3, 9, 9, minute, 10))
        await asyncio.gather(
            first.planner.plan(harness.clock.now()), second.planner.plan(harness.clock.now())
        )
    await asyncio.gather(first.sender.drain(), second.sender.drain())

    assert len(harness.messenger.posts) == 2
    assert [o.status for o in await harness.occurrences(1)] == ["queued"]


async def test_two_senders_racing_for_the_same_rows_send_each_message_once(
    harness: Harness,
) -> None:
    harness.config = replace(harness.config, batch_size=3)
    await queue_monday_reminders(harness, MANAGERS)
    senders = [
        Sender(
            harness.database.engine,
            {"console": harness.messenger},
            harness.clock,
            owner,
            harness.config,
        )
        for owner in ("sender-1", "sender-2")
    ]

    reports = await asyncio.gather(*(sender.drain() for sender in senders))

    assert len(harness.messenger.posts) == len(MANAGERS)
    assert sorted(p.target.id for p in harness.messenger.posts) == sorted(MANAGERS)
    assert sum(report.sent for report in reports) == len(MANAGERS)
    rows = await harness.outbox()
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}


async def test_a_crash_between_send_and_commit_is_reconciled_not_sent_again(
    harness: Harness,
) -> None:
    await queue_monday_reminders(harness, ("marie",))
    harness.messenger.crash_after_send = True
    with pytest.raises(SimulatedCrash):
        await harness.service("crashing").sender.drain()
    assert len(harness.messenger.posts) == 1
    harness.messenger.crash_after_send = False

    survivor = harness.service("survivor")
    assert (await survivor.sender.drain()).sent == 0  # the row is still leased: hands off
    harness.clock.advance(harness.config.send_lease + timedelta(seconds=1))
    report = await survivor.sender.drain()

    assert (report.reconciled, report.sent) == (1, 0)
    assert harness.messenger.lookups == 1
    assert len(harness.messenger.posts) == 1
    (row,) = await harness.outbox()
    assert (row.status, row.attempts) == ("sent", 2)


async def test_a_crash_before_the_platform_got_the_message_sends_it_once_after_the_lease(
    harness: Harness,
) -> None:
    await queue_monday_reminders(harness, ("marie",))
    harness.messenger.crash_before_send = True
    with pytest.raises(SimulatedCrash):
        await harness.service("crashing").sender.drain()
    harness.messenger.crash_before_send = False
    assert harness.messenger.posts == []

    harness.clock.advance(harness.config.send_lease + timedelta(seconds=1))
    report = await harness.service("survivor").sender.drain()

    assert (report.reconciled, report.sent) == (0, 1)
    assert len(harness.messenger.posts) == 1


class FlakyMessenger(RecordingMessenger):
    """Answers 429 (retry after 30 s) to the first attempt of every message."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery:
        if delivery_key not in self.refused:
            self.refused.add(delivery_key)
            return Delivery(DeliveryStatus.RETRY, retry_after=30, detail="429")
        return await super().send(tenant, target, message, delivery_key=delivery_key)


async def test_a_rate_limited_message_is_retried_after_the_delay_it_was_given(
    harness: Harness,
) -> None:
    harness.messenger = FlakyMessenger()
    harness.clock_a = harness.service("clock-a")
    await queue_monday_reminders(harness, ("marie", "karim"))

    assert (await harness.clock_a.sender.drain()).retried == 2
    harness.clock.advance(timedelta(seconds=29))
    assert (await harness.clock_a.sender.drain()).sent == 0
    harness.clock.advance(timedelta(seconds=2))
    assert (await harness.clock_a.sender.drain()).sent == 2
    assert len(harness.messenger.posts) == 2


async def test_a_permanent_failure_is_not_retried(harness: Harness) -> None:
    class Refusing(RecordingMessenger):
        async def send(
            self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
        ) -> Delivery:
            return Delivery(DeliveryStatus.FAILED, detail="channel_not_found")

    harness.messenger = Refusing()
    harness.clock_a = harness.service("clock-a")
    await queue_monday_reminders(harness, ("marie",))
    assert (await harness.clock_a.sender.drain()).failed == 1
    harness.clock.advance(timedelta(hours=2))
    assert (await harness.clock_a.sender.drain()).failed == 0
    assert [row.status for row in await harness.outbox()] == ["failed"]
