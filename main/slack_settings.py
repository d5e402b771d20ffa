"""Slack settings from the environment (SLACK_*), turned into the adapter's `SlackConfig`."""

from __future__ import annotations

import json

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.slack.config import (
    CORE_COMMANDS,
    DEFAULT_BOT_SCOPES,
    DEFAULT_COMMAND_NAMES,
    MIB,
    SLACK_API_BASE_URL,
    SlackConfig,
)


def parse_command_names(raw: str) -> dict[str, str]:
    """Slash command -> core command. `raw` renames some commands and keeps the others:
    "cap=/bsl-cap,kpi=/bsl-kpi" (or "/bsl-cap=cap"), or a JSON object {"/bsl-cap": "cap"}."""
    names = dict(DEFAULT_COMMAND_NAMES)
    text = raw.strip()
    if not text:
        return names
    if text.startswith("{"):
        decoded = json.loads(text)
        if not isinstance(decoded, dict):
            raise ValueError("SLACK_COMMAND_NAMES must be a JSON object")
        pairs = [(str(k), str(v)) for k, v in decoded.items()]
    else:
        pairs = []
        for item in filter(None, (part.strip() for part in text.split(","))):
            left, separator, right = item.partition("=")
            if not separator:
                raise ValueError(f"SLACK_COMMAND_NAMES: {item!r} is not core=/slash")
            pairs.append((left.strip(), right.strip()))
    for left, right in pairs:
        slash, core = (left, right) if left.startswith("/") else (right, left)
        if core not in CORE_COMMANDS or not slash.startswith("/") or len(slash) < 2:
            raise ValueError(f"SLACK_COMMAND_NAMES: cannot map {slash!r} to {core!r}")
        names = {s: c for s, c in names.items() if c != core and s != slash}
        names[slash] = core
    return dict(sorted(names.items(), key=lambda item: CORE_COMMANDS.index(item[1])))


class SlackSettings(BaseSettings):
    """SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET: one workspace. SLACK_CLIENT_ID +
    SLACK_CLIENT_SECRET (+ signing secret): OAuth install into many. SLACK_APP_TOKEN: Socket
    Mode. Secrets have no default."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    command_names: str = ""
    scopes: str = ""
    token_rotation: bool = False
    app_name: str = "Boussole"
    api_base_url: str = SLACK_API_BASE_URL
    max_body_bytes: int = MIB

    def why_off(self) -> str:
        """Why Slack stays off ("" when it can start), for the start-up log."""
        signing = _secret(self.signing_secret)
        bot = _secret(self.bot_token)
        client_secret = _secret(self.client_secret)
        app = _secret(self.app_token)
        if not any((signing, bot, self.client_id, client_secret, app)):
            return "no SLACK_* credentials (see docs/slack.md)"
        if bool(self.client_id) != bool(client_secret):
            return "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (OAuth install)"
        if not bot and not self.client_id:
            return "SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET (OAuth) is missing"
        if not signing and not app:
            return "SLACK_SIGNING_SECRET is missing (or SLACK_APP_TOKEN for Socket Mode)"
        if app and not app.startswith("xapp-"):
            return "SLACK_APP_TOKEN must be an app-level token (xapp-…)"
        try:
            parse_command_names(self.command_names)
        except ValueError as error:
            return str(error)
        return ""

    def to_config(self, public_base_url: str) -> SlackConfig | None:
        """The adapter's configuration, or None when Slack is off (see `why_off`)."""
        if self.why_off():
            return None
        scopes = tuple(s.strip() for s in self.scopes.split(",") if s.strip())
        return SlackConfig(
            signing_secret=_secret(self.signing_secret),
            bot_token=_secret(self.bot_token) or None,
            client_id=self.client_id or None,
            client_secret=_secret(self.client_secret) or None,
            app_token=_secret(self.app_token) or None,
            public_base_url=public_base_url,
            command_names=parse_command_names(self.command_names),
            scopes=scopes or DEFAULT_BOT_SCOPES,
            token_rotation=self.token_rotation,
            app_name=self.app_name,
            api_base_url=self.api_base_url,
            max_body_bytes=self.max_body_bytes,
        )

    def manifest_config(self, public_base_url: str) -> SlackConfig:
        """What `boussole slack-manifest` needs, without any secret (the manifest comes first):
        command names, scopes, OAuth redirect (if SLACK_CLIENT_ID is set), Socket Mode (if
        SLACK_APP_TOKEN is set) and token rotation."""
        placeholder = "manifest-only"
        scopes = tuple(s.strip() for s in self.scopes.split(",") if s.strip())
        return SlackConfig(
            signing_secret=placeholder,
            bot_token=placeholder,
            client_id=self.client_id or None,
            client_secret=placeholder if self.client_id else None,
            app_token=_secret(self.app_token) or None,
            public_base_url=public_base_url,
            command_names=parse_command_names(self.command_names),
            scopes=scopes or DEFAULT_BOT_SCOPES,
            token_rotation=self.token_rotation,
            app_name=self.app_name,
        )


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value is not None else ""
