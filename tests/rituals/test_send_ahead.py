"""Messages claimed ahead of their time (`RitualConfig.send_ahead`): held by the sender and sent
at their time, never before it; beyond the window they stay in the outbox, and the outbox
wake-up rings that much before the first of them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from main.rituals_app import SEND_AHEAD, ritual_config
from main.settings import Settings
from rituals.config import RitualConfig
from rituals.scheduler import NEXT_RUN_JOB, OUTBOX_JOB
from rituals.transactions import transaction
from storage.database import Database
from tests.rituals.support import (
    NINE,
    Harness,
    ManualTime,
    PacedMessenger,
    next_due,
    paced_sender,
    paris,
    plan_ahead,
    ring,
    running_scheduler,
)
from tests.support.clock import FakeClock

LEAD = timedelta(seconds=10)
AHEAD = timedelta(seconds=1)
LEASE = timedelta(minutes=2)


class UnpacedTimedMessenger(PacedMessenger):
    """Notes the manual time of each send, without asking for a pace (as Teams)."""

    send_interval = 0.0


@pytest.fixture
def harness(database: Database, clock: FakeClock) -> Harness:
    return Harness(database, clock, config=RitualConfig(lead=LEAD, send_ahead=AHEAD))


@pytest.mark.parametrize(
    ("messenger_class", "expected"),
    [(PacedMessenger, [0.4, 1.4]), (UnpacedTimedMessenger, [0.4, 0.4])],
    ids=["paced", "unpaced"],
)
async def test_messages_claimed_ahead_are_sent_at_their_time(
    harness: Harness, messenger_class: type[PacedMessenger], expected: list[float]
) -> None:
    await plan_ahead(harness)
    harness.clock.set(NINE - timedelta(milliseconds=400))
    time = ManualTime()
    messenger = messenger_class(time)

    report = await paced_sender(harness, messenger, time).drain()

    # Claimed 0.4 s before 09:00, sent at 09:00 (the paced workspace's second a second later).
    assert report.sent == 2
    assert messenger.sent_at == pytest.approx(expected)
    assert [row.status for row in await harness.outbox()] == ["sent", "sent"]


async def test_messages_beyond_the_window_stay_in_the_outbox(harness: Harness) -> None:
    await plan_ahead(harness)
    harness.clock.set(NINE - timedelta(seconds=3))
    time = ManualTime()
    messenger = PacedMessenger(time)

    report = await paced_sender(harness, messenger, time).drain()

    assert (report.sent, messenger.attempts, time.slept) == (0, [], [])
    assert [row.status for row in await harness.outbox()] == ["pending", "pending"]
    assert await next_due(harness, AHEAD) == NINE - AHEAD  # claimable a second before 09:00


async def test_without_the_window_nothing_is_claimed_before_its_time(
    database: Database, clock: FakeClock
) -> None:
    harness = Harness(database, clock, config=RitualConfig(lead=LEAD))
    await plan_ahead(harness)
    harness.clock.set(NINE - timedelta(milliseconds=400))
    time = ManualTime()
    messenger = PacedMessenger(time)

    report = await paced_sender(harness, messenger, time).drain()

    assert (report.sent, messenger.attempts) == (0, [])
    assert [row.status for row in await harness.outbox()] == ["pending", "pending"]


async def test_the_outbox_wake_up_rings_the_window_before_the_messages(harness: Harness) -> None:
    nine = paris(2099, 3, 2, 9, 0)  # a Monday in the future: APScheduler keeps the jobs pending
    harness.clock.set(nine - timedelta(hours=2))
    await harness.company()
    async with running_scheduler(harness) as scheduler:
        harness.clock.set(nine - LEAD)  # the next-run job's time: planned ahead
        await ring(scheduler, NEXT_RUN_JOB)
        assert harness.messenger.posts == []
        assert scheduler.job_times()[OUTBOX_JOB] == nine - AHEAD


def test_a_running_process_claims_a_second_ahead_the_layer_not_by_default() -> None:
    assert ritual_config(Settings()).send_ahead == SEND_AHEAD == timedelta(seconds=1)
    assert RitualConfig().send_ahead == timedelta(0)


async def test_a_change_in_the_last_second_keeps_what_was_claimed_and_posts_it_once(
    harness: Harness,
) -> None:
    await plan_ahead(harness)
    harness.clock.set(NINE - timedelta(milliseconds=400))
    async with transaction(harness.database.engine) as work:
        claimed = await work.rituals.claim_outbox(
            "sender", ["console"], harness.clock.now(), LEASE, 10, due_by=NINE
        )
    assert [message.available_at for message in claimed] == [NINE, NINE]

    await harness.say("claire", "rituel modifier 1 cible=direction")

    # On its way already: the claimed messages and their occurrence stay, and the next tick
    # does not plan that occurrence a second time under the new setting.
    assert [row.status for row in await harness.outbox()] == ["sending", "sending"]
    assert len(await harness.occurrences(1)) == 1
    harness.clock.set(NINE - timedelta(milliseconds=200))
    report = await harness.run()
    assert (report.plan.queued, report.plan.messages) == (0, 0)
    assert len(await harness.outbox()) == 2
