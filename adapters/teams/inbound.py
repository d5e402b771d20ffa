"""Pure translation of Teams activities into the core's Command / Interaction vocabulary."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity

from adapters.teams.references import base_conversation_id
from adapters.teams.render import ACTION_DATA_KEY, TOGGLE_OFF, TOGGLE_ON, TOGGLES_KEY
from bot.requests import Actor, TenantRef

PLATFORM = "teams"
_SPACES = re.compile(r"[ \t\u00a0]+")
MAX_FORM_VALUE_CHARS = 10_000


def tenant_of(activity: Activity) -> TenantRef | None:
    """TenantRef("teams", tenant id) from channelData.tenant.id or conversation.tenantId."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant")
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    if not isinstance(tenant_id, str) or not tenant_id:
        tenant_id = activity.conversation.tenant_id if activity.conversation else None
    if not tenant_id:
        return None
    return TenantRef(PLATFORM, tenant_id)


def actor_of(activity: Activity) -> Actor | None:
    sender = activity.from_property
    if sender is None or not (sender.aad_object_id or sender.id):
        return None
    return Actor(sender.aad_object_id or sender.id, sender.name or "")


def channel_of(activity: Activity) -> str:
    """The conversation the core should remember for rituals: a channel, not one of its threads."""
    return base_conversation_id(activity.conversation.id) if activity.conversation else ""


@dataclass(frozen=True, slots=True)
class CommandText:
    text: str
    mentions: dict[str, str]


def command_text(activity: Activity, known_ids: Mapping[str, str] | None = None) -> CommandText:
    """The command typed to the bot: its own <at>…</at> mention removed, other people
    written "@<aad object id>" (or their Teams id when the aad id is unknown)."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    mentions: dict[str, str] = {}
    for entity in activity.entities or []:
        data = entity.model_dump(by_alias=True) if hasattr(entity, "model_dump") else entity
        if not isinstance(data, dict) or data.get("type") != "mention":
            continue
        mentioned = data.get("mentioned") or {}
        shown = data.get("text") or ""
        if not isinstance(mentioned, dict) or not isinstance(shown, str) or not shown:
            continue
        teams_id = mentioned.get("id") or ""
        if teams_id and teams_id == bot_id:
            text = text.replace(shown, " ", 1)
            continue
        person = mentioned.get("aadObjectId") or (known_ids or {}).get(teams_id) or teams_id
        if not person:
            continue
        name = mentioned.get("name") or re.sub(r"</?at>", "", shown)
        mentions[person] = name
        text = text.replace(shown, f"@{person}", 1)
    # a leftover bot mention without an entity (some clients) is dropped too
    text = re.sub(r"^\s*<at>[^<]*</at>", " ", text)
    return CommandText(_SPACES.sub(" ", text).strip(), mentions)


@dataclass(frozen=True, slots=True)
class CardSubmission:
    """An Action.Submit click: our envelope's action and value, its extras, and input values."""

    action: str
    value: str
    extras: dict[str, str]
    form: dict[str, str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return TOGGLE_ON if value else ""
    return str(value)[:MAX_FORM_VALUE_CHARS]


def card_submission(activity: Activity) -> CardSubmission | None:
    """The submission carried by a message activity's `value`, if it is one of our cards'."""
    value = activity.value
    if not isinstance(value, dict):
        return None
    envelope = value.get(ACTION_DATA_KEY)
    if not isinstance(envelope, dict):
        return None
    action = envelope.get("action")
    if not isinstance(action, str) or not action:
        return None
    extras = {
        str(k): _text(v) for k, v in envelope.items() if k not in ("action", "value", TOGGLES_KEY)
    }
    toggles = set(_text(envelope.get(TOGGLES_KEY)).split(","))
    form = {}
    for key, item in value.items():
        if key in (ACTION_DATA_KEY, "msteams"):
            continue
        text = _text(item)
        form[str(key)] = "" if key in toggles and text == TOGGLE_OFF else text
    for name in toggles - {""}:
        form.setdefault(name, "")
    return CardSubmission(action, _text(envelope.get("value")), extras, form)
