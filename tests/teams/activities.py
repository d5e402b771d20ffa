"""Builders of the activities Teams sends to a bot (the JSON shape on the wire)."""

from __future__ import annotations

import itertools
from typing import Any

BOT_ID = "28:boussole-bot"
BOT_NAME = "Boussole"
TENANT_A = "11111111-aaaa-4aaa-8aaa-111111111111"
TENANT_B = "22222222-bbbb-4bbb-8bbb-222222222222"
TEAM_CHANNEL = "19:general-channel@thread.tacv2"

_ids = itertools.count(1000)


def person(name: str, aad: str, teams_id: str | None = None) -> dict[str, Any]:
    return {"id": teams_id or f"29:{aad}", "name": name, "aadObjectId": aad}


MARIE = person("Marie Curie", "aad-marie")
PAUL = person("Paul Dupont", "aad-paul")


def _base(
    activity_type: str,
    service_url: str,
    conversation: dict[str, Any],
    sender: dict[str, Any],
    tenant: str,
    **fields: Any,
) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": activity_type,
        "id": f"1{next(_ids)}",
        "timestamp": "2026-03-02T08:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": sender,
        "conversation": {**conversation, "tenantId": tenant},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "channelData": {"tenant": {"id": tenant}},
    }
    activity.update(fields)
    return activity


def personal_conversation(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"a:personal-chat-{user['aadObjectId']}", "conversationType": "personal"}


def channel_conversation(thread: str | None = None) -> dict[str, Any]:
    conversation_id = TEAM_CHANNEL if thread is None else f"{TEAM_CHANNEL};messageid={thread}"
    return {"id": conversation_id, "conversationType": "channel", "isGroup": True}


def personal_message(
    service_url: str, text: str, *, user: dict[str, Any] = MARIE, tenant: str = TENANT_A
) -> dict[str, Any]:
    return _base(
        "message",
        service_url,
        personal_conversation(user),
        user,
        tenant,
        text=text,
        textFormat="plain",
    )


def channel_message(
    service_url: str,
    text: str,
    *,
    user: dict[str, Any] = MARIE,
    tenant: str = TENANT_A,
    mentioned: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """`text` after the bot's own mention; people in `mentioned` are written <at>Name</at>."""
    entities = [
        {
            "type": "mention",
            "text": f"<at>{BOT_NAME}</at>",
            "mentioned": {"id": BOT_ID, "name": BOT_NAME},
        }
    ]
    for other in mentioned:
        entities.append(
            {
                "type": "mention",
                "text": f"<at>{other['name']}</at>",
                "mentioned": {"id": other["id"], "name": other["name"]},
            }
        )
    return _base(
        "message",
        service_url,
        channel_conversation(thread="1700000000000"),
        user,
        tenant,
        text=f"<at>{BOT_NAME}</at> {text}",
        textFormat="plain",
        entities=entities,
        channelData={
            "tenant": {"id": tenant},
            "team": {"id": TEAM_CHANNEL},
            "channel": {"id": TEAM_CHANNEL},
        },
    )


def card_click(
    service_url: str,
    data: dict[str, Any],
    *,
    reply_to: str,
    user: dict[str, Any] = MARIE,
    tenant: str = TENANT_A,
    conversation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What Teams sends when someone presses an Action.Submit: `data` plus input values."""
    return _base(
        "message",
        service_url,
        conversation or personal_conversation(user),
        user,
        tenant,
        value=data,
        replyToId=reply_to,
    )


def bot_added_to_team(service_url: str, *, tenant: str = TENANT_A) -> dict[str, Any]:
    return _base(
        "conversationUpdate",
        service_url,
        channel_conversation(),
        PAUL,
        tenant,
        membersAdded=[{"id": BOT_ID}, PAUL],
        channelData={
            "tenant": {"id": tenant},
            "team": {"id": TEAM_CHANNEL, "name": "Direction"},
            "eventType": "teamMemberAdded",
        },
    )


def personal_install(
    service_url: str, *, user: dict[str, Any] = MARIE, tenant: str = TENANT_A
) -> dict[str, Any]:
    return _base(
        "installationUpdate",
        service_url,
        personal_conversation(user),
        user,
        tenant,
        action="add",
    )
