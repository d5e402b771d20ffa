"""Bot Connector calls share one connection pool: replies reuse a kept-alive connection, each
call carries the current bot token and goes to its own service URL, and shutdown closes the pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from adapters.teams.connector import (
    ConnectorFactory,
    ConnectorPoolClosed,
    SharedConnectorClient,
    SharedUserTokenClient,
)
from adapters.teams.retry import Backoff, ServiceUrlRefused
from adapters.teams.service_urls import ServiceUrlPolicy
from storage.database import Database
from tests.fakes.identity import FakeIdentity
from tests.fakes.teams_connector import FakeTeamsConnector, Received
from tests.support.clock import FakeClock
from tests.teams.activities import MARIE, PAUL, personal_message
from tests.teams.conftest import APP_ID, TeamsServer, make_config, start_server


class ConnectionRecordingConnector(FakeTeamsConnector):
    """The fake Bot Connector, also noting the TCP connection each request came on."""

    def __init__(self) -> None:
        super().__init__()
        self.transports: list[asyncio.BaseTransport] = []

    async def _record(
        self, request: web.Request, kind: str, new_id: str
    ) -> tuple[Received, web.Response | None]:
        assert request.transport is not None
        self.transports.append(request.transport)
        return await super()._record(request, kind, new_id)

    @property
    def client_ports(self) -> list[int]:
        """The bot's side port of each request's connection: a new port, a new connection."""
        return [transport.get_extra_info("peername")[1] for transport in self.transports]


async def running_connector() -> AsyncIterator[ConnectionRecordingConnector]:
    fake = ConnectionRecordingConnector()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


connector = pytest.fixture(running_connector, name="connector")
second_connector = pytest.fixture(running_connector, name="second_connector")
"""Another Bot Connector region: same loopback host, its own port."""


async def turn(teams: TeamsServer, service_url: str, user: dict[str, Any] = MARIE) -> None:
    """A user says "aide" in their personal chat, through `service_url`."""
    activity = personal_message(service_url, "aide", user=user)
    status, body = await teams.post(activity, token=teams.token(service_url=service_url))
    assert status in (200, 202), body


async def test_replies_reuse_one_connection(
    teams: TeamsServer, connector: ConnectionRecordingConnector
) -> None:
    await turn(teams, teams.service_url)
    first_turn = len(connector.received)
    await turn(teams, teams.service_url)
    assert first_turn >= 1 and len(connector.received) > first_turn  # both turns answered
    assert len(connector.client_ports) == len(connector.attempts)
    assert len(set(connector.client_ports)) == 1, connector.client_ports


async def test_a_rotated_bot_token_is_sent_on_the_same_connection(
    teams: TeamsServer,
    connector: ConnectionRecordingConnector,
    identity: FakeIdentity,
    clock: FakeClock,
) -> None:
    await turn(teams, teams.service_url)
    before = {r.authorization for r in connector.received}
    fetched = len(identity.token_requests)
    clock.advance(timedelta(hours=2))  # the 1 h bot token expired: the next call fetches one
    await turn(teams, teams.service_url)
    after = {r.authorization for r in connector.received[len(connector.received) - 1 :]}
    assert len(identity.token_requests) == fetched + 1
    assert len(before) == len(after) == 1
    assert before != after
    assert all(value.startswith("Bearer bot-token-") for value in before | after)
    assert len(set(connector.client_ports)) == 1


async def test_each_service_url_is_answered_on_its_own_host(
    teams: TeamsServer,
    connector: ConnectionRecordingConnector,
    second_connector: ConnectionRecordingConnector,
) -> None:
    await turn(teams, connector.service_url)
    await turn(teams, second_connector.service_url, user=PAUL)
    await turn(teams, connector.service_url)
    first = {r.conversation_id for r in connector.received}
    second = {r.conversation_id for r in second_connector.received}
    assert first == {"a:personal-chat-aad-marie"}
    assert second == {"a:personal-chat-aad-paul"}
    assert len(connector.received) >= 2 and len(second_connector.received) >= 1
    # one kept-alive connection per host, not one per reply
    assert len(set(connector.client_ports)) == 1
    assert len(set(second_connector.client_ports)) == 1
    assert set(connector.client_ports).isdisjoint(second_connector.client_ports)


async def test_every_turn_shares_the_service_url_s_client_which_the_sdk_s_close_keeps(
    teams: TeamsServer, connector: ConnectionRecordingConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the design relies on in the Agents SDK: it closes the client it asked for after the
    turn, and the connector client reads its base URL off the session. The client is built
    once (building one reads the SDK's package metadata for its User-Agent), and its close
    after each turn keeps it."""
    from microsoft_agents.hosting.core.connector.client import connector_client

    factory = teams.adapter.connectors
    created: list[TeamsConnectorClient] = []
    closes: list[TeamsConnectorClient] = []
    metadata_reads: list[str] = []
    connector_for = factory.connector_for
    close = SharedConnectorClient.close
    product_info = connector_client.get_product_info

    async def recording(service_url: str) -> TeamsConnectorClient:
        client = await connector_for(service_url)
        created.append(client)
        return client

    async def recording_close(client: SharedConnectorClient) -> None:
        closes.append(client)
        await close(client)

    def reading() -> str:
        metadata_reads.append("read")
        return product_info()

    monkeypatch.setattr(factory, "connector_for", recording)
    monkeypatch.setattr(SharedConnectorClient, "close", recording_close)
    monkeypatch.setattr(connector_client, "get_product_info", reading)
    await turn(teams, teams.service_url)
    await turn(teams, teams.service_url)
    assert len(created) == 2 and created[0] is created[1]
    assert closes == created  # the SDK closed it after each turn...
    assert not created[0].client.closed  # ...and it stays open for the next one
    assert created[0].base_uri == teams.service_url
    assert metadata_reads == ["read"]  # built once, for the first turn
    assert not factory.closed
    transport = connector.transports[-1]
    assert not transport.is_closing()  # the pooled connection outlives both turns
    await factory.close()
    assert created[0].client.closed  # released at shutdown


