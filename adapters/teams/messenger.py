"""Proactive posts to Teams (rituals): `bot.delivery.Messenger` over stored conversation references."""

from __future__ import annotations

import logging
from typing import Final

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
)
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from adapters.teams.connector import ConnectorFactory
from adapters.teams.outbound import message_activities
from adapters.teams.references import PERSONAL, ConversationStore, StoredConversation
from adapters.teams.retry import RETRYABLE_STATUSES, ServiceUrlRefused
from adapters.teams.service_urls import ServiceUrlPolicy
from adapters.teams.tokens import TokenUnavailable
from bot.delivery import Delivery, DeliveryStatus, Target, TargetKind
from bot.messages import Message
from bot.model import Tenant
from bot.ports import Clock

log = logging.getLogger(__name__)

PLATFORM: Final = "teams"
MESSAGE_WRITES_BLOCKED: Final = "MessageWritesBlocked"
DEFAULT_RETRY_AFTER_SECONDS: Final = 60.0


def part_key(delivery_key: str, index: int) -> str:
    """Each card of a split message is recorded on its own, so a retry resends only the rest."""
    return delivery_key if index == 0 else f"{delivery_key}#{index + 1}"


def _retry_after(error: aiohttp.ClientResponseError) -> float:
    value = error.headers.get("Retry-After") if error.headers else None
    try:
        return max(0.0, float(value)) if value else DEFAULT_RETRY_AFTER_SECONDS
    except ValueError:
        return DEFAULT_RETRY_AFTER_SECONDS


