"""Composition of the Teams adapter: the /api/messages route, its SDK adapter, and the messenger."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter

from adapters.teams.agent import BoussoleAgent, log_turn_error
from adapters.teams.auth import TokenVerifier
from adapters.teams.config import TeamsConfig
from adapters.teams.connector import ConnectorFactory
from adapters.teams.endpoint import MESSAGES_PATH, MessagesEndpoint
from adapters.teams.keys import SigningKeySource
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.references import ConversationStore
from adapters.teams.retry import Backoff, Sleep
from adapters.teams.service_urls import ServiceUrlPolicy
from adapters.teams.tokens import token_provider
from bot.engine import Engine
from bot.ports import Clock

if TYPE_CHECKING:
    from storage.database import Database


class TeamsAdapter:
    """Boussole on Microsoft Teams. `attach(app)` serves POST /api/messages on the shared
    aiohttp server; `messenger` posts ritual messages proactively."""

    def __init__(
        self,
        config: TeamsConfig,
        engine: Engine,
        database: Database,
        clock: Clock,
        *,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        policy = ServiceUrlPolicy(config.allowed_service_hosts)
        self.backoff = Backoff(
            attempts=config.send_attempts,
            base_seconds=config.backoff_base_seconds,
            max_seconds=config.backoff_max_seconds,
            sleep=sleep,
            jitter=jitter,
        )
        self.connectors = ConnectorFactory(
            config.app_id,
            token_provider(config, clock),
            policy,
            self.backoff,
            config.http_timeout_seconds,
        )
        self.conversations = ConversationStore(database.engine)
        self.keys: SigningKeySource | None = None
        verifier: TokenVerifier | None = None
        if config.authenticated:
            self.keys = SigningKeySource(
                config.openid_metadata_url,
                clock,
                timeout_seconds=config.http_timeout_seconds,
                max_age_seconds=config.keys_max_age_seconds,
                refetch_min_interval_seconds=config.keys_refetch_min_interval_seconds,
            )
            verifier = TokenVerifier(
                self.keys,
                clock,
                app_id=config.app_id,
                issuers=config.valid_issuers,
                clock_skew_seconds=config.clock_skew_seconds,
            )
        self.sdk_adapter = CloudAdapter(channel_service_client_factory=self.connectors)
        self.sdk_adapter.on_turn_error = log_turn_error
        self.agent = BoussoleAgent(engine, self.conversations, clock)
        self.endpoint = MessagesEndpoint(
            verifier, policy, self.sdk_adapter, self.agent, max_body_bytes=config.max_body_bytes
        )
        self.messenger = TeamsMessenger(self.connectors, self.conversations, policy, clock)

    def attach(self, app: web.Application) -> None:
        """Add POST /api/messages (guarded by our JWT check, on this route only) and cleanup."""
        app.router.add_post(MESSAGES_PATH, self.endpoint.handle)
        app.on_cleanup.append(self._on_cleanup)

    async def _on_cleanup(self, _app: web.Application) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the signing-key fetcher and the Bot Connector pool (idempotent)."""
        try:
            if self.keys is not None:
                await self.keys.close()
        finally:
            await self.connectors.close()
