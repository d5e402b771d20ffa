"""Set-up helpers: print the Slack app manifest, build the Teams app package."""

from __future__ import annotations

import sys
from pathlib import Path

from main.settings import Settings
from main.slack_settings import SlackSettings
from main.teams_settings import TeamsSettings

MANIFEST_PLACEHOLDER = "manifest-only"


def print_slack_manifest(settings: Settings) -> int:
    """The manifest needs no secret: it is pasted into Slack before any token exists."""
    from adapters.slack import manifest_json

    slack = SlackSettings()
    socket_mode = slack.app_token is not None
    if not socket_mode and not settings.public_base_url.startswith("https://"):
        print(
            "PUBLIC_BASE_URL must be the https:// address where Slack reaches Boussole, "
            "e.g. PUBLIC_BASE_URL=https://boussole.example.com boussole slack-manifest "
            "(or set SLACK_APP_TOKEN for Socket Mode, which needs no public URL)",
            file=sys.stderr,
        )
        return 2
    print(manifest_json(slack.manifest_config(settings.public_base_url)))
    return 0


def build_teams_package(settings: Settings, out: str) -> int:
    from adapters.teams import TeamsConfig, TeamsConfigError, build_package

    teams = TeamsSettings()
    app_id = (teams.app_id or "").strip()
    if not app_id:
        print(
            "The Teams app package needs TEAMS_APP_ID, the Azure Bot's app id (a GUID): "
            "TEAMS_APP_ID=<GUID> boussole teams-package",
            file=sys.stderr,
        )
        return 2
    try:
        path = build_package(
            TeamsConfig(app_id=app_id, app_password=MANIFEST_PLACEHOLDER), Path(out)
        )
    except TeamsConfigError as error:
        print(f"{error} — e.g. TEAMS_APP_ID=<GUID> boussole teams-package", file=sys.stderr)
        return 2
    print(f"Teams app package written to {path} (upload it in Teams: Apps → Manage your apps).")
    return 0