class TeamsMessenger:
    """Posts a neutral message in a channel or a 1:1 chat the bot was installed in or spoken to.

    Transient answers (412/429/502/504) are retried with jittered back-off by the connector
    session, then reported as RETRY; 403 MessageWritesBlocked marks the conversation blocked
    (BLOCKED, never retried); a conversation or host we do not know is FAILED.
    """

    platform = PLATFORM
    send_interval = 0.0  # the connector's 429s are waited out per request (retry.py)

    def __init__(
        self,
        connectors: ConnectorFactory,
        conversations: ConversationStore,
        policy: ServiceUrlPolicy,
        clock: Clock,
    ) -> None:
        self._connectors = connectors
        self._conversations = conversations
        self._policy = policy
        self._clock = clock

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery:
        if tenant.platform != PLATFORM:
            return Delivery(DeliveryStatus.FAILED, detail="not a Teams tenant")
        conversation = await self._find(tenant, target)
        if conversation is None:
            return Delivery(DeliveryStatus.FAILED, detail="no stored Teams conversation")
        if conversation.blocked:
            return Delivery(DeliveryStatus.BLOCKED, detail="the conversation blocks the bot")
        if not self._policy.is_allowed(conversation.service_url):
            return Delivery(DeliveryStatus.FAILED, detail="service URL host not allow-listed")
        try:
            connector = await self._connectors.connector_for(conversation.service_url)
        except TokenUnavailable as error:
            return Delivery(
                DeliveryStatus.RETRY,
                retry_after=DEFAULT_RETRY_AFTER_SECONDS,
                detail=f"no bot token: {error}",
            )
        except ServiceUrlRefused as error:
            return Delivery(DeliveryStatus.FAILED, detail=str(error))
        try:
            return await self._post(connector, tenant, conversation, message, delivery_key)
        except aiohttp.ClientResponseError as error:
            return await self._failure(tenant, conversation, error)
        except (aiohttp.ClientError, TimeoutError) as error:
            return Delivery(
                DeliveryStatus.RETRY,
                retry_after=DEFAULT_RETRY_AFTER_SECONDS,
                detail=type(error).__name__,
            )
        finally:
            await connector.close()

    async def find_sent(self, tenant: Tenant, target: Target, delivery_key: str) -> Delivery | None:
        """Teams cannot be searched by a client key: we answer from our own record of sends."""
        activity_id = await self._conversations.sent_activity(tenant.external_id, delivery_key)
        if activity_id is None:
            return None
        return Delivery(DeliveryStatus.SENT, platform_message_id=activity_id)

    async def _find(self, tenant: Tenant, target: Target) -> StoredConversation | None:
        if target.kind is TargetKind.CHANNEL:
            return await self._conversations.conversation(tenant.external_id, target.id)
        personal = await self._conversations.personal_conversation(tenant.external_id, target.id)
        if personal is not None:
            return personal
        return await self._open_personal_chat(tenant, target.id)

    async def _open_personal_chat(
        self, tenant: Tenant, aad_object_id: str
    ) -> StoredConversation | None:
        """Create a 1:1 chat with a member seen in a team where the bot is installed."""
        member = await self._conversations.member(tenant.external_id, aad_object_id)
        known = await self._conversations.any_conversation(tenant.external_id)
        if member is None or known is None or known.reference.agent is None:
            return None
        if not self._policy.is_allowed(member.service_url):
            return None
        parameters = ConversationParameters.model_validate(
            {
                "isGroup": False,
                "bot": known.reference.agent,
                "members": [ChannelAccount(id=member.teams_user_id, aad_object_id=aad_object_id)],
                "tenantId": tenant.external_id,
                "channelData": {"tenant": {"id": tenant.external_id}},
            }
        )
        connector = await self._connectors.connector_for(member.service_url)
        try:
            created = await connector.conversations.create_conversation(parameters)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.warning("could not open a Teams 1:1 chat: %s", type(error).__name__)
            return None
        finally:
            await connector.close()
        if not created.id:
            return None
        reference = known.reference.model_copy(deep=True)
        reference.conversation = ConversationAccount(
            id=created.id, conversation_type=PERSONAL, tenant_id=tenant.external_id
        )
        reference.user = ChannelAccount(
            id=member.teams_user_id, aad_object_id=aad_object_id, name=member.display_name
        )
        reference.service_url = member.service_url
        await self._conversations.remember(
            tenant.external_id, reference, PERSONAL, aad_object_id, self._clock.now()
        )
        return await self._conversations.personal_conversation(tenant.external_id, aad_object_id)

    async def _post(
        self,
        connector: TeamsConnectorClient,
        tenant: Tenant,
        conversation: StoredConversation,
        message: Message,
        delivery_key: str,
    ) -> Delivery:
        first_id = ""
        for index, activity in enumerate(message_activities(message)):
            key = part_key(delivery_key, index)
            already = await self._conversations.sent_activity(tenant.external_id, key)
            if already is not None:
                first_id = first_id or already
                continue
            activity = _addressed(activity, conversation)
            sent = await connector.conversations.send_to_conversation(
                conversation.conversation_id, activity
            )
            sent_id = sent.id or ""
            await self._conversations.record_sent(
                tenant.external_id, key, conversation.conversation_id, sent_id, self._clock.now()
            )
            first_id = first_id or sent_id
        return Delivery(DeliveryStatus.SENT, platform_message_id=first_id)

    async def _failure(
        self, tenant: Tenant, conversation: StoredConversation, error: aiohttp.ClientResponseError
    ) -> Delivery:
        if error.status == 403 and MESSAGE_WRITES_BLOCKED in (error.message or ""):
            await self._conversations.mark_blocked(
                tenant.external_id, conversation.conversation_id, self._clock.now()
            )
            return Delivery(DeliveryStatus.BLOCKED, detail=MESSAGE_WRITES_BLOCKED)
        if error.status in RETRYABLE_STATUSES or error.status >= 500:
            return Delivery(
                DeliveryStatus.RETRY, retry_after=_retry_after(error), detail=f"HTTP {error.status}"
            )
        return Delivery(DeliveryStatus.FAILED, detail=f"HTTP {error.status}")


def _addressed(activity: Activity, conversation: StoredConversation) -> Activity:
    """The activity as the bot's own post in the stored conversation."""
    reference = conversation.reference
    activity.from_property = reference.agent
    activity.conversation = ConversationAccount(
        id=conversation.conversation_id,
        conversation_type=conversation.conversation_type,
        tenant_id=conversation.tenant_external_id,
    )
    activity.channel_id = reference.channel_id
    activity.service_url = conversation.service_url
    return activity
