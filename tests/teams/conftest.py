"""Fixtures: a local identity provider, a fake Bot Connector, and Boussole's aiohttp server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.teams import TeamsAdapter, TeamsConfig
from bot.engine import Engine
from storage.database import Database
from tests.fakes.identity import FakeIdentity
from tests.fakes.teams_connector import FakeTeamsConnector
from tests.support.clock import FakeClock

APP_ID = "0f8a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
APP_PASSWORD = "test-secret-not-real"
SLACK_PATH = "/slack/events"


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


def make_config(identity: FakeIdentity, **overrides: Any) -> TeamsConfig:
    values: dict[str, Any] = {
        "app_id": APP_ID,
        "app_password": APP_PASSWORD,
        "tenant_id": "",
        "allowed_service_hosts": ("127.0.0.1",),
        "openid_metadata_url": identity.metadata_url,
        "token_url": identity.token_url,
        "keys_refetch_min_interval_seconds": 300.0,
    }
    values.update(overrides)
    return TeamsConfig(**values)


@dataclass
class TeamsServer:
    """Boussole's aiohttp app (Teams route + a stand-in Slack route) on 127.0.0.1."""

    adapter: TeamsAdapter
    identity: FakeIdentity
    connector: FakeTeamsConnector
    http: aiohttp.ClientSession
    base_url: str
    slept: list[float] = field(default_factory=list)
    slack_hits: int = 0

    @property
    def service_url(self) -> str:
        return self.connector.service_url

    def token(self, **claims: Any) -> str:
        claims.setdefault("service_url", self.service_url)
        return self.identity.token(app_id=APP_ID, **claims)

    async def post(
        self,
        activity: dict[str, Any] | None = None,
        *,
        token: str | None = "default",
        authorization: str | None = None,
        body: bytes | None = None,
        content_type: str | None = "application/json",
    ) -> tuple[int, str]:
        headers: dict[str, str] = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        elif token == "default":
            headers["Authorization"] = f"Bearer {self.token()}"
        elif token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if content_type is not None:
            headers["Content-Type"] = content_type
        data = body if body is not None else json.dumps(activity).encode()
        async with self.http.post(
            f"{self.base_url}/api/messages",
            data=data,
            headers=headers,
            skip_auto_headers=["Content-Type"],
        ) as response:
            return response.status, await response.text()

    async def slack(self) -> int:
        async with self.http.post(f"{self.base_url}{SLACK_PATH}", data=b"{}") as response:
            return response.status


async def start_server(
    config: TeamsConfig,
    database: Database,
    clock: FakeClock,
    identity: FakeIdentity,
    connector: FakeTeamsConnector,
) -> tuple[TeamsServer, web.AppRunner]:
    slept: list[float] = []

    async def no_wait(seconds: float) -> None:
        slept.append(seconds)

    adapter = TeamsAdapter(config, Engine(database.store, clock), database, clock, sleep=no_wait)
    app = web.Application()
    adapter.attach(app)
    server_ref: dict[str, TeamsServer] = {}

    async def slack_events(_request: web.Request) -> web.Response:
        server_ref["server"].slack_hits += 1
        return web.json_response({"ok": True})

    app.router.add_post(SLACK_PATH, slack_events)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server = TeamsServer(
        adapter=adapter,
        identity=identity,
        connector=connector,
        http=aiohttp.ClientSession(),
        base_url=f"http://127.0.0.1:{port}",
        slept=slept,
    )
    server_ref["server"] = server
    return server, runner


@pytest.fixture
async def teams(
    database: Database,
    clock: FakeClock,
    identity: FakeIdentity,
    connector: FakeTeamsConnector,
) -> AsyncIterator[TeamsServer]:
    server, runner = await start_server(make_config(identity), database, clock, identity, connector)
    try:
        yield server
    finally:
        await server.http.close()
        await runner.cleanup()