async def test_a_client_per_service_url_the_least_recent_retired_beyond_the_limit(
    factory: tuple[ConnectorFactory, list[float]],
    connector: ConnectionRecordingConnector,
    second_connector: ConnectionRecordingConnector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import adapters.teams.connector as module

    monkeypatch.setattr(module, "MAX_SERVICE_URLS", 1)
    connectors, _ = factory
    first = await connectors.connector_for(connector.service_url)
    assert await connectors.connector_for(connector.service_url) is first
    second = await connectors.connector_for(second_connector.service_url)
    assert second is not first
    assert not first.client.closed  # retired, not closed: a turn may still be using it
    await first.conversations.send_to_conversation("19:a", hello())
    again = await connectors.connector_for(connector.service_url)
    assert again is not first  # a new client for the retired service URL
    await connectors.close()
    assert first.client.closed and second.client.closed and again.client.closed


async def test_shutdown_closes_the_pool_and_its_connections(
    database: Database,
    clock: FakeClock,
    identity: FakeIdentity,
    connector: ConnectionRecordingConnector,
) -> None:
    server, runner = await start_server(make_config(identity), database, clock, identity, connector)
    try:
        await turn(server, server.service_url)
        [transport] = set(connector.transports)
        assert not transport.is_closing()
    finally:
        await server.http.close()
        await runner.cleanup()  # the app's on_cleanup closes the adapter
    factory = server.adapter.connectors
    assert factory.closed
    for _ in range(100):  # the fake sees the bot's side close the connection
        if transport.is_closing():
            break
        await asyncio.sleep(0.01)
    assert transport.is_closing()
    with pytest.raises(ConnectorPoolClosed):
        await factory.connector_for(server.service_url)
    await server.adapter.close()  # closing twice is harmless


class RotatingTokens:
    """A token source whose token changes on every call."""

    def __init__(self) -> None:
        self.issued = 0

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        self.issued += 1
        return f"token-{self.issued}"


@pytest.fixture
async def factory() -> AsyncIterator[tuple[ConnectorFactory, list[float]]]:
    slept: list[float] = []

    async def no_wait(seconds: float) -> None:
        slept.append(seconds)

    backoff = Backoff(attempts=3, base_seconds=1.0, max_seconds=4.0, sleep=no_wait)
    made = ConnectorFactory(
        APP_ID, RotatingTokens(), ServiceUrlPolicy(("127.0.0.1",)), backoff, 10.0
    )
    try:
        yield made, slept
    finally:
        await made.close()


def hello() -> Activity:
    return Activity(type=ActivityTypes.message, text="bonjour")


async def test_pooled_calls_keep_their_token_back_off_and_allow_list(
    factory: tuple[ConnectorFactory, list[float]], connector: ConnectionRecordingConnector
) -> None:
    connectors, slept = factory
    first = await connectors.connector_for(connector.service_url)
    await first.conversations.send_to_conversation("19:a", hello())
    await first.close()
    second = await connectors.connector_for(connector.service_url)
    connector.fail_next(429, times=2)
    await second.conversations.send_to_conversation("19:a", hello())  # retried until sent
    with pytest.raises(ServiceUrlRefused):  # a host off the allow-list never gets a request
        await second.client.get("http://127.0.0.2:9/v3/conversations")
    await second.close()
    assert [r.authorization for r in connector.attempts] == ["Bearer token-1"] + [
        "Bearer token-2"
    ] * 3
    assert len(connector.received) == 2 and len(slept) == 2
    assert len(set(connector.client_ports)) == 1
    assert not connector.transports[0].is_closing()


async def test_every_turn_gets_the_one_user_token_client_closed_at_shutdown(
    database: Database,
    clock: FakeClock,
    identity: FakeIdentity,
    connector: ConnectionRecordingConnector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Building a user-token client reads the SDK's package metadata (its User-Agent): it is
    built once, survives the SDK's close after each turn, and is closed with the factory."""
    built: list[SharedUserTokenClient] = []
    original = SharedUserTokenClient.__init__

    def recording(self: SharedUserTokenClient, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(SharedUserTokenClient, "__init__", recording)
    server, runner = await start_server(make_config(identity), database, clock, identity, connector)
    try:
        await turn(server, server.service_url)
        await turn(server, server.service_url, user=PAUL)
        assert len(connector.received) >= 2  # both turns answered
        [client] = built
        assert not client.client.closed  # the SDK's close after each turn kept it
    finally:
        await server.http.close()
        await runner.cleanup()
    assert client.client.closed
