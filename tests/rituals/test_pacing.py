"""The sender's per-workspace pace, on a manual monotonic clock: sends spaced by the declared
interval, a 429 puts the workspace's rows back at Retry-After without a wait, the clock is woken
then, and the planner's bulk watermark leaves a ritual changed meanwhile alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.delivery import Delivery, DeliveryStatus, Target
from bot.messages import Message
from bot.model import Tenant
from rituals.pacing import MAX_INTERVAL, Pacer, declared_interval
from rituals.scheduler import OUTBOX_JOB, RitualScheduler
from rituals.sender import HOLD_AHEAD
from rituals.transactions import transaction
from tests.rituals.support import (
    HalfSecondMessenger,
    Harness,
    ManualTime,
    PacedMessenger,
    RecordingMessenger,
    paced_sender,
    paris,
    queue_monday_reminders,
)

MANAGERS = ("marie", "karim", "lea", "hugo")


def test_a_messenger_declares_its_interval_or_is_not_paced() -> None:
    assert declared_interval(PacedMessenger(ManualTime())) == 1.0
    assert declared_interval(RecordingMessenger()) == 0.0


def test_a_refusal_widens_the_spacing_and_accepted_sends_bring_it_back() -> None:
    time = ManualTime()
    pacer = Pacer(now=time.monotonic, sleep=time.sleep)
    pacer.accepted("w", 1.0)
    assert (pacer.ready_at("w"), pacer.interval("w", 1.0)) == (1.0, 1.0)

    pacer.refused("w", 1.0, retry_after=7.0)
    assert (pacer.ready_at("w"), pacer.interval("w", 1.0)) == (7.0, 1.5)
    time.now = 7.0
    pacer.accepted("w", 1.0)
    assert pacer.interval("w", 1.0) == 1.35
    for _ in range(10):
        pacer.accepted("w", 1.0)
    assert pacer.interval("w", 1.0) == 1.0  # back to the declared pace, never below it

    for _ in range(20):
        pacer.refused("w", 1.0, retry_after=None)
    assert pacer.interval("w", 1.0) == MAX_INTERVAL
    pacer.refused("unpaced", 0.0, retry_after=30.0)
    assert pacer.ready_at("unpaced") == float("-inf")  # a platform without a pace is not held


async def test_a_workspace_s_messages_leave_one_interval_apart(harness: Harness) -> None:
    time = ManualTime()
    messenger = PacedMessenger(time)
    await queue_monday_reminders(harness, MANAGERS)

    report = await paced_sender(harness, messenger, time).drain()

    assert report.sent == len(MANAGERS)
    assert messenger.sent_at == [0.0, 1.0, 2.0, 3.0]  # on the manual clock: no real wait
    assert sorted(post.target.id for post in messenger.posts) == sorted(MANAGERS)
    rows = await harness.outbox()
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    assert HOLD_AHEAD / PacedMessenger.send_interval < len(MANAGERS)  # claimed as it went


async def test_the_spacing_runs_from_the_answer_not_from_the_outcome_s_recording(
    harness: Harness,
) -> None:
    """Recording an outcome waits for the database (behind other writers, or for the drain's
    batch): that wait must not widen the platform's spacing."""
    time = ManualTime()
    messenger = PacedMessenger(time)
    await queue_monday_reminders(harness, MANAGERS)
    sender = paced_sender(harness, messenger, time)
    record = sender.finish

    async def slow_finish(*args: Any, **kwargs: Any) -> None:
        time.now += 0.3  # the outcome's transaction takes 0.3 s
        await record(*args, **kwargs)

    sender.finish = slow_finish  # type: ignore[method-assign]

    report = await sender.drain()

    assert report.sent == len(MANAGERS)
    assert messenger.sent_at == [0.0, 1.0, 2.0, 3.0]  # not 0, 1.3, 2.6, 3.9


