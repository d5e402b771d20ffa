"""`python -m bench.boussole_launcher serve|web`: the `boussole` command itself, with the Teams
bot-token endpoint on loopback (BENCH_TEAMS_TOKEN_URL) while TeamsSettings has no such setting
(TeamsConfig.token_url exists for tests and sovereign clouds; without it MSAL calls Microsoft)."""

from __future__ import annotations

import dataclasses
import os
import sys

from adapters.teams.config import TeamsConfig
from main import teams_settings
from main.cli import run

_to_config = teams_settings.TeamsSettings.to_config


def to_config_with_token_url(self: teams_settings.TeamsSettings) -> TeamsConfig | None:
    config = _to_config(self)
    url = os.environ.get("BENCH_TEAMS_TOKEN_URL", "")
    return dataclasses.replace(config, token_url=url) if config is not None and url else config


if __name__ == "__main__":
    teams_settings.TeamsSettings.to_config = to_config_with_token_url  # type: ignore[method-assign]
    run(sys.argv[1:])
