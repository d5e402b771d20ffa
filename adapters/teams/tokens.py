"""Outbound credentials: the token the bot presents to the Bot Connector (MSAL or plain OAuth2)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

import aiohttp
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    AuthTypes,
)

from adapters.teams.config import TeamsConfig
from bot.ports import Clock

BOT_FRAMEWORK_SCOPE: Final = "https://api.botframework.com/.default"
MULTI_TENANT_AUTHORITY_TENANT: Final = "botframework.com"
REFRESH_MARGIN: Final = timedelta(minutes=5)


class TokenUnavailable(Exception):
    """The identity provider did not issue a token for the bot."""


class BotTokenSource(Protocol):
    """What the connector factory needs: MsalAuth, the SDK's anonymous provider, or ours."""

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str: ...


class ClientCredentialsTokenProvider:
    """OAuth2 client-credentials grant over aiohttp: async, with a timeout and a cached token."""

    def __init__(
        self, token_url: str, client_id: str, client_secret: str, clock: Clock, timeout: float
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._cache: dict[str, tuple[str, datetime]] = {}
        self._lock = asyncio.Lock()

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        scope = " ".join(scopes) if scopes else BOT_FRAMEWORK_SCOPE
        async with self._lock:
            cached = self._cache.get(scope)
            if cached and not force_refresh and self._clock.now() < cached[1] - REFRESH_MARGIN:
                return cached[0]
            token, lifetime = await self._request(scope)
            self._cache[scope] = (token, self._clock.now() + timedelta(seconds=lifetime))
            return token

    async def _request(self, scope: str) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "scope": scope,
        }
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.post(self._token_url, data=form) as response,
            ):
                body: Any = json.loads(await response.read())
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise TokenUnavailable(type(error).__name__) from error
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status != 200 or not isinstance(token, str):
            raise TokenUnavailable(f"token endpoint answered {response.status}")
        lifetime = body.get("expires_in", 3600)
        return token, float(lifetime) if isinstance(lifetime, int | float | str) else 3600.0


def token_provider(config: TeamsConfig, clock: Clock) -> BotTokenSource:
    """MSAL for Microsoft's identity platform; plain OAuth2 when `token_url` is overridden;
    no token at all in local development without credentials."""
    if config.insecure_local_dev and not config.app_password:
        return AnonymousTokenProvider()
    if config.token_url:
        return ClientCredentialsTokenProvider(
            config.token_url, config.app_id, config.app_password, clock, config.http_timeout_seconds
        )
    return MsalAuth(
        AgentAuthConfiguration(
            auth_type=AuthTypes.client_secret,
            client_id=config.app_id,
            tenant_id=config.tenant_id or MULTI_TENANT_AUTHORITY_TENANT,
            client_secret=config.app_password,
            scopes=[BOT_FRAMEWORK_SCOPE],
        )
    )
