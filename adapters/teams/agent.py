"""The Agents SDK turn handler: remembers conversations, hands commands and clicks to the core."""

from __future__ import annotations

import hashlib
import logging

from microsoft_agents.activity import Activity, ActivityTypes, Attachment
from microsoft_agents.hosting.core import ActivityHandler, TurnContext

from adapters.teams.inbound import (
    CardSubmission,
    actor_of,
    card_submission,
    channel_of,
    command_text,
    tenant_of,
)
from adapters.teams.outbound import card_activity, message_activities
from adapters.teams.references import PERSONAL, ConversationStore, StoredMember
from adapters.teams.render import CARD_CONTENT_TYPE, Json, render_form, render_message
from bot.engine import Engine
from bot.ports import Clock
from bot.requests import Actor, Command, Interaction, Reply, TenantRef

log = logging.getLogger(__name__)

FORM_OPENING_SUFFIX = ".open"
"""Buttons whose action ends so open a form (bot.actions.LOG_RESULT, SHARE_RETEX)."""
ORIGIN_ACTION = "origin_action"
ORIGIN_VALUE = "origin_value"
BEARER = "Bearer"


def request_key(activity: Activity) -> str | None:
    """The activity id, qualified by its conversation: Teams channel message ids are
    millisecond timestamps, unique only within one conversation."""
    if not activity.id:
        return None
    conversation = activity.conversation.id if activity.conversation else ""
    digest = hashlib.sha256(conversation.encode()).hexdigest()[:16]
    return f"{activity.id[:200]}@{digest}"


def is_authenticated(context: TurnContext) -> bool:
    identity = context.identity
    return bool(identity and identity.authentication_type == BEARER and identity.claims)


async def log_turn_error(context: TurnContext, error: Exception) -> None:
    """Log, and show the user nothing: the SDK's default sends the exception text to the chat."""
    log.error(
        "Teams turn failed for a %s activity",
        context.activity.type if context.activity else "?",
        exc_info=error,
    )


class BoussoleAgent(ActivityHandler):
    def __init__(
        self,
        engine: Engine,
        conversations: ConversationStore,
        clock: Clock,
    ) -> None:
        self._engine = engine
        self._conversations = conversations
        self._clock = clock

    async def on_turn(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        await self._remember(turn_context)
        await super().on_turn(turn_context)

    # --- conversation references (only from authenticated activities) -----------------------

    async def _remember(self, context: TurnContext) -> None:
        activity = context.activity
        tenant = tenant_of(activity)
        if tenant is None or not is_authenticated(context) or not activity.conversation:
            return
        if activity.type not in (
            ActivityTypes.message,
            ActivityTypes.conversation_update,
            ActivityTypes.installation_update,
        ):
            return
        if activity.type == ActivityTypes.installation_update and (
            activity.action or ""
        ).startswith("remove"):
            return
        conversation_type = activity.conversation.conversation_type or PERSONAL
        sender = activity.from_property
        user = sender.aad_object_id if sender and conversation_type == PERSONAL else None
        people = [sender] if sender else []
        people.extend(activity.members_added or [])
        members = [
            StoredMember(person.aad_object_id, person.id, person.name or "", activity.service_url)
            for person in people
            if person.aad_object_id and person.id and activity.service_url
        ]
        await self._conversations.remember_turn(
            tenant.external_id,
            activity,
            conversation_type,
            user,
            members,
            self._clock.now(),
        )

    # --- messages and card clicks ----------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        activity = turn_context.activity
        tenant, actor = tenant_of(activity), actor_of(activity)
        if tenant is None or actor is None:
            return
        submission = card_submission(activity)
        if submission is not None:
            await self._on_submission(turn_context, tenant, actor, submission)
            return
        typed = command_text(activity, await self._known_people(tenant, activity))
        if not typed.text:
            return
        reply = await self._engine.handle(
            Command(
                tenant=tenant,
                actor=actor,
                text=typed.text,
                received_at=self._clock.now(),
                channel=channel_of(activity),
                request_key=request_key(activity),
                mentions=typed.mentions,
            )
        )
        await self._send_messages(turn_context, reply)

    async def _known_people(self, tenant: TenantRef, activity: Activity) -> dict[str, str]:
        """Aad ids of mentioned people whose mention entity lacks one (Teams often omits it)."""
        teams_ids = []
        for entity in activity.entities or []:
            data = entity.model_dump(by_alias=True)
            mentioned = data.get("mentioned") if data.get("type") == "mention" else None
            if isinstance(mentioned, dict) and not mentioned.get("aadObjectId"):
                teams_id = mentioned.get("id")
                if isinstance(teams_id, str) and teams_id:
                    teams_ids.append(teams_id)
        return await self._conversations.aad_ids(tenant.external_id, teams_ids)

    async def _on_submission(
        self,
        context: TurnContext,
        tenant: TenantRef,
        actor: Actor,
        submission: CardSubmission,
    ) -> None:
        activity = context.activity
        if submission.action.endswith(FORM_OPENING_SUFFIX):
            form = await self._engine.open_form(tenant, actor, submission.action, submission.value)
            origin = {ORIGIN_ACTION: submission.action, ORIGIN_VALUE: submission.value}
            await context.send_activity(card_activity(render_form(form, origin=origin), form.title))
            return
        reply = await self._engine.interact(
            Interaction(
                tenant=tenant,
                actor=actor,
                action=submission.action,
                received_at=self._clock.now(),
                value=submission.value,
                form=submission.form,
                channel=channel_of(activity),
                request_key=request_key(activity),
            )
        )
        if reply.duplicate:
            return
        origin_action = submission.extras.get(ORIGIN_ACTION)
        if reply.field_errors and origin_action:
            form = await self._engine.open_form(
                tenant, actor, origin_action, submission.extras.get(ORIGIN_VALUE, "")
            )
            card = render_form(
                form, origin=submission.extras, values=submission.form, errors=reply.field_errors
            )
            await self._show_card(context, card)
            if set(reply.field_errors) <= {field.name for field in form.inputs}:
                return  # every error is shown beside its input: no extra message
        elif reply.replacement is not None and activity.reply_to_id:
            await self._show_card(context, render_message(reply.replacement)[0])
        await self._send_messages(context, reply)

    async def _show_card(self, context: TurnContext, card: Json) -> None:
        """Replace the card that was clicked (update activity), or post it if we cannot."""
        clicked = context.activity.reply_to_id
        if not clicked:
            await context.send_activity(card_activity(card))
            return
        update = Activity(
            type=ActivityTypes.message,
            id=clicked,
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
        )
        await context.update_activity(update)

    async def _send_messages(self, context: TurnContext, reply: Reply) -> None:
        """Personal and public messages alike go to the conversation, in order."""
        if reply.duplicate:
            return
        for message in reply.messages:
            for activity in message_activities(message):
                await context.send_activity(activity)
