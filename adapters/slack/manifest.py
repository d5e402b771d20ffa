"""The Slack app manifest (commands, scopes, events, URLs) for `boussole slack-manifest`."""

from __future__ import annotations

import json
from typing import Any, Final

from adapters.slack.config import EVENTS_PATH, REDIRECT_PATH, SlackConfig

BOT_EVENTS: Final = ("app_home_opened", "app_uninstalled", "tokens_revoked")

#: What each core command does, as shown in Slack's command picker (French first).
COMMAND_HELP: Final[dict[str, tuple[str, str]]] = {
    "cap": (
        "Le cap partagé : le voir, le définir, son historique",
        "[voir | définir <texte> | historique]",
    ),
    "quickwin": (
        "Quick wins : créer, saisir un résultat, lister, clore",
        "[ajouter | saisir QW-1 38,5 | liste | voir QW-1 | clore QW-1]",
    ),
    "retex": (
        "Partager un retour d'expérience (sans texte : formulaire)",
        "[qw=1] [anonyme] <texte>",
    ),
    "kpi": ("Synthèse des indicateurs des quick wins", ""),
    "rituel": (
        "Rituels programmés : liste, pause, maintenant, canal",
        "[liste | pause 1 | reprendre 1 | maintenant 1 | sauter 1 | canal #équipe]",
    ),
    "boussole": (
        "Aide, rôles et réglages de Boussole",
        "[aide | roles | role @personne manager | réglages | langue | fuseau]",
    ),
}


def build_manifest(config: SlackConfig) -> dict[str, Any]:
    """A manifest to paste in api.slack.com/apps ("From an app manifest"). Request URLs come
    from `public_base_url`; in Socket Mode there are none."""
    http = not config.socket_mode
    if http and not config.public_base_url.startswith("https://"):
        raise ValueError("the manifest needs PUBLIC_BASE_URL as an https:// URL (or Socket Mode)")
    commands = []
    for slash, core in config.command_names.items():
        description, hint = COMMAND_HELP[core]
        command: dict[str, Any] = {
            "command": slash,
            "description": description,
            "should_escape": True,  # mentions arrive as <@U123|name>
        }
        if hint:
            command["usage_hint"] = hint
        if http:
            command["url"] = config.url(EVENTS_PATH)
        commands.append(command)
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if http:
        events["request_url"] = config.url(EVENTS_PATH)
        interactivity["request_url"] = config.url(EVENTS_PATH)
    oauth: dict[str, Any] = {"scopes": {"bot": list(config.scopes)}}
    if http and config.multi_workspace:
        oauth["redirect_urls"] = [config.url(REDIRECT_PATH)]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": config.app_name,
            "description": "Le rituel de votre transformation numérique : cap, quick wins, retex.",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": config.app_name.lower(), "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": config.socket_mode,
            "token_rotation_enabled": config.token_rotation,
        },
    }


def manifest_json(config: SlackConfig) -> str:
    return json.dumps(build_manifest(config), ensure_ascii=False, indent=2)
