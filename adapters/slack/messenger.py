"""`bot.delivery.Messenger` for Slack: posts with the delivery key in message metadata, and
finds a post again in the conversation history so a dropped connection never posts twice.

It asks the rituals' sender for one post per second per workspace (`POST_INTERVAL_SECONDS`,
Slack's documented pace for `chat.postMessage`), never waits out a 429 itself (the sender
puts the row back at `Retry-After`), posts a member's DM to the member's id (Slack answers
with the DM's channel) and remembers DM channel ids and bot tokens a while."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
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

POST_INTERVAL_SECONDS: Final = 1.0
"""Spacing the sender keeps between two posts to one workspace: Slack documents
`chat.postMessage` at about one message per second per channel (short bursts allowed) and
workspace-wide limits beyond; one per second per workspace stays under both. A 429 widens it
for that workspace (see `rituals.pacing`)."""
MAX_DM_CHANNELS: Final = 50_000
"""DM channel ids remembered (least recently used dropped first): a member's DM with the bot
keeps its id, so `conversations.open` is called once per member and process."""
TOKEN_TTL_SECONDS: Final = 60.0
"""How long a workspace's bot token is reused without asking the installation store again."""
MAX_TOKENS: Final = 10_000
MAX_RENDERED: Final = 256
"""Rendered messages remembered (the last ones: a ritual renders the same one per member)."""
#: Errors that may come from a token replaced since it was cached: asked again once, fresh.
AUTH_ERRORS: Final = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)

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

    def __init__(
        self,
        clients: SlackClients,
        tokens: BotTokens,
        *,
        send_interval: float = POST_INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clients = clients
        self.tokens = tokens
        self.send_interval = send_interval
        """Read by the rituals' sender: seconds between two posts to one workspace."""
        self._monotonic = monotonic
        self._dm_channels: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._tokens: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._rendered: OrderedDict[Message, list[SlackMessage]] = OrderedDict()

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery:
        remembered = tenant.external_id in self._tokens
        delivery = await self._send(tenant, target, message, delivery_key)
        if remembered and self._stale_token(tenant, delivery):  # replaced since: once more
            delivery = await self._send(tenant, target, message, delivery_key)
        return delivery

    async def _send(
        self, tenant: Tenant, target: Target, message: Message, delivery_key: str
    ) -> Delivery:
        client = await self._client(tenant)
        if isinstance(client, Delivery):
            return client
        parts = self._render(message)
        try:
            already: dict[str, str] = {}
            if len(parts) > 1:  # resuming a half-sent long message: skip the parts already there
                already = await self._sent_keys(client, await self._channel(client, target))
            # A member's DM: posted to the member's id when its channel id is not known yet
            # (Slack posts it in the bot's DM and answers with the channel: no
            # conversations.open per member); the channel answered is remembered.
            post_to = self._known_channel(client, target) or target.id
            first_id = ""
            for index, part in enumerate(parts):
                key = part_key(delivery_key, index)
                posted = already.get(key)
                if posted is not None:
                    ts = posted
                else:
                    answer = await self._post_once(client, target, post_to, part, key)
                    if answer is None:
                        return Delivery(
                            DeliveryStatus.RETRY, detail="connection lost", uncertain=True
                        )
                    ts, post_to = answer
                first_id = first_id or f"{post_to}:{ts}"
            return Delivery(DeliveryStatus.SENT, platform_message_id=first_id)
        except RateLimited as error:
            return Delivery(DeliveryStatus.RETRY, retry_after=error.retry_after, detail=str(error))
        except SlackApiError as error:
            outcome = classify(error)
            if outcome.detail == "channel_not_found":
                self._dm_channels.pop((tenant.external_id, target.id), None)
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

    def _render(self, message: Message) -> list[SlackMessage]:
        """Block Kit for a message, rendered once for identical messages sent in a row (a
        ritual's reminder to each manager of a workspace)."""
        try:
            cached = self._rendered.get(message)
        except TypeError:  # a message carrying something unhashable: not remembered
            return render_message(message)
        if cached is None:
            cached = self._rendered[message] = render_message(message)
            while len(self._rendered) > MAX_RENDERED:
                self._rendered.popitem(last=False)
        return cached

    def _stale_token(self, tenant: Tenant, delivery: Delivery) -> bool:
        """After an auth error with a remembered token: forget it; True when the store may
        hold another one (worth one more try)."""
        if delivery.status is not DeliveryStatus.FAILED or delivery.detail not in AUTH_ERRORS:
            return False
        return self._tokens.pop(tenant.external_id, None) is not None

    async def _client(self, tenant: Tenant) -> TeamWebClient | Delivery:
        if not tenant.active:
            return Delivery(DeliveryStatus.FAILED, detail="tenant inactive")
        token = await self._token(tenant.external_id)
        if not token:
            return Delivery(DeliveryStatus.FAILED, detail="app not installed")
        return self.clients.for_team(tenant.external_id, token, max_wait=0.0)

    async def prepare(self, tenants: Collection[Tenant]) -> None:
        """Before sends to these workspaces: the bot tokens not remembered are read in one
        statement, not one per workspace (`bot.delivery.PreparesSends`)."""
        now = self._monotonic()
        wanted = {
            tenant.external_id
            for tenant in tenants
            if tenant.active and self._remembered_token(tenant.external_id, now) is None
        }
        if wanted:
            for team_id, token in (await self.tokens.bot_tokens(wanted)).items():
                self._remember_token(team_id, token, now)

    async def _token(self, team_id: str) -> str | None:
        """The workspace's bot token, from the installation store at most every
        `TOKEN_TTL_SECONDS` (rotation happens there, long before a token expires)."""
        now = self._monotonic()
        cached = self._remembered_token(team_id, now)
        if cached is not None:
            return cached
        token = await self.tokens.bot_token(team_id)
        if token:
            self._remember_token(team_id, token, now)
        else:
            self._tokens.pop(team_id, None)
        return token

    def _remembered_token(self, team_id: str, now: float) -> str | None:
        cached = self._tokens.get(team_id)
        return cached[0] if cached is not None and cached[1] > now else None

    def _remember_token(self, team_id: str, token: str, now: float) -> None:
        self._tokens[team_id] = (token, now + TOKEN_TTL_SECONDS)
        self._tokens.move_to_end(team_id)
        while len(self._tokens) > MAX_TOKENS:
            self._tokens.popitem(last=False)

    def _known_channel(self, client: TeamWebClient, target: Target) -> str | None:
        """The channel to post to when known without asking Slack."""
        if target.kind is TargetKind.CHANNEL:
            return target.id
        key = (client.team_id, target.id)
        channel = self._dm_channels.get(key)
        if channel is not None:
            self._dm_channels.move_to_end(key)
        return channel

    def _remember_dm(self, client: TeamWebClient, target: Target, channel: str) -> None:
        if target.kind is not TargetKind.MEMBER or not channel or channel == target.id:
            return
        self._dm_channels[(client.team_id, target.id)] = channel
        self._dm_channels.move_to_end((client.team_id, target.id))
        while len(self._dm_channels) > MAX_DM_CHANNELS:
            self._dm_channels.popitem(last=False)

    async def _channel(self, client: TeamWebClient, target: Target) -> str:
        """The conversation's id (for its history): a member's DM is opened if not known."""
        channel = self._known_channel(client, target)
        if channel is None:
            opened = await client.conversations_open(users=target.id)
            channel = str(opened["channel"]["id"])
            self._remember_dm(client, target, channel)
        return channel

    async def _post_once(
        self, client: TeamWebClient, target: Target, channel: str, part: SlackMessage, key: str
    ) -> tuple[str, str] | None:
        """Post; (ts, channel it landed in), or None when its fate is unknown. After a dropped
        connection, look for the post before trying again (once)."""
        for attempt in range(2):
            try:
                response = await client.post_message(
                    channel=channel,
                    **part.as_kwargs(),
                    metadata=delivery_metadata(key),
                    unfurl_links=False,
                    unfurl_media=False,
                )
                landed = str(response.get("channel") or channel)
                self._remember_dm(client, target, landed)
                return str(response["ts"]), landed
            except _CONNECTION_ERRORS as error:
                log.warning("Slack post %s: connection lost (%r), reconciling", key, error)
                try:
                    history = await self._channel(client, target)
                    found = (await self._sent_keys(client, history)).get(key)
                except (*_CONNECTION_ERRORS, SlackApiError, RateLimited):
                    return None  # unknown fate: the caller retries after reconciling
                if found:
                    return found, history
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
