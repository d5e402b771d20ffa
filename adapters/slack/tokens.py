"""Which bot token to use for a workspace: the configured one, or its OAuth installation's
(rotated with slack_sdk's token rotator when it is about to expire)."""

from __future__ import annotations

import logging
from collections.abc import Collection

from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from sqlalchemy import desc, select

from adapters.slack.config import SlackConfig

log = logging.getLogger(__name__)

ROTATE_MINUTES_BEFORE_EXPIRY = 120
TEAMS_PER_READ = 500
"""Workspaces whose tokens one statement of `bot_tokens` reads at most."""


class BotTokens:
    def __init__(
        self,
        config: SlackConfig,
        installation_store: AsyncInstallationStore | None,
        rotator: AsyncTokenRotator | None = None,
    ) -> None:
        self.config = config
        self.installation_store = installation_store
        self.rotator = rotator

    async def bot_token(self, team_id: str) -> str | None:
        """The token to post in `team_id`, or None when the app is not installed there."""
        if self.installation_store is None:
            return self.config.bot_token
        bot = await self.installation_store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            return None
        if self.rotator is not None and bot.bot_refresh_token:
            try:
                refreshed = await self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE_EXPIRY
                )
            except SlackClientError:
                log.warning("Slack token rotation failed for %s", team_id, exc_info=True)
                refreshed = None
            if refreshed is not None:
                await self.installation_store.async_save_bot(refreshed)
                return refreshed.bot_token
        return bot.bot_token

    async def bot_tokens(self, team_ids: Collection[str]) -> dict[str, str]:
        """The tokens of several workspaces at once, as `bot_token` would give each: the latest
        installation's. A workspace left out (not installed, or its token due for rotation
        checks) is for `bot_token` to answer alone."""
        if self.installation_store is None:
            token = self.config.bot_token
            return dict.fromkeys(team_ids, token) if token else {}
        # Imported here: a start without OAuth does not load the SQLAlchemy stores.
        from slack_sdk.oauth.installation_store.sqlalchemy import (
            AsyncSQLAlchemyInstallationStore,
        )

        store = self.installation_store
        if not isinstance(store, AsyncSQLAlchemyInstallationStore):
            return {}
        bots = store.bots.c
        wanted = sorted(set(team_ids))
        tokens: dict[str, str] = {}
        async with store.engine.connect() as connection:
            for start in range(0, len(wanted), TEAMS_PER_READ):
                rows = await connection.execute(
                    select(bots.team_id, bots.bot_token, bots.bot_refresh_token)
                    .where(
                        bots.client_id == store.client_id,
                        bots.enterprise_id.is_(None),
                        bots.team_id.in_(wanted[start : start + TEAMS_PER_READ]),
                        bots.bot_token.is_not(None),
                    )
                    .order_by(bots.team_id, desc(bots.installed_at))
                )
                seen: set[str] = set()
                for team_id, token, refresh_token in rows:
                    if team_id in seen:
                        continue  # an older installation of a workspace already read
                    seen.add(team_id)
                    if token and not (self.rotator is not None and refresh_token):
                        tokens[team_id] = token
        return tokens
