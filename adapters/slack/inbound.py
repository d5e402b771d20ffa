"""Pure translation of Slack payloads into the core's neutral requests and stable request keys."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from typing import Any

from bot.requests import Actor, TenantRef

PLATFORM = "slack"

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(subteam\^[A-Z0-9]+|here|channel|everyone)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")


def command_text(core_command: str, slack_text: str) -> tuple[str, dict[str, str]]:
    """Slack's escaped command text -> the core's text and mentions.

    "<@U123|marie> manager" -> ("boussole role @U123 manager", {"U123": "marie"}) for
    core command "boussole" and text "role <@U123|marie> manager".
    """
    mentions: dict[str, str] = {}

    def user(match: re.Match[str]) -> str:
        if match.group(2):
            mentions[match.group(1)] = html.unescape(match.group(2))
        return "@" + match.group(1)

    text = _USER.sub(user, slack_text)
    text = _CHANNEL.sub(lambda m: "#" + m.group(1), text)  # the id: Slack posts by id
    text = _SPECIAL.sub(lambda m: "@" + (m.group(2) or m.group(1)).lstrip("@"), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = html.unescape(text).strip()
    return (f"{core_command} {text}" if text else core_command), mentions


def tenant_ref(team_id: str, team_name: str = "") -> TenantRef:
    return TenantRef(PLATFORM, team_id, team_name)


def team_of(body: Mapping[str, Any]) -> tuple[str, str]:
    """(team id, team name) of a slash command, interactivity or events payload."""
    team = body.get("team")
    if isinstance(team, dict):
        return str(team.get("id") or ""), str(team.get("domain") or team.get("name") or "")
    if isinstance(team, str):
        return team, ""
    team_id = body.get("team_id")
    if isinstance(team_id, str):
        return team_id, str(body.get("team_domain") or "")
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("team_id"), str):
        return user["team_id"], ""
    return "", ""


def actor_of(body: Mapping[str, Any]) -> Actor:
    """The person behind a slash command (user_id, user_name) or an interaction (user{})."""
    user = body.get("user")
    if isinstance(user, dict):
        user_id = str(user.get("id") or "")
        name = user.get("name") or user.get("username") or user_id
        return Actor(user_id, str(name))
    user_id = str(body.get("user_id") or user or "")
    return Actor(user_id, str(body.get("user_name") or user_id))


def channel_of(body: Mapping[str, Any]) -> str:
    channel = body.get("channel")
    if isinstance(channel, dict):
        return str(channel.get("id") or "")
    if isinstance(channel, str):
        return channel
    return str(body.get("channel_id") or "")


def _digest(*parts: object) -> str:
    joined = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:40]


def command_key(body: Mapping[str, Any]) -> str:
    """Same slash command delivered twice (a retry) -> same key; a new invocation has a new
    trigger id, so typing the same command again is a new request."""
    team, _ = team_of(body)
    return "slack:cmd:" + _digest(
        team, body.get("user_id"), body.get("command"), body.get("text"), body.get("trigger_id")
    )


def action_key(body: Mapping[str, Any], action: Mapping[str, Any]) -> str:
    """One click is one `action_ts`; a redelivery of that click carries the same one."""
    team, _ = team_of(body)
    user = actor_of(body).external_id
    return "slack:act:" + _digest(
        team, user, action.get("action_id"), action.get("action_ts"), body.get("trigger_id")
    )


def view_key(body: Mapping[str, Any]) -> str:
    """One submission of one modal: the view id and the submission's trigger id."""
    team, _ = team_of(body)
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    return "slack:view:" + _digest(team, view.get("id"), body.get("trigger_id"))  # type: ignore[union-attr]