async def test_a_429_puts_the_workspace_s_rows_back_at_retry_after_without_waiting(
    harness: Harness,
) -> None:
    time = ManualTime()
    messenger = HalfSecondMessenger(time, refuse_first_for=30.0)
    await queue_monday_reminders(harness, MANAGERS)
    sender = paced_sender(harness, messenger, time)

    first = await sender.drain()

    # One attempt met the 429; the row held with it went back untried, and the workspace's
    # rows not claimed yet wait for the Retry-After too.
    assert HOLD_AHEAD / HalfSecondMessenger.send_interval == 2  # two rows held at a time
    assert (first.sent, first.retried) == (0, 2)
    assert len(messenger.attempts) == 1
    assert time.now < 30.0  # nobody slept through the Retry-After
    assert await sender.next_due() == harness.clock.now() + timedelta(seconds=30)

    harness.clock.advance(timedelta(seconds=29))  # both clocks move, as real time does
    time.now += 29
    assert (await sender.drain()).sent == 0
    harness.clock.advance(timedelta(seconds=1))
    time.now += 1
    second = await sender.drain()

    assert second.sent == len(MANAGERS)
    assert sorted(post.target.id for post in messenger.posts) == sorted(MANAGERS)
    assert messenger.sent_at == sorted(messenger.sent_at)
    gaps = [b - a for a, b in zip(messenger.sent_at, messenger.sent_at[1:], strict=False)]
    assert all(gap >= 0.5 for gap in gaps)  # the learned pace is at least the declared one
    assert await sender.next_due() is None


async def test_an_unpaced_platform_s_429_only_puts_its_own_row_back(harness: Harness) -> None:
    class RefusesFirst(RecordingMessenger):
        refused = False

        async def send(
            self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
        ) -> Delivery:
            if not self.refused:
                self.refused = True
                return Delivery(DeliveryStatus.RETRY, retry_after=30, detail="429")
            return await super().send(tenant, target, message, delivery_key=delivery_key)

    harness.messenger = RefusesFirst()
    harness.clock_a = harness.service("clock-a")
    await queue_monday_reminders(harness, MANAGERS)

    report = await harness.clock_a.sender.drain()

    assert (report.sent, report.retried) == (len(MANAGERS) - 1, 1)


async def test_the_clock_is_woken_when_a_message_put_back_is_due(harness: Harness) -> None:
    future = 2099  # APScheduler keeps a date job in the future pending (see test_scheduler)
    harness.clock.set(paris(future, 3, 2, 8, 0))
    await harness.company(("marie",))
    await harness.clock_a.run_due()
    harness.messenger = PacedMessenger(ManualTime(), refuse_first_for=30.0)
    service = harness.service("clock-b")
    wall = paris(future, 6, 1, 12, 0)  # APScheduler's time: the delay is what counts
    scheduler = RitualScheduler(service, timedelta(hours=1), poke_again=0, wall=lambda: wall)
    harness.clock.set(paris(future, 3, 2, 9, 0, 10))
    await harness.clock_a.stop()
    await scheduler.start()
    try:
        await scheduler.settled()
        assert scheduler.job_times()[OUTBOX_JOB] == wall + timedelta(seconds=30)
    finally:
        await scheduler.stop()


async def test_a_ritual_changed_after_it_was_read_keeps_its_watermark(harness: Harness) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    await harness.clock_a.planner.plan(harness.clock.now())  # the default rituals
    async with transaction(harness.database.engine) as work:
        (tenant_id,) = await work.rituals.tenant_ids()
        read = await work.rituals.list_rituals(tenant_id)
    assert len(read) == 5
    later = harness.clock.advance(timedelta(minutes=1))
    async with transaction(harness.database.engine) as work:
        await work.rituals.update_ritual(tenant_id, read[0].id, later, enabled=False)
    until = later + timedelta(minutes=5)

    async with transaction(harness.database.engine) as work:
        await work.rituals.advance_watermarks(read, until)
    async with transaction(harness.database.engine) as work:
        after = {r.id: r.checked_until for r in await work.rituals.list_rituals(tenant_id)}

    assert after[read[0].id] == read[0].checked_until  # changed meanwhile: left alone
    assert {after[r.id] for r in read[1:]} == {until}
