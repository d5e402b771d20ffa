"""Creates the SDK's Bot Connector clients with our token, timeout, host allow-list and back-off."""

from __future__ import annotations

import json

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


def compact_json(document: object) -> str:
    """UTF-8 compact JSON, the form `render.card_size` measures (json.dumps would escape
    every accented letter, tripling French text on the wire)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _base_url(service_url: str) -> str:
    return service_url if service_url.endswith("/") else service_url + "/"


class ConnectorFactory(ChannelServiceClientFactoryBase):
    """Used by the SDK for replies and by the messenger for proactive posts."""

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
        self._backoff = backoff
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

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
        session = aiohttp.ClientSession(
            base_url=_base_url(service_url),
            timeout=self._timeout,
            json_serialize=compact_json,
            middlewares=(allow_list_middleware(self._policy), retry_middleware(self._backoff)),
        )
        return TeamsConnectorClient(_base_url(service_url), token, session=session)

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
        # Boussole uses no user sign-in: an unauthenticated client, created without a token fetch.
        return UserTokenClient(USER_TOKEN_SERVICE_URL, "", app_id=self._app_id or "local-dev")
