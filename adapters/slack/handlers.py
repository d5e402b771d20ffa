"""Bolt listeners: acknowledge Slack at once, then turn each request into a core call whose
`Reply` the responder shows. One workspace's request only ever reaches its own tenant."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from adapters.slack import inbound
from adapters.slack.config import SlackConfig
from adapters.slack.modals import (
    decode_metadata,
    errors_response,
    form_values,
    form_view,
    is_openable,
)
from adapters.slack.render import base_action
from adapters.slack.responder import Responder, Where
from adapters.slack.tasks import BackgroundTasks
from bot import actions
from bot.engine import Engine
from bot.i18n import translate
from bot.messages import Message
from bot.model import Locale
from bot.ports import Clock
from bot.requests import Actor, Command, Interaction, Reply, TenantRef

log = logging.getLogger(__name__)

#: The share of the ack deadline a modal submission waits for the core before closing the
#: modal and answering later (field errors can only be shown while Slack still waits).
SUBMIT_WAIT_SHARE = 0.75

FORM_ACTIONS = (actions.LOG_RESULT, actions.SHARE_RETEX)
SUBMIT_ACTIONS = (actions.SUBMIT_RESULT, actions.SUBMIT_RETEX)

SetActive = Callable[[str, bool], Awaitable[bool]]


def action_pattern(*action_ids: str) -> re.Pattern[str]:
    """Matches the rendered ids of these actions ("cap.ack", "cap.ack:2", ...)."""
    alternatives = "|".join(re.escape(a) for a in action_ids)
    return re.compile(rf"^(?:{alternatives})(?::\d+)?$")


class SlackHandlers:
    def __init__(
        self,
        *,
        config: SlackConfig,
        engine: Engine,
        clock: Clock,
        responder: Responder,
        tasks: BackgroundTasks,
        set_active: SetActive,
        installation_store: AsyncInstallationStore | None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.clock = clock
        self.responder = responder
        self.tasks = tasks
        self.set_active = set_active
        self.installation_store = installation_store
        self.locale = Locale(engine.default_locale)

    def register(self, app: AsyncApp) -> None:
        commands = "|".join(re.escape(name) for name in self.config.command_names)
        app.command(re.compile(rf"^(?:{commands})$"))(self.on_command)
        app.command(re.compile(r".*"))(self.on_other_request)  # a name no longer configured
        app.action(action_pattern(actions.ACK_CAP))(self.on_ack)
        app.action(action_pattern(*FORM_ACTIONS))(self.on_form_button)
        app.action(re.compile(r".*"))(self.on_other_request)  # e.g. a button of an old message
        for callback_id in SUBMIT_ACTIONS:
            app.view(callback_id)(self.on_submit)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("app_uninstalled")(self.on_app_uninstalled)
        app.event("tokens_revoked")(self.on_tokens_revoked)

    # --- slash commands --------------------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        where = self._where(body, context, response_url=str(body.get("response_url") or ""))
        self._spawn(self._command(body, context, where), where, "slack-command")

    async def _command(
        self, body: Mapping[str, Any], context: AsyncBoltContext, where: Where
    ) -> None:
        core = self.config.core_command(str(body.get("command") or ""))
        if core is None:
            return
        text, mentions = inbound.command_text(core, str(body.get("text") or ""))
        tenant, actor = self._tenant(body, context), inbound.actor_of(body)
        if core == "retex" and text == core:  # a bare /retex opens the retex modal
            await self._open_form(tenant, actor, actions.SHARE_RETEX, "", body, where)
            return
        command = Command(
            tenant=tenant,
            actor=actor,
            text=text,
            received_at=self.clock.now(),
            channel=where.channel,
            request_key=inbound.command_key(body),
            mentions=mentions,
        )
        reply = await self.engine.handle(command)
        await self.responder.deliver(reply, where, tenant, actor)

    # --- buttons ---------------------------------------------------------------------------

    async def on_ack(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        where = self._action_where(body, context)
        tenant, actor = self._tenant(body, context), inbound.actor_of(body)
        interaction = Interaction(
            tenant=tenant,
            actor=actor,
            action=actions.ACK_CAP,
            received_at=self.clock.now(),
            value=str(action.get("value") or ""),
            channel=where.channel,
            request_key=inbound.action_key(body, action),
        )
        self._spawn(self._interact(interaction, where), where, "slack-ack")

    async def on_form_button(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        where = self._action_where(body, context)
        tenant, actor = self._tenant(body, context), inbound.actor_of(body)
        core_action = base_action(str(action.get("action_id") or ""))
        value = str(action.get("value") or "")
        self._spawn(
            self._open_form(tenant, actor, core_action, value, body, where), where, "slack-form"
        )

    async def on_other_request(self, ack: AsyncAck) -> None:
        await ack()

    async def _interact(self, interaction: Interaction, where: Where) -> None:
        reply = await self.engine.interact(interaction)
        await self.responder.deliver(reply, where, interaction.tenant, interaction.actor)

    async def _open_form(
        self,
        tenant: TenantRef,
        actor: Actor,
        action: str,
        value: str,
        body: Mapping[str, Any],
        where: Where,
    ) -> None:
        form = await self.engine.open_form(tenant, actor, action, value)
        if not is_openable(form):  # e.g. no quick win to log a result for: just say so
            await self.responder.personal(Message(form.intro or form.title), where)
            return
        metadata = {"channel": where.channel, "response_url": where.response_url}
        view = form_view(form, metadata={k: v for k, v in metadata.items() if v})
        await self.responder.client(where).views_open(
            trigger_id=str(body.get("trigger_id") or ""), view=view
        )

    # --- modal submissions -----------------------------------------------------------------

    async def on_submit(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        view = body.get("view")
        if not isinstance(view, dict):
            await ack()
            return
        values = form_values(view.get("state"))
        metadata = decode_metadata(view.get("private_metadata"))
        where = Where(
            team_id=str(context.team_id or ""),
            token=str(context.bot_token or ""),
            user_id=inbound.actor_of(body).external_id,
            channel=metadata.get("channel", ""),
            response_url=metadata.get("response_url", ""),
        )
        tenant, actor = self._tenant(body, context), inbound.actor_of(body)
        interaction = Interaction(
            tenant=tenant,
            actor=actor,
            action=str(view.get("callback_id") or ""),
            received_at=self.clock.now(),
            form=values,
            channel=where.channel,
            request_key=inbound.view_key(body),
        )
        applying = self.tasks.spawn(self.engine.interact(interaction), name="slack-submit")
        wait = self.config.ack_deadline_seconds * SUBMIT_WAIT_SHARE
        done, _ = await asyncio.wait({applying}, timeout=wait)
        if applying in done and applying.exception() is None:
            reply = applying.result()
            if reply.field_errors and not reply.duplicate:
                await ack(**errors_response(reply.field_errors, set(values)))
                return
            await ack()
            self._spawn(self.responder.deliver(reply, where, tenant, actor), where, "slack-reply")
            return
        await ack()  # the core is slow (or failed): close the modal, answer when it is done
        self._spawn(self._answer_late(applying, where, tenant, actor), where, "slack-late")

    async def _answer_late(
        self, applying: asyncio.Task[Reply], where: Where, tenant: TenantRef, actor: Actor
    ) -> None:
        """The modal is closed: errors included, the reply's messages say it all."""
        reply = await applying
        await self.responder.deliver(reply, where, tenant, actor)

    # --- events ----------------------------------------------------------------------------

    async def on_home_opened(
        self, ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        if event.get("tab") != "home":
            return
        user_id = str(event.get("user") or "")
        where = Where(str(context.team_id or ""), str(context.bot_token or ""), user_id)
        actor = Actor(user_id, "")  # no name in this event: keep the one we know
        self._spawn(
            self.responder.publish_home(self._tenant(body, context), actor, where),
            where,
            "slack-home",
        )

    async def on_app_uninstalled(self, ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        self.tasks.spawn(self._uninstalled(context.enterprise_id, str(context.team_id or "")))

    async def _uninstalled(self, enterprise_id: str | None, team_id: str) -> None:
        if self.installation_store is not None:
            await self.installation_store.async_delete_all(
                enterprise_id=enterprise_id, team_id=team_id
            )
        await self.set_active(team_id, False)
        log.info("Slack workspace %s uninstalled Boussole: tenant disabled", team_id)

    async def on_tokens_revoked(
        self, ack: AsyncAck, event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        tokens = event.get("tokens")
        if not isinstance(tokens, dict):
            tokens = {}
        users = [str(user) for user in tokens.get("oauth") or ()]
        self.tasks.spawn(
            self._revoked(
                context.enterprise_id, str(context.team_id or ""), users, bool(tokens.get("bot"))
            )
        )

    async def _revoked(
        self, enterprise_id: str | None, team_id: str, users: list[str], bot: bool
    ) -> None:
        store = self.installation_store
        if store is not None:
            for user_id in users:
                await store.async_delete_installation(
                    enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
                )
        if bot:
            if store is not None:
                await store.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
            await self.set_active(team_id, False)
            log.info("Slack workspace %s revoked Boussole's bot token: tenant disabled", team_id)

    # --- plumbing --------------------------------------------------------------------------

    def _tenant(self, body: Mapping[str, Any], context: AsyncBoltContext) -> TenantRef:
        """The workspace Bolt authorised (whose token answers): the only tenant it may touch."""
        team_id, team_name = inbound.team_of(body)
        return inbound.tenant_ref(str(context.team_id or team_id), team_name)

    def _where(
        self, body: Mapping[str, Any], context: AsyncBoltContext, *, response_url: str = ""
    ) -> Where:
        return Where(
            team_id=str(context.team_id or inbound.team_of(body)[0]),
            token=str(context.bot_token or ""),
            user_id=inbound.actor_of(body).external_id,
            channel=inbound.channel_of(body),
            response_url=response_url,
        )

    def _action_where(self, body: Mapping[str, Any], context: AsyncBoltContext) -> Where:
        container = body.get("container")
        if not isinstance(container, dict):
            container = {}
        return Where(
            team_id=str(context.team_id or inbound.team_of(body)[0]),
            token=str(context.bot_token or ""),
            user_id=inbound.actor_of(body).external_id,
            channel=inbound.channel_of(body) or str(container.get("channel_id") or ""),
            response_url=str(body.get("response_url") or ""),
            message_ts=str(container.get("message_ts") or ""),
            from_ephemeral=bool(container.get("is_ephemeral")),
        )

    def _spawn(self, work: Coroutine[Any, Any, None], where: Where, name: str) -> None:
        self.tasks.spawn(self._safely(work, where), name=name)

    async def _safely(self, work: Coroutine[Any, Any, None], where: Where) -> None:
        """Run background work; if it fails, the person is told (never left waiting)."""
        try:
            await work
        except Exception:
            log.exception("Slack request failed in team %s", where.team_id)
            text = translate(
                self.locale, "error.prefix", message=translate(self.locale, "error.internal")
            )
            try:
                await self.responder.personal(Message(text), where)
            except Exception:
                log.exception("Could not tell the user about the failure")
