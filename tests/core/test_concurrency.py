"""Many people logging results at once: every command is applied, none is lost or refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.i18n import CATALOGUE
from tests.core.test_engine_quickwins import add_line
from tests.support.chat import Chat
from tests.support.clock import FakeClock

CONCURRENT_COMMANDS = 400


async def test_concurrent_results_are_all_stored(chat: Chat, clock: FakeClock) -> None:
    await chat.say("claire", add_line(clock))
    clock.advance(timedelta(days=1))
    replies = await asyncio.gather(
        *(chat.say(f"user{n}", f"qw saisir 1 {40 + n % 10}") for n in range(CONCURRENT_COMMANDS))
    )
    internal = {CATALOGUE["error.internal"][0], CATALOGUE["error.internal"][1]}
    assert [m.kind for r in replies for m in r.messages if m.text in internal] == []
    assert (
        sum(1 for r in replies for m in r.public if m.kind == "quickwin.logged")
        == CONCURRENT_COMMANDS
    )
    async with chat.engine.store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant(
            "console", "acme", "ACME", chat.engine.default_locale, "Europe/Paris"
        )
        [snapshot] = await repo.active_snapshots(tenant.id, 8)
        stored = await repo.measurements(tenant.id, snapshot.quick_win.id, 10 * CONCURRENT_COMMANDS)
    assert len(stored) == CONCURRENT_COMMANDS
