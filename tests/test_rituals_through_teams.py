"""The Friday check-in, set up by authenticated Teams activities, posted by the real Teams messenger."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.teams import TeamsAdapter
from bot.engine import Engine
from main.rituals_app import RitualRuntime
from main.settings import Settings
from rituals.service import RunReport
from rituals.transactions import transaction
from storage.database import Database
from storage.ritual_repository import OutboxRecord
from tests.fakes.identity import FakeIdentity
from tests.fakes.teams_connector import FakeTeamsConnector, Received
from tests.rituals.support import paris
from tests.support.clock import FakeClock
from tests.teams.activities import (
    MARIE,
    TEAM_CHANNEL,
    TENANT_A,
    bot_added_to_team,
    channel_message,
    personal_conversation,
    personal_install,
)
from tests.teams.card_schema import validate_card
from tests.teams.conftest import TeamsServer, make_config

QUICK_WIN = "Relance factures"
SET_UP = (
    "cap définir Devenir la PME de référence à l'export d'ici 2028.",
    f"rituel canal #{TEAM_CHANNEL}",
    f'qw ajouter "{QUICK_WIN}" kpi=Délai unité=jours base=52 cible=38 échéance=2026-06-30',
)

MARIE_CHAT = personal_conversation(MARIE)["id"]

FRIDAY_10 = paris(2026, 3, 13, 10)  # the set-up
FRIDAY_16 = paris(2026, 3, 13, 16)  # quick-win check-in, in the team channel
NEXT_FRIDAY_16 = paris(2026, 3, 20, 16)
FRIDAY_AFTER_16 = paris(2026, 3, 27, 16)


class TeamsProcess:
    """A Boussole process: the engine with the `rituel` command, the Teams adapter serving
    /api/messages on loopback, and a rituals clock posting through the adapter's messenger."""

    def __init__(
        self,
        database: Database,
        clock: FakeClock,
        identity: FakeIdentity,
        connector: FakeTeamsConnector,
    ) -> None:
        self.clock = clock
        self.runtime = RitualRuntime(database, {}, clock, Settings())
        engine = Engine(database.store, clock, extra_commands=self.runtime.commands)
        self.slept: list[float] = []
        self.adapter = TeamsAdapter(
            make_config(identity), engine, database, clock, sleep=self._no_wait
        )
        self.runtime.connect(self.adapter.messenger)
        self.identity = identity
        self.connector = connector
        self._runner: web.AppRunner | None = None
        self._server: TeamsServer | None = None

    async def _no_wait(self, seconds: float) -> None:
        self.slept.append(seconds)

    @property
    def server(self) -> TeamsServer:
        assert self._server is not None
        return self._server

    async def start(self) -> TeamsProcess:
        app = web.Application()
        self.adapter.attach(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self._server = TeamsServer(
            adapter=self.adapter,
            identity=self.identity,
            connector=self.connector,
            http=aiohttp.ClientSession(),
            base_url=f"http://127.0.0.1:{port}",
            slept=self.slept,
        )
        return self

    async def stop(self) -> None:
        """A clean stop: the clock lease is handed over, the server and its sessions closed."""
        await self.runtime.stop()
        server, runner = self._server, self._runner
        self._server = self._runner = None
        if server is not None:
            await server.http.close()
        if runner is not None:
            await runner.cleanup()

    async def receive(self, activity: dict[str, Any]) -> None:
        """Teams delivers an activity with a valid Bot Framework token."""
        status, body = await self.server.post(activity)
        assert status in (200, 201, 202), body

    async def say_in_channel(self, text: str) -> list[Received]:
        """Marie writes `@Boussole <text>` in the team's channel; what the bot answered."""
        before = len(self.connector.received)
        await self.receive(channel_message(self.server.service_url, text))
        answers = self.connector.received[before:]
        assert answers and not any("⚠️" in str(answer.body) for answer in answers), answers
        return answers

    async def tick(self, at: datetime | None = None) -> RunReport:
        if at is not None:
            self.clock.set(at)
        report = await self.runtime.run_due()
        assert report.active
        return report


@pytest.fixture
async def identity(clock: FakeClock) -> AsyncIterator[FakeIdentity]:
    provider = await FakeIdentity(clock).start()
    try:
        yield provider
    finally:
        await provider.close()


@pytest.fixture
async def connector() -> AsyncIterator[FakeTeamsConnector]:
    fake = await FakeTeamsConnector().start()
    try:
        yield fake
    finally:
        await fake.close()


StartProcess = Callable[[], Awaitable[TeamsProcess]]


@pytest.fixture
async def start_process(
    database: Database, clock: FakeClock, identity: FakeIdentity, connector: FakeTeamsConnector
) -> AsyncIterator[StartProcess]:
    """Starts a process on the test's database; every one is stopped at the end."""
    started: list[TeamsProcess] = []

    async def start() -> TeamsProcess:
        process = await TeamsProcess(database, clock, identity, connector).start()
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            await process.stop()


async def set_up(process: TeamsProcess) -> None:
    """The bot is added to the team and installed by Marie, who then (the first to write to it:
    director) sets the cap, the team channel and a quick win from the channel."""
    service_url = process.server.service_url
    await process.receive(bot_added_to_team(service_url))
    await process.receive(personal_install(service_url))
    for text in SET_UP:
        await process.say_in_channel(text)


async def outbox(database: Database) -> list[OutboxRecord]:
    async with transaction(database.engine) as work:
        return await work.rituals.outbox()


def sent_to(requests: list[Received]) -> list[str]:
    """The conversations of the proactive posts ("send") among these connector requests."""
    return [r.conversation_id for r in requests if r.kind == "send"]


async def test_after_a_restart_the_friday_check_in_is_posted_once_in_the_channel(
    start_process: StartProcess, connector: FakeTeamsConnector, database: Database, clock: FakeClock
) -> None:
    clock.set(FRIDAY_10)
    first = await start_process()
    await set_up(first)
    assert (await first.tick()).send.sent == 0  # nothing is due yet
    await first.stop()  # the restart: a new adapter and clock on the same database
    second = await start_process()
    before = len(connector.attempts)

    report = await second.tick(FRIDAY_16)
    await second.tick()
    await second.tick(FRIDAY_16 + timedelta(minutes=5))

    assert report.send.sent == 1
    [sent] = connector.attempts[before:]
    assert (sent.kind, sent.conversation_id) == ("send", TEAM_CHANNEL)
    assert sent.body["from"]["id"] == "28:boussole-bot"
    assert sent.authorization.startswith("Bearer bot-token-")
    [card] = sent.cards
    validate_card(card)
    assert QUICK_WIN in str(card)
    [row] = await outbox(database)
    assert (row.status, row.attempts, row.target_id) == ("sent", 1, TEAM_CHANNEL)
    recorded = await second.adapter.conversations.sent_activity(TENANT_A, row.delivery_key)
    assert recorded == sent.answered_id  # what a reclaiming sender's find_sent would answer


async def test_a_channel_that_blocks_the_bot_is_tried_once_then_left_alone(
    start_process: StartProcess, connector: FakeTeamsConnector, database: Database, clock: FakeClock
) -> None:
    clock.set(FRIDAY_10)
    boussole = await start_process()
    await set_up(boussole)
    before, answered_before = len(connector.attempts), len(connector.received)
    connector.block_writes()

    blocked = await boussole.tick(FRIDAY_16)
    later = await boussole.tick(FRIDAY_16 + timedelta(hours=1))
    next_week = await boussole.tick(NEXT_FRIDAY_16)

    # The channel got one request, the 403; Marie, owner of a quick win without a result since
    # the previous check-in, gets her nudge in her own chat, which does not block the bot.
    assert sent_to(connector.attempts[before:]) == [TEAM_CHANNEL, MARIE_CHAT]
    assert sent_to(connector.received[answered_before:]) == [MARIE_CHAT]
    assert (blocked.send.failed, later.send.failed, next_week.send.failed) == (1, 0, 1)  # final
    assert boussole.slept == []
    rows = [(row.target_id, row.status, row.attempts) for row in await outbox(database)]
    assert rows == [
        (TEAM_CHANNEL, "blocked", 1),
        (TEAM_CHANNEL, "blocked", 1),  # next week's: not even tried
        ("aad-marie", "sent", 1),
    ]

    # Someone writes in the channel again: the conversation is usable, the next Friday posts.
    await boussole.say_in_channel("qw liste")
    since = len(connector.attempts)
    await boussole.tick(FRIDAY_AFTER_16)
    assert sent_to(connector.attempts[since:]) == [TEAM_CHANNEL, MARIE_CHAT]
    assert all(request.answered_id for request in connector.attempts[since:])


async def test_the_channel_named_in_the_channel_itself_gets_the_check_in(
    start_process: StartProcess, connector: FakeTeamsConnector, database: Database, clock: FakeClock
) -> None:
    clock.set(FRIDAY_10)
    boussole = await start_process()
    await boussole.receive(bot_added_to_team(boussole.server.service_url))
    await boussole.say_in_channel("rituel canal ici")
    before = len(connector.attempts)

    await boussole.tick(FRIDAY_16)

    assert sent_to(connector.attempts[before:]) == [TEAM_CHANNEL]
    assert [row.status for row in await outbox(database)] == ["sent"]
