"""Which bot token to use for a workspace: the configured one, or its OAuth installation's
(rotated with slack_sdk's token rotator when it is about to expire)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator

from adapters.slack.config import SlackConfig

log = logging.getLogger(__name__)

ROTATE_MINUTES_BEFORE_EXPIRY = 120


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
