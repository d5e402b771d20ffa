"""The app manifest: commands, scopes, events and URLs from the configured public base URL."""

from __future__ import annotations

import json

import pytest

from adapters.slack import SlackConfig, build_manifest, manifest_json


def config(**overrides: object) -> SlackConfig:
    base: dict[str, object] = {
        "signing_secret": "s",
        "bot_token": "xoxb-1",
        "public_base_url": "https://boussole.example.com/",
    }
    base.update(overrides)
    return SlackConfig(**base)  # type: ignore[arg-type]


def test_http_manifest_points_every_url_at_the_public_base() -> None:
    manifest = build_manifest(config(client_id="1.2", client_secret="x", token_rotation=True))

    events_url = "https://boussole.example.com/slack/events"
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [
        "/cap",
        "/quickwin",
        "/retex",
        "/kpi",
        "/rituel",
        "/boussole",
    ]
    assert all(c["url"] == events_url and c["should_escape"] is True for c in commands)
    assert all(len(c["description"]) <= 100 for c in commands)
    settings = manifest["settings"]
    assert settings["event_subscriptions"] == {
        "bot_events": ["app_home_opened", "app_uninstalled", "tokens_revoked"],
        "request_url": events_url,
    }
    assert settings["interactivity"] == {"is_enabled": True, "request_url": events_url}
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is True
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://boussole.example.com/slack/oauth_redirect"
    ]
    bot_scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert {"commands", "chat:write", "chat:write.public", "im:write"} <= set(bot_scopes)
    assert {"channels:history", "groups:history", "im:history"} <= set(bot_scopes)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert json.loads(manifest_json(config())) == build_manifest(config())


def test_renamed_commands_appear_under_their_new_names() -> None:
    manifest = build_manifest(config(command_names={"/bsl-cap": "cap", "/kpi": "kpi"}))

    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/bsl-cap", "/kpi"]


def test_socket_mode_manifest_has_no_request_url() -> None:
    manifest = build_manifest(config(app_token="xapp-1", public_base_url=""))

    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["interactivity"]
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])
    assert "redirect_urls" not in manifest["oauth_config"]


def test_http_manifest_needs_an_https_base_url() -> None:
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        build_manifest(config(public_base_url="http://localhost:3978"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"signing_secret": "", "app_token": None}, "signing secret"),
        ({"bot_token": None}, "bot token"),
        ({"command_names": {"cap": "cap"}}, "start with '/'"),
        ({"command_names": {"/x": "weather"}}, "unknown core command"),
    ],
)
def test_config_refuses_what_cannot_work(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config(**overrides)
