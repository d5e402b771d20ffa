"""Creates the SDK's Bot Connector clients with our token, timeout, host allow-list and back-off.

One client per service URL serves every turn and proactive post (the SDK closes the client it
is given after each turn: that close keeps it; `ConnectorFactory.close()` releases them all).
Building a client per turn read the SDK's package metadata from disk for its User-Agent, 8 %
of a turn's CPU. The bot token is set on the client's session at each use, so a renewed
token goes out with the next request. Every client's session borrows its connections from one
pool owned by the factory: a reply reuses the kept-alive TCP (and TLS) connection.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Final

import aiohttp
from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase, TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.connector import ConnectorClientBase, UserTokenClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from adapters.teams.retry import (
    Backoff,
    ServiceUrlRefused,
    allow_list_middleware,
    retry_middleware,
)
from adapters.teams.service_urls import ServiceUrlPolicy
from adapters.teams.tokens import BOT_FRAMEWORK_SCOPE, BotTokenSource, TokenUnavailable

USER_TOKEN_SERVICE_URL = "https://api.botframework.com"
POOL_LIMIT: Final = 100
"""Connections open at once, every service URL together (aiohttp's default, made explicit);
a request beyond it waits for a free connection, within its timeout."""
MAX_SERVICE_URLS: Final = 64
"""Service URLs with a client kept (Teams uses a few regional ones); beyond, the least recently
used client is retired, and released at shutdown (a turn may still be using it)."""


class ConnectorPoolClosed(RuntimeError):
    """A connector was asked for after `ConnectorFactory.close()` (the app is shutting down)."""


def compact_json(document: object) -> str:
    """UTF-8 compact JSON, the form `render.card_size` measures (json.dumps would escape
    every accented letter, tripling French text on the wire)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _base_url(service_url: str) -> str:
    return service_url if service_url.endswith("/") else service_url + "/"


class SharedUserTokenClient(UserTokenClient):
    """The unauthenticated user-token client every turn is given (Boussole uses no user
    sign-in). Built once: building one reads the SDK's package metadata from disk (its
    User-Agent), a few percent of a turn's CPU. The SDK closes it after each turn; that close
    keeps it for the next one, `release()` really closes it."""

    async def close(self) -> None:
        return None

    async def release(self) -> None:
        await super().close()


class SharedConnectorClient(TeamsConnectorClient):
    """A service URL's connector client, kept for every turn: `close()` (the SDK's, after each
    turn, or the messenger's) keeps it; `release()` closes its session."""

    def use_token(self, token: str) -> None:
        """Send `token` with the next requests (the SDK's rule: none when it is empty)."""
        if len(token) > 1:
            self.client.headers["Authorization"] = f"Bearer {token}"
        else:
            self.client.headers.pop("Authorization", None)

    async def close(self) -> None:
        return None

    async def release(self) -> None:
        await super().close()


class ConnectorFactory(ChannelServiceClientFactoryBase):
    """Used by the SDK for replies and by the messenger for proactive posts.

    Owns the connection pool its clients share (created on first use, in the running loop):
    `close()` it when the app stops.
    """

    def __init__(
        self,
        app_id: str,
        tokens: BotTokenSource,
        policy: ServiceUrlPolicy,
        backoff: Backoff,
        timeout_seconds: float,
    ) -> None:
        self._app_id = app_id
        self._tokens = tokens
        self._policy = policy
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._middlewares = (allow_list_middleware(policy), retry_middleware(backoff))
        self._pool: aiohttp.TCPConnector | None = None
        self._clients: OrderedDict[str, SharedConnectorClient] = OrderedDict()
        self._retired: list[SharedConnectorClient] = []
        self._user_tokens: SharedUserTokenClient | None = None
        self._closed = False

    async def connector_for(self, service_url: str) -> TeamsConnectorClient:
        """A connector client for `service_url`; ServiceUrlRefused if the host is not allowed."""
        if not self._policy.is_allowed(service_url):
            raise ServiceUrlRefused(f"service URL {service_url!r} is not allow-listed")
        try:
            token = await self._tokens.get_access_token(
                "https://api.botframework.com", [BOT_FRAMEWORK_SCOPE]
            )
        except TokenUnavailable:
            raise
        except Exception as error:  # MSAL reports failures as ValueError and friends
            raise TokenUnavailable(type(error).__name__) from error
        base_url = _base_url(service_url)
        client = self._clients.get(base_url)
        if client is not None and not client.client.closed:
            self._clients.move_to_end(base_url)
            client.use_token(token)
            return client
        # The service URL's session (base URL, token, middlewares) over the shared pool.
        session = aiohttp.ClientSession(
            base_url=base_url,
            connector=self._shared_pool(),
            connector_owner=False,
            timeout=self._timeout,
            json_serialize=compact_json,
            middlewares=self._middlewares,
        )
        client = self._clients[base_url] = SharedConnectorClient(base_url, token, session=session)
        while len(self._clients) > MAX_SERVICE_URLS:
            self._retired.append(self._clients.popitem(last=False)[1])
        return client

    def _shared_pool(self) -> aiohttp.TCPConnector:
        if self._closed:
            raise ConnectorPoolClosed("the Teams connector pool is closed")
        if self._pool is None:
            self._pool = aiohttp.TCPConnector(limit=POOL_LIMIT)
        return self._pool

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """Close the shared pool and its connections (and the connector and user-token
        clients); later `connector_for` calls raise."""
        self._closed = True
        pool, self._pool = self._pool, None
        user_tokens, self._user_tokens = self._user_tokens, None
        clients = [*self._clients.values(), *self._retired]
        self._clients.clear()
        self._retired.clear()
        try:
            for client in clients:
                await client.release()
            if user_tokens is not None:
                await user_tokens.release()
        finally:
            if pool is not None:
                await pool.close()

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        return await self.connector_for(service_url)

    async def create_user_token_client(
        self,
        context: TurnContext,
        claims_identity: ClaimsIdentity,
        use_anonymous: bool = False,
    ) -> UserTokenClientBase:
        # Boussole uses no user sign-in: an unauthenticated client, created without a token
        # fetch, once (in the running loop: it holds an aiohttp session).
        if self._user_tokens is None:
            self._user_tokens = SharedUserTokenClient(
                USER_TOKEN_SERVICE_URL, "", app_id=self._app_id or "local-dev"
            )
        return self._user_tokens
