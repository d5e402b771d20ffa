"""Shows the core's `Reply` to a Slack user: ephemeral answers, channel posts, the replaced
message that carried a button, and the refreshed App Home."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Final

import aiohttp
from slack_sdk.errors import SlackApiError

from adapters.slack.clients import SlackClients, TeamWebClient
from adapters.slack.render import SlackMessage, render_home, render_message
from bot.engine import Engine
from bot.messages import Message
from bot.requests import Actor, Reply, TenantRef

log = logging.getLogger(__name__)

_CONNECTION_ERRORS: Final = (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError)
#: chat.postMessage errors after which the command's response_url can still post in channel.
_NOT_A_MEMBER: Final = frozenset({"not_in_channel", "channel_not_found"})


@dataclass(frozen=True, slots=True)
class Where:
    """Where a request came from and how to answer there."""

    team_id: str
    token: str
    user_id: str
    channel: str = ""
    response_url: str = ""
    message_ts: str = ""  # the message carrying the clicked button, if any
    from_ephemeral: bool = False


class Responder:
    def __init__(self, clients: SlackClients, engine: Engine) -> None:
        self.clients = clients
        self.engine = engine
        self._home_refreshes: dict[tuple[str, str], bool] = {}
        """(team, user) → whether another refresh was asked for while one is running."""

    def client(self, where: Where) -> TeamWebClient:
        return self.clients.for_team(where.team_id, where.token)

    async def deliver(self, reply: Reply, where: Where, tenant: TenantRef, actor: Actor) -> None:
        """Everything a reply asks for, in order; a duplicate delivery shows nothing."""
        if reply.duplicate:
            return
        if reply.replacement is not None:
            await self.replace(reply.replacement, where)
        for message in reply.messages:
            if message.is_personal:
                await self.personal(message, where)
            else:
                await self.public(message, where)
        if reply.changed:
            await self.publish_home(tenant, actor, where)

    async def personal(self, message: Message, where: Where) -> None:
        """Only the actor sees it: response_url (ephemeral), else chat.postEphemeral in the
        channel, else a direct message from the app."""
        for part in render_message(message):
            await self._guard(self._personal_part(part, where), "personal answer")

    async def _personal_part(self, part: SlackMessage, where: Where) -> None:
        if where.response_url:
            response = await self.clients.webhook(where.team_id, where.response_url).send(
                response_type="ephemeral", replace_original=False, **part.as_kwargs()
            )
            if response.status_code == 200:
                return
            log.warning("Slack response_url refused an answer: %s", response.status_code)
        if where.channel and not where.channel.startswith("D"):
            try:
                await self.client(where).chat_postEphemeral(
                    channel=where.channel, user=where.user_id, **part.as_kwargs()
                )
                return
            except SlackApiError as error:
                log.info("chat.postEphemeral refused (%s): direct message instead", error)
        await self.client(where).post_message(
            channel=where.user_id, unfurl_links=False, unfurl_media=False, **part.as_kwargs()
        )

    async def public(self, message: Message, where: Where) -> None:
        """The whole conversation sees it (chat.postMessage); a private channel the app has not
        joined still gets it through the command's response_url."""
        channel = where.channel or where.user_id
        for part in render_message(message):
            await self._guard(self._public_part(part, channel, where), "channel post")

    async def _public_part(self, part: SlackMessage, channel: str, where: Where) -> None:
        try:
            await self.client(where).post_message(
                channel=channel, unfurl_links=False, unfurl_media=False, **part.as_kwargs()
            )
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            if code not in _NOT_A_MEMBER or not where.response_url:
                raise
            await self.clients.webhook(where.team_id, where.response_url).send(
                response_type="in_channel", replace_original=False, **part.as_kwargs()
            )

    async def replace(self, message: Message, where: Where) -> None:
        """New content for the message that carried the clicked button."""
        part = render_message(message)[0]
        if where.message_ts and where.channel and not where.from_ephemeral:
            try:
                await self.client(where).chat_update(
                    channel=where.channel, ts=where.message_ts, **part.as_kwargs()
                )
                return
            except SlackApiError as error:
                if not where.response_url:
                    log.warning("chat.update failed: %s", error)
                    return
        if where.response_url:
            await self._guard(
                self.clients.webhook(where.team_id, where.response_url).send(
                    replace_original=True, **part.as_kwargs()
                ),
                "message replacement",
            )

    async def publish_home(self, tenant: TenantRef, actor: Actor, where: Where) -> None:
        """Refresh the actor's App Home tab with the core's home view.

        Refreshes asked for while one is running for the same person are merged into one
        more, run after it (it reads the state then): the tab still ends up current, with
        one read and one `views.publish` per burst of changes instead of one per change."""
        key = (where.team_id, actor.external_id)
        if key in self._home_refreshes:
            self._home_refreshes[key] = True
            return
        self._home_refreshes[key] = False
        try:
            while True:
                home = await self.engine.home(tenant, actor)
                await self._guard(
                    self.client(where).views_publish(
                        user_id=actor.external_id, view=render_home(home)
                    ),
                    "home",
                )
                if not self._home_refreshes[key]:
                    return
                self._home_refreshes[key] = False
        finally:
            del self._home_refreshes[key]

    async def _guard(self, call: Awaitable[object], what: str) -> None:
        """Await one Slack call; its failure is logged, never retried blindly (no duplicates)."""
        try:
            await call
        except SlackApiError as error:
            log.warning("Slack refused the %s: %s", what, error)
        except _CONNECTION_ERRORS as error:
            log.warning("Slack connection lost sending the %s: %r", what, error)
