"""SLACK_* settings: secrets without defaults, `why_off` reasons, and the SlackConfig they give."""

from __future__ import annotations

import pytest

from adapters.slack import build_manifest
from adapters.slack.config import DEFAULT_COMMAND_NAMES
from main.slack_settings import SlackSettings, parse_command_names

ALL = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_COMMAND_NAMES",
    "SLACK_SCOPES",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]  # no stray .env
    for name in ALL:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_nothing_configured_means_off_with_a_reason(env: pytest.MonkeyPatch) -> None:
    settings = SlackSettings()

    assert settings.bot_token is None and settings.signing_secret is None
    assert "no SLACK_* credentials" in settings.why_off()
    assert settings.to_config("https://b.example") is None


def test_single_workspace(env: pytest.MonkeyPatch) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    env.setenv("SLACK_SIGNING_SECRET", "shh")

    config = SlackSettings().to_config("https://b.example")

    assert config is not None
    assert (config.bot_token, config.signing_secret, config.multi_workspace) == (
        "xoxb-1",
        "shh",
        False,
    )
    assert dict(config.command_names) == dict(DEFAULT_COMMAND_NAMES)
    assert "shh" not in repr(SlackSettings())


def test_many_workspaces_with_renamed_commands(env: pytest.MonkeyPatch) -> None:
    env.setenv("SLACK_CLIENT_ID", "1.2")
    env.setenv("SLACK_CLIENT_SECRET", "cs")
    env.setenv("SLACK_SIGNING_SECRET", "shh")
    env.setenv("SLACK_COMMAND_NAMES", "cap=/bsl-cap, /bsl-kpi=kpi")
    env.setenv("SLACK_SCOPES", "commands,chat:write")

    config = SlackSettings().to_config("https://b.example")

    assert config is not None and config.multi_workspace
    assert config.command_names == {
        "/bsl-cap": "cap",
        "/quickwin": "quickwin",
        "/retex": "retex",
        "/bsl-kpi": "kpi",
        "/rituel": "rituel",
        "/boussole": "boussole",
    }
    assert config.scopes == ("commands", "chat:write")


@pytest.mark.parametrize(
    ("variables", "reason"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_CLIENT_ID": "1", "SLACK_SIGNING_SECRET": "s"}, "go together"),
        ({"SLACK_BOT_TOKEN": "x", "SLACK_APP_TOKEN": "xoxb-oops"}, "xapp-"),
        (
            {
                "SLACK_BOT_TOKEN": "x",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_COMMAND_NAMES": "météo=/m",
            },
            "cannot map",
        ),
    ],
)
def test_incomplete_settings_say_why(
    env: pytest.MonkeyPatch, variables: dict[str, str], reason: str
) -> None:
    for name, value in variables.items():
        env.setenv(name, value)

    settings = SlackSettings()

    assert reason in settings.why_off()
    assert settings.to_config("https://b.example") is None


def test_socket_mode_needs_no_signing_secret(env: pytest.MonkeyPatch) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    env.setenv("SLACK_APP_TOKEN", "xapp-1-A")

    config = SlackSettings().to_config("")

    assert config is not None and config.socket_mode


def test_command_names_accept_json() -> None:
    names = parse_command_names('{"/bsl-cap": "cap"}')

    assert names["/bsl-cap"] == "cap" and "/cap" not in names
    with pytest.raises(ValueError):
        parse_command_names("cap")


def test_the_manifest_needs_no_secret(env: pytest.MonkeyPatch) -> None:
    env.setenv("SLACK_CLIENT_ID", "1.2")
    env.setenv("SLACK_TOKEN_ROTATION", "true")
    env.setenv("SLACK_COMMAND_NAMES", "cap=/bsl-cap")

    manifest = build_manifest(SlackSettings().manifest_config("https://b.example"))

    assert manifest["oauth_config"]["redirect_urls"] == ["https://b.example/slack/oauth_redirect"]
    assert manifest["settings"]["token_rotation_enabled"] is True
    assert manifest["features"]["slash_commands"][0]["command"] == "/bsl-cap"

    env.setenv("SLACK_APP_TOKEN", "xapp-1")
    socket = build_manifest(SlackSettings().manifest_config(""))
    assert socket["settings"]["socket_mode_enabled"] is True
