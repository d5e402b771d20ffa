"""`bot.delivery.Messenger` for Slack: posts with the delivery key in message metadata, and
finds a post again in the conversation history so a dropped connection never posts twice."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import aiohttp
from slack_sdk.errors import SlackApiError

from adapters.slack.clients import RateLimited, SlackClients, TeamWebClient, retry_after_seconds
from adapters.slack.render import SlackMessage, render_message
from adapters.slack.tokens import BotTokens
from bot.delivery import Delivery, DeliveryStatus, Target, TargetKind
from bot.messages import Message
from bot.model import Tenant

log = logging.getLogger(__name__)

DELIVERY_EVENT_TYPE: Final = "boussole_delivery"
HISTORY_PAGE: Final = 100

#: Errors after which sending again cannot help.
FAILED_ERRORS: Final = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "channel_not_found",
        "user_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "invalid_metadata_format",
        "team_access_not_granted",
        "org_login_required",
        "ekm_access_denied",
    }
)
#: The conversation refuses writes from the bot.
BLOCKED_ERRORS: Final = frozenset(
    {"not_in_channel", "is_archived", "restricted_action", "channel_is_archived"}
)
RETRY_ERRORS: Final = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)

_CONNECTION_ERRORS: Final = (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError)


def delivery_metadata(delivery_key: str) -> dict[str, Any]:
    return {"event_type": DELIVERY_EVENT_TYPE, "event_payload": {"delivery_key": delivery_key}}


def part_key(delivery_key: str, index: int) -> str:
    """The key of the index-th Slack message of a message split in several."""
    return delivery_key if index == 0 else f"{delivery_key}#{index + 1}"


def classify(error: SlackApiError) -> Delivery:
    """A Slack API error as a delivery outcome."""
    response = error.response
    status = getattr(response, "status_code", 0)
    data = getattr(response, "data", None)
    code = str(data.get("error", "")) if isinstance(data, dict) else ""
    if status == 429 or code == "ratelimited":
        headers = getattr(response, "headers", None)
        return Delivery(DeliveryStatus.RETRY, retry_after=retry_after_seconds(headers), detail=code)
    if code in BLOCKED_ERRORS:
        return Delivery(DeliveryStatus.BLOCKED, detail=code)
    if status >= 500 or code in RETRY_ERRORS:
        return Delivery(DeliveryStatus.RETRY, detail=code or f"http {status}")
    return Delivery(DeliveryStatus.FAILED, detail=code or f"http {status}")


class SlackMessenger:
    """Posts neutral messages to Slack channels or members' direct messages."""

    platform = "slack"

    def __init__(self, clients: SlackClients, tokens: BotTokens) -> None:
        self.clients = clients
        self.tokens = tokens

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery:
        client = await self._client(tenant)
        if isinstance(client, Delivery):
            return client
        parts = render_message(message)
        try:
            channel = await self._channel(client, target)
            already: dict[str, str] = {}
            if len(parts) > 1:  # resuming a half-sent long message: skip the parts already there
                already = await self._sent_keys(client, channel)
            first_id = ""
            for index, part in enumerate(parts):
                key = part_key(delivery_key, index)
                ts = already.get(key) or await self._post_once(client, channel, part, key)
                if ts is None:
                    return Delivery(DeliveryStatus.RETRY, detail="connection lost", uncertain=True)
                first_id = first_id or f"{channel}:{ts}"
            return Delivery(DeliveryStatus.SENT, platform_message_id=first_id)
        except RateLimited as error:
            return Delivery(DeliveryStatus.RETRY, retry_after=error.retry_after, detail=str(error))
        except SlackApiError as error:
            outcome = classify(error)
            log.warning("Slack delivery %s for %s: %s", outcome.status, tenant.external_id, error)
            return outcome
        except _CONNECTION_ERRORS as error:
            detail = f"connection lost: {error!r}"
            return Delivery(DeliveryStatus.RETRY, detail=detail, uncertain=True)

    async def find_sent(self, tenant: Tenant, target: Target, delivery_key: str) -> Delivery | None:
        """The post carrying `delivery_key`, None when positively absent, or a RETRY delivery
        when Slack cannot be asked right now."""
        client = await self._client(tenant)
        if isinstance(client, Delivery):
            return client
        try:
            channel = await self._channel(client, target)
            ts = (await self._sent_keys(client, channel)).get(delivery_key)
        except RateLimited as error:
            return Delivery(DeliveryStatus.RETRY, retry_after=error.retry_after, detail=str(error))
        except SlackApiError as error:
            outcome = classify(error)
            return outcome if outcome.status is DeliveryStatus.RETRY else None
        except _CONNECTION_ERRORS as error:
            return Delivery(DeliveryStatus.RETRY, detail=f"connection lost: {error!r}")
        return Delivery(DeliveryStatus.SENT, platform_message_id=f"{channel}:{ts}") if ts else None

    async def _client(self, tenant: Tenant) -> TeamWebClient | Delivery:
        if not tenant.active:
            return Delivery(DeliveryStatus.FAILED, detail="tenant inactive")
        token = await self.tokens.bot_token(tenant.external_id)
        if not token:
            return Delivery(DeliveryStatus.FAILED, detail="app not installed")
        return self.clients.for_team(tenant.external_id, token)

    async def _channel(self, client: TeamWebClient, target: Target) -> str:
        if target.kind is TargetKind.CHANNEL:
            return target.id
        opened = await client.conversations_open(users=target.id)
        return str(opened["channel"]["id"])

    async def _post_once(
        self, client: TeamWebClient, channel: str, part: SlackMessage, key: str
    ) -> str | None:
        """Post; after a dropped connection, look for the post before trying again (once)."""
        for attempt in range(2):
            try:
                response = await client.chat_postMessage(
                    channel=channel,
                    **part.as_kwargs(),
                    metadata=delivery_metadata(key),
                    unfurl_links=False,
                    unfurl_media=False,
                )
                return str(response["ts"])
            except _CONNECTION_ERRORS as error:
                log.warning("Slack post %s: connection lost (%r), reconciling", key, error)
                try:
                    found = (await self._sent_keys(client, channel)).get(key)
                except (*_CONNECTION_ERRORS, SlackApiError, RateLimited):
                    return None  # unknown fate: the caller retries after reconciling
                if found:
                    return found
                if attempt == 1:
                    return None
        return None  # pragma: no cover - the loop always returns

    async def _sent_keys(self, client: TeamWebClient, channel: str) -> dict[str, str]:
        """Delivery keys of the bot's recent posts in `channel`, with their ts."""
        history = await client.conversations_history(
            channel=channel, include_all_metadata=True, limit=HISTORY_PAGE
        )
        keys: dict[str, str] = {}
        for item in history.get("messages") or ():
            metadata = item.get("metadata") if isinstance(item, dict) else None
            if not isinstance(metadata, dict) or metadata.get("event_type") != DELIVERY_EVENT_TYPE:
                continue
            payload = metadata.get("event_payload")
            key = payload.get("delivery_key") if isinstance(payload, dict) else None
            if isinstance(key, str) and key not in keys:
                keys[key] = str(item.get("ts", ""))
        return keys
