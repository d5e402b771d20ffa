"""`SlackAdapter`: wires the Bolt app, its listeners, the HTTP routes, Socket Mode and the
messenger for the composition root.

Socket Mode's handler is imported only when it connects (SLACK_APP_TOKEN), and the OAuth flow
with slack_sdk's SQLAlchemy stores only for multi-workspace installs (`adapters.slack.oauth`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator

from adapters.slack.clients import SlackApiClient, SlackClients
from adapters.slack.config import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH, SlackConfig
from adapters.slack.handlers import SlackHandlers
from adapters.slack.http import SlackHttp
from adapters.slack.messenger import SlackMessenger
from adapters.slack.responder import Responder
from adapters.slack.tasks import BackgroundTasks
from adapters.slack.tenants import set_tenant_active
from adapters.slack.tokens import BotTokens
from bot.clock import SystemClock
from bot.engine import Engine
from bot.i18n import translate
from bot.model import Locale
from bot.ports import Clock
from storage.database import Database

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

log = logging.getLogger(__name__)


class SlackAdapter:
    """Boussole on Slack. `attach(web_app)` adds the HTTP routes; `start_socket_mode()` connects
    over a WebSocket instead when an app token is configured; `messenger` posts proactively."""

    def __init__(
        self,
        config: SlackConfig,
        engine: Engine,
        database: Database,
        clock: Clock | None = None,
        *,
        authorization_url: str | None = None,
    ) -> None:
        """`authorization_url`: where /slack/install sends the user (Slack's by default)."""
        self.config = config
        self.engine = engine
        self.database = database
        self.clock: Clock = clock or SystemClock()
        self.tasks = BackgroundTasks()
        self.clients = SlackClients(config)
        self._socket_mode: AsyncSocketModeHandler | None = None

        # Bolt's own calls (auth.test, oauth.v2.access, token rotation) go to the same API.
        self.api_client = SlackApiClient(
            token=config.bot_token if not config.multi_workspace else None,
            base_url=config.api_base_url,
            timeout=config.http_timeout_seconds,
            retry_handlers=[self.clients.rate_limit_handler("")],
        )
        locale = Locale(engine.default_locale)
        app_options: dict[str, Any] = {
            "name": config.app_name,
            "signing_secret": config.signing_secret,
            "client": self.api_client,
            "user_facing_authorize_error_message": translate(locale, "error.inactive"),
        }
        self.installation_store = None
        rotator = None
        if config.multi_workspace:
            from adapters.slack import oauth

            self.installation_store = oauth.installation_store(config, database.engine)
            states = oauth.state_store(config, database.engine)
            app_options["oauth_settings"] = oauth.oauth_settings(
                config,
                self.installation_store,
                states,
                self.set_active,
                authorization_url=authorization_url or oauth.AUTHORIZE_URL,
            )
            app_options["authorize"] = AsyncInstallationStoreAuthorize(
                logger=log,
                installation_store=self.installation_store,
                client_id=config.client_id,
                client_secret=config.client_secret,
                client=self.api_client,
                cache_enabled=True,
            )
            assert config.client_id is not None and config.client_secret is not None
            rotator = AsyncTokenRotator(
                client_id=config.client_id,
                client_secret=config.client_secret,
                client=self.api_client,
            )
        self.app = AsyncApp(**app_options)

        self.responder = Responder(self.clients, engine)
        self.handlers = SlackHandlers(
            config=config,
            engine=engine,
            clock=self.clock,
            responder=self.responder,
            tasks=self.tasks,
            set_active=self.set_active,
            installation_store=self.installation_store,
        )
        self.handlers.register(self.app)
        self.messenger = SlackMessenger(
            self.clients, BotTokens(config, self.installation_store, rotator)
        )
        self.http = SlackHttp(
            self.app,
            signing_secret=config.signing_secret,
            tasks=self.tasks,
            max_body_bytes=config.max_body_bytes,
            ack_deadline_seconds=config.ack_deadline_seconds,
        )

    async def set_active(self, team_id: str, active: bool) -> bool:
        return await set_tenant_active(self.database.engine, team_id, active)

    def attach(self, web_app: web.Application) -> None:
        """POST /slack/events (commands, interactivity, events); GET /slack/install and
        /slack/oauth_redirect when installing into many workspaces; a cleanup hook."""
        web_app.router.add_post(EVENTS_PATH, self.http.events)
        if self.config.multi_workspace:
            web_app.router.add_get(INSTALL_PATH, self.http.install)
            web_app.router.add_get(REDIRECT_PATH, self.http.oauth_redirect)
        web_app.on_cleanup.append(self._on_cleanup)

    async def _on_cleanup(self, _web_app: web.Application) -> None:
        await self.close()

    async def start_socket_mode(self) -> None:
        """Connect to Slack over Socket Mode (no public URL needed). Requires an app token."""
        if not self.config.app_token:
            raise RuntimeError("Socket Mode needs SLACK_APP_TOKEN")
        if self._socket_mode is None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket_mode = AsyncSocketModeHandler(
                self.app, self.config.app_token, web_client=self.api_client
            )
            await self._socket_mode.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack Socket Mode connected")

    async def drain(self) -> None:
        """Wait for every acknowledged request to be fully processed (tests, shutdown)."""
        await self.tasks.drain()

    async def close(self) -> None:
        if self._socket_mode is not None:
            await self._socket_mode.close_async()  # type: ignore[no-untyped-call]
            self._socket_mode = None
        await self.tasks.close()
        await self.clients.close()
