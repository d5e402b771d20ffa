"""The Slack adapter's configuration: credentials, public URL, command names and limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

SLACK_API_BASE_URL = "https://slack.com/api/"

#: The HTTP routes Boussole serves for Slack (the manifest and the OAuth flow name them too).
EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

#: Core command names, as the core's grammar knows them.
CORE_COMMANDS: tuple[str, ...] = ("cap", "quickwin", "retex", "kpi", "rituel", "boussole")

#: Slash command -> core command, when a workspace has no name clash.
DEFAULT_COMMAND_NAMES: Mapping[str, str] = MappingProxyType(
    {f"/{name}": name for name in CORE_COMMANDS}
)

#: Bot scopes: slash commands, posting (also in public channels the bot has not joined),
#: direct messages, and reading history to reconcile a send after a dropped connection.
DEFAULT_BOT_SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
)

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SlackConfig:
    """How to talk to Slack. Single workspace: `bot_token`; many workspaces: `client_id` and
    `client_secret` (OAuth v2 install); Socket Mode when `app_token` is set."""

    signing_secret: str = ""
    bot_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    app_token: str | None = None
    public_base_url: str = ""
    command_names: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_COMMAND_NAMES))
    scopes: tuple[str, ...] = DEFAULT_BOT_SCOPES
    token_rotation: bool = False
    state_expiration_seconds: int = 600
    app_name: str = "Boussole"
    api_base_url: str = SLACK_API_BASE_URL
    ack_deadline_seconds: float = 2.0
    max_body_bytes: int = MIB
    rate_limit_max_wait_seconds: float = 30.0
    http_timeout_seconds: int = 10

    def __post_init__(self) -> None:
        if not self.signing_secret and not self.app_token:
            raise ValueError("Slack needs a signing secret (HTTP) or an app token (Socket Mode)")
        if not self.bot_token and not (self.client_id and self.client_secret):
            raise ValueError("Slack needs a bot token, or a client id and secret for OAuth")
        for slash, core in self.command_names.items():
            if not slash.startswith("/") or len(slash) < 2:
                raise ValueError(f"Slack command names start with '/': {slash!r}")
            if core not in CORE_COMMANDS:
                raise ValueError(f"{slash!r} maps to an unknown core command {core!r}")

    @property
    def multi_workspace(self) -> bool:
        """OAuth installs into many workspaces (tokens in the database)."""
        return bool(self.client_id and self.client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    def core_command(self, slash_command: str) -> str | None:
        """The core command behind a configured slash command, e.g. "/qw" -> "quickwin"."""
        return self.command_names.get(slash_command)

    def url(self, path: str) -> str:
        return self.public_base_url.rstrip("/") + path
