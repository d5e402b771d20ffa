"""Multi-workspace install: slack_sdk's async SQLAlchemy installation and OAuth-state stores on
our database (tables from migration 0002_slack), Bolt's OAuth v2 flow and token rotation."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.config import INSTALL_PATH, REDIRECT_PATH, SlackConfig
from storage.slack_models import (
    SLACK_BOTS_TABLE,
    SLACK_INSTALLATIONS_TABLE,
    SLACK_OAUTH_STATES_TABLE,
)

log = logging.getLogger(__name__)

AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"

SetActive = Callable[[str, bool], Awaitable[bool]]


def installation_store(
    config: SlackConfig, engine: AsyncEngine
) -> AsyncSQLAlchemyInstallationStore:
    assert config.client_id is not None
    return AsyncSQLAlchemyInstallationStore(
        client_id=config.client_id,
        engine=engine,
        bots_table_name=SLACK_BOTS_TABLE,
        installations_table_name=SLACK_INSTALLATIONS_TABLE,
        logger=log,
    )


def state_store(config: SlackConfig, engine: AsyncEngine) -> AsyncSQLAlchemyOAuthStateStore:
    return AsyncSQLAlchemyOAuthStateStore(
        expiration_seconds=config.state_expiration_seconds,
        engine=engine,
        logger=log,
        table_name=SLACK_OAUTH_STATES_TABLE,
    )


def oauth_settings(
    config: SlackConfig,
    installations: AsyncSQLAlchemyInstallationStore,
    states: AsyncSQLAlchemyOAuthStateStore,
    set_active: SetActive,
    *,
    authorization_url: str = AUTHORIZE_URL,
) -> AsyncOAuthSettings:
    """Bolt's OAuth settings: install at /slack/install, callback at /slack/oauth_redirect;
    a successful (re)install switches the workspace's tenant back on."""

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        team_id = args.installation.team_id
        if team_id:
            await set_active(team_id, True)
            log.info("Slack workspace %s installed Boussole", team_id)
        return await args.default.success(args)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        log.warning("Slack install failed: %s", args.reason)
        return await args.default.failure(args)

    return AsyncOAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(config.scopes),
        user_scopes=[],
        redirect_uri=config.url(REDIRECT_PATH) if config.public_base_url else None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url,
        installation_store=installations,
        state_store=states,
        state_expiration_seconds=config.state_expiration_seconds,
        callback_options=AsyncCallbackOptions(success=success, failure=failure),
        logger=log,
    )
