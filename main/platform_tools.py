"""Set-up helpers: print the Slack app manifest, build the Teams app package."""

from __future__ import annotations

import sys
from pathlib import Path

from main.settings import Settings
from main.slack_settings import SlackSettings, parse_command_names
from main.teams_settings import TeamsSettings

MANIFEST_PLACEHOLDER = "manifest-only"


def print_slack_manifest(settings: Settings) -> int:
    """The manifest needs no secret: it is pasted into Slack before any token exists."""
    from adapters.slack import SlackConfig, manifest_json

    if not settings.public_base_url.startswith("https://"):
        print(
            "PUBLIC_BASE_URL must be the https:// address where Slack reaches Boussole, "
            "e.g. PUBLIC_BASE_URL=https://boussole.example.com boussole slack-manifest",
            file=sys.stderr,
        )
        return 2
    slack = SlackSettings()
    config = SlackConfig(
        signing_secret=MANIFEST_PLACEHOLDER,
        bot_token=MANIFEST_PLACEHOLDER,
        public_base_url=settings.public_base_url,
        command_names=parse_command_names(slack.command_names),
        app_name=slack.app_name,
    )
    print(manifest_json(config))
    return 0


def build_teams_package(settings: Settings, out: str) -> int:
    from adapters.teams import TeamsConfig, TeamsConfigError, build_package

    teams = TeamsSettings()
    app_id = (teams.app_id or "").strip()
    try:
        path = build_package(
            TeamsConfig(app_id=app_id, app_password=MANIFEST_PLACEHOLDER), Path(out)
        )
    except TeamsConfigError as error:
        print(f"{error} — e.g. TEAMS_APP_ID=<GUID> boussole teams-package", file=sys.stderr)
        return 2
    print(f"Teams app package written to {path} (upload it in Teams: Apps → Manage your apps).")
    return 0
