"""A drain claims the next rows beside its sends, not in their way: sends go on while a claim
reads and leases, and rows whose turn has come go out before another claim is made."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from bot.delivery import Delivery, Target
from bot.messages import Message
from bot.model import Tenant
from rituals import sender as sender_module
from rituals.pacing import Pacer
from rituals.sender import (
    CLAIM_PAUSE,
    HAND_OVER_LIMIT,
    PlanningFeed,
    Sender,
    SendReport,
    _Drain,
    _Workspace,
)
from tests.rituals.support import (
    WORKSPACES,
    Harness,
    ManualTime,
    PacedMessenger,
    RecordingMessenger,
    three_reminders_each,
)

Event = tuple[str, object]


class LoggingMessenger(RecordingMessenger):
    """Notes each send in the drain's event log, and sets `sent`."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self.events = events
        self.sent = asyncio.Event()

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery:
        self.events.append(("send", tenant.external_id))
        self.sent.set()
        return await super().send(tenant, target, message, delivery_key=delivery_key)


def logged_sender(
    harness: Harness,
    events: list[Event],
    batch_size: int,
    gate: Callable[[int], Awaitable[None]] | None = None,
) -> Sender:
    """A sender on the unpaced console messenger whose claims note their start and the
    workspaces of their rows in `events`; `gate(n)`, if given, holds the n-th claim."""
    messenger = LoggingMessenger(events)
    config = replace(harness.config, batch_size=batch_size)
    sender = Sender(harness.database.engine, {"console": messenger}, harness.clock, "s", config)
    claim = sender.claim
    claims = 0

    async def logged_claim(limit: int, *args: Any, **kwargs: Any) -> Any:
        nonlocal claims
        claims += 1
        events.append(("claim", limit))
        if gate is not None:
            await gate(claims)
        batch = await claim(limit, *args, **kwargs)
        events.append(("claimed", [tenant.external_id for _, tenant in batch]))
        return batch

    sender.claim = logged_claim  # type: ignore[method-assign]
    return sender


def sends_in(events: list[Event]) -> list[object]:
    return [name for kind, name in events if kind == "send"]


def claimed_in(events: list[Event]) -> list[object]:
    """The workspace of each row claimed, claim after claim."""
    return [name for kind, names in events if kind == "claimed" for name in names]  # type: ignore[attr-defined]


async def test_sends_go_on_while_the_next_claim_reads(harness: Harness) -> None:
    await three_reminders_each(harness)
    events: list[Event] = []

    async def slow_second_claim(claim: int) -> None:
        """The second claim ends only once a send has been made meanwhile."""
        if claim == 2:
            messenger.sent.clear()
            await messenger.sent.wait()

    sender = logged_sender(harness, events, batch_size=4, gate=slow_second_claim)
    messenger = sender.messengers["console"]
    assert isinstance(messenger, LoggingMessenger)

    async with asyncio.timeout(10):  # a drain that waits for its claims never ends
        report = await sender.drain()

    assert report.sent == 3 * len(WORKSPACES)
    second = [index for index, (kind, _) in enumerate(events) if kind == "claim"][1]
    claimed = next(i for i in range(second, len(events)) if events[i][0] == "claimed")
    assert sends_in(events[second:claimed])  # sent while the second claim was reading
    assert len(events[claimed][1]) == 4  # type: ignore[arg-type]
    rows = await harness.outbox()
    assert sorted(post.delivery_key for post in messenger.posts) == sorted(
        row.delivery_key for row in rows
    )
    assert {row.status for row in rows} == {"sent"}


async def test_rows_whose_turn_has_come_go_out_before_another_claim(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One send at a time: while a workspace whose turn has come waits for the free send, no
    claim is made. So when a claim starts, the rows held and not sent yet all belong to the
    workspace being sent to (its next row waits for the one in flight)."""
    await three_reminders_each(harness)
    monkeypatch.setattr(sender_module, "MAX_SENDS_AT_ONCE", 1)
    events: list[Event] = []
    sender = logged_sender(harness, events, batch_size=4)

    report = await sender.drain()

    assert report.sent == 3 * len(WORKSPACES)
    assert events[:2] == [("claim", 4), ("claimed", ["alpha", "alpha", "alpha", "beta"])]
    claims = [index for index, (kind, _) in enumerate(events) if kind == "claim"]
    assert len(claims) > 2  # the later claims are the ones checked below
    for index in claims[1:]:
        held = Counter(claimed_in(events[:index]))
        held.subtract(sends_in(events[:index]))
        waiting = {name for name, count in held.items() if count > 0}
        assert waiting <= {sends_in(events[:index])[-1]}, events[: index + 1]


async def test_room_freed_during_a_short_claim_is_claimed_after_the_pause(
    harness: Harness,
) -> None:
    """A claim that came back with fewer rows than it could take is followed by the next one
    `CLAIM_PAUSE` later, even when a send freed room meanwhile (sends go on during a claim):
    the room finished sends free is claimed together, not one claim each. (On the drain
    itself: the moment a send ends during a claim cannot be placed from outside.)"""
    time = ManualTime()
    time.now = 10.0
    sender = Sender(
        harness.database.engine,
        {"slack": PacedMessenger(time)},
        harness.clock,
        "s",
        harness.config,
        pacer=Pacer(now=time.monotonic, sleep=time.sleep),
    )
    drain = _Drain(sender, SendReport(), None)
    held = _Workspace(("slack", 1), 1.0, capped=True)  # its one row held, being sent
    held.sending = True
    drain.workspaces[held.key] = held
    drain.held = 1  # another workspace's row waits for its turn

    async def claim_while_a_send_ends(limit: int, *args: Any, **kwargs: Any) -> list[Any]:
        drain._after_send(held)  # the send ended: its workspace has room again
        return []  # fewer than `limit`

    sender.claim = claim_while_a_send_ends  # type: ignore[method-assign]

    await drain._claim()

    assert not drain.exhausted  # the freed room will be claimed...
    assert not drain._may_claim()  # ...but not at once
    time.now += CLAIM_PAUSE
    assert drain._may_claim()


async def test_the_planner_is_not_held_while_ready_rows_wait_for_a_send(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each group the planner waits for the drain's claim; while workspaces whose turn
    has come wait for a free send, no claim comes, and the drain lets the planner go on at
    once instead of after `HAND_OVER_LIMIT`."""
    await three_reminders_each(harness)
    monkeypatch.setattr(sender_module, "MAX_SENDS_AT_ONCE", 1)
    events: list[Event] = []
    sender = logged_sender(harness, events, batch_size=400)
    messenger = sender.messengers["console"]
    assert isinstance(messenger, LoggingMessenger)
    answer = asyncio.Event()
    send = messenger.send

    async def slow_send(*args: Any, **kwargs: Any) -> Delivery:
        await answer.wait()
        return await send(*args, **kwargs)

    messenger.send = slow_send  # type: ignore[method-assign]
    feed = PlanningFeed()
    draining = asyncio.create_task(sender.drain(feed))
    async with asyncio.timeout(5):
        await feed.claimed.wait()  # the first claim: every row; one send under way
    assert claimed_in(events) == [name for name in WORKSPACES for _ in range(3)]

    feed.notify()  # the planner queued another group
    async with asyncio.timeout(HAND_OVER_LIMIT / 2):
        await feed.claimed.wait()
    assert claimed_in(events) == [name for name in WORKSPACES for _ in range(3)]  # no claim

    answer.set()
    feed.finish()
    report = await draining
    assert report.sent == 3 * len(WORKSPACES)
    assert [kind for kind, _ in events].count("claim") >= 2  # the group's claim came later
