"""A pooled keep-alive connection the Bot Connector closes as we send on it: the request is sent
again on a fresh connection, once; a server that keeps disconnecting gets `attempts` tries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes

from adapters.teams.connector import ConnectorFactory
from adapters.teams.retry import Backoff
from adapters.teams.service_urls import ServiceUrlPolicy
from tests.fakes.teams_connector import FakeTeamsConnector, Received
from tests.teams.activities import personal_message
from tests.teams.conftest import APP_ID, TeamsServer


class DisconnectingConnector(FakeTeamsConnector):
    """The fake Bot Connector, noting each request's connection; scripted, it reads a request
    whole, then closes the connection without answering (what a server does to a kept-alive
    connection it closes as idle just as the request arrives)."""

    def __init__(self) -> None:
        super().__init__()
        self.transports: list[asyncio.BaseTransport] = []
        """The connection of every request, answered or not."""
        self.dropped: list[dict[str, Any]] = []
        """The body of every request answered by closing the connection."""
        self._drop_reused = 0
        self._drop_all = False

    def drop_next_on_reused_connection(self, times: int = 1) -> None:
        """Close instead of answering the next `times` requests that come on a connection an
        earlier request already used."""
        self._drop_reused += times

    def drop_every_request(self) -> None:
        self._drop_all = True

    @property
    def client_ports(self) -> list[int]:
        """The bot's side port of each request's connection: a new port, a new connection."""
        return [transport.get_extra_info("peername")[1] for transport in self.transports]

    async def _record(
        self, request: web.Request, kind: str, new_id: str
    ) -> tuple[Received, web.Response | None]:
        transport = request.transport
        assert transport is not None
        reused = transport in self.transports
        self.transports.append(transport)
        if self._drop_all or (reused and self._drop_reused > 0):
            if not self._drop_all:
                self._drop_reused -= 1
            # Read to the end first: with nothing left unread, closing sends a clean FIN (the
            # bot sees ServerDisconnectedError), not a reset.
            unanswered = self._received(request, kind, await request.read(), "")
            self.dropped.append(unanswered.body)
            transport.close()
            return unanswered, web.Response(status=500)  # never written: the connection is closed
        return await super()._record(request, kind, new_id)


@pytest.fixture
async def connector() -> AsyncIterator[DisconnectingConnector]:
    fake = DisconnectingConnector()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


async def turn(teams: TeamsServer) -> None:
    """Marie says "aide" in her personal chat: the bot replies through the connector."""
    status, body = await teams.post(personal_message(teams.service_url, "aide"))
    assert status in (200, 202), body


async def test_a_reply_on_a_connection_the_server_just_closed_is_sent_again_on_a_new_one(
    teams: TeamsServer, connector: DisconnectingConnector
) -> None:
    await turn(teams)
    first_turn = list(connector.received)
    assert first_turn and all(r.kind == "reply" for r in first_turn)
    [kept_alive] = set(connector.client_ports)

    connector.drop_next_on_reused_connection()
    await turn(teams)

    [dropped] = connector.dropped
    # the bot's one reply to the second turn, delivered once: the dropped request sent again
    [resent] = connector.received[len(first_turn) :]
    assert resent.body == dropped
    assert resent.kind == "reply" and resent.answered_id
    # the dropped request came on the kept-alive connection, its resend on a new one
    ports = connector.client_ports
    dropped_at = len(first_turn)
    assert ports[dropped_at] == kept_alive
    assert ports[dropped_at + 1] != kept_alive
    assert len(ports) == dropped_at + 2 and len(set(ports)) == 2
    assert teams.slept == []  # no back-off before the resend on a fresh connection


@pytest.fixture
async def factory() -> AsyncIterator[tuple[ConnectorFactory, Backoff]]:
    async def no_wait(seconds: float) -> None:
        return None

    backoff = Backoff(attempts=3, base_seconds=1.0, max_seconds=4.0, sleep=no_wait)
    made = ConnectorFactory(APP_ID, StaticTokens(), ServiceUrlPolicy(("127.0.0.1",)), backoff, 10.0)
    try:
        yield made, backoff
    finally:
        await made.close()


class StaticTokens:
    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        return "token"


def hello() -> Activity:
    return Activity(type=ActivityTypes.message, text="bonjour")


async def test_a_server_that_always_disconnects_gets_attempts_tries_then_the_error(
    factory: tuple[ConnectorFactory, Backoff], connector: DisconnectingConnector
) -> None:
    connectors, backoff = factory
    client = await connectors.connector_for(connector.service_url)
    try:
        await client.conversations.send_to_conversation("19:a", hello())  # a kept-alive connection
        connector.drop_every_request()
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await client.conversations.send_to_conversation("19:a", hello())
    finally:
        await client.close()
    assert len(connector.received) == 1
    assert len(connector.dropped) == backoff.attempts == 3
    assert len(set(connector.client_ports[1:])) == 3  # every try on a connection of its own
    assert len(backoff.slept) == 1  # the first resend at once, the second after a back-off


async def test_an_update_cut_off_is_left_to_aiohttps_own_single_resend(
    factory: tuple[ConnectorFactory, Backoff], connector: DisconnectingConnector
) -> None:
    """aiohttp sends an idempotent PUT again itself, around the middlewares: retrying it there
    too would make `attempts` rounds of `attempts` tries."""
    connectors, backoff = factory
    client = await connectors.connector_for(connector.service_url)
    try:
        connector.drop_every_request()
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await client.conversations.update_activity("19:a", "activity-1", hello())
    finally:
        await client.close()
    assert [r["text"] for r in connector.dropped] == ["bonjour"] * 2
    assert backoff.slept == []
