"""The app package, the TEAMS_* settings and the refusal to run Teams without authentication."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.teams import TeamsConfig, TeamsConfigError, build_package, check_bind_host
from adapters.teams.package import COMMANDS, MAX_COMMAND_DESCRIPTION, MAX_COMMAND_TITLE
from main.teams_settings import TeamsSettings

APP_ID = "0f8a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"


def read_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Width, height and RGBA pixels of one of our (unfiltered, 8-bit RGBA) PNGs."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, width, height = 8, b"", 0, 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunk = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + chunk) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunk)
            assert (depth, colour) == (8, 6)
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    raw = zlib.decompress(idat)
    pixels = []
    stride = 1 + width * 4
    for y in range(height):
        row = raw[y * stride : (y + 1) * stride]
        assert row[0] == 0
        pixels.extend(
            tuple(row[1 + x * 4 : 5 + x * 4])
            for x in range(width)  # type: ignore[misc]
        )
    return width, height, pixels  # type: ignore[return-value]


def test_the_app_package_has_a_manifest_with_commands_and_two_icons(tmp_path: Path) -> None:
    config = TeamsConfig(app_id=APP_ID, app_password="secret")
    path = build_package(config, tmp_path / "out")
    assert path == tmp_path / "out" / "boussole-teams-app.zip"
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "color.png",
            "en.json",
            "manifest.json",
            "outline.png",
        ]
        manifest = json.loads(archive.read("manifest.json"))
        english = json.loads(archive.read("en.json"))
        color = read_png(archive.read("color.png"))
        outline = read_png(archive.read("outline.png"))
    assert manifest["manifestVersion"].startswith("1.")
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    [command_list] = bot["commandLists"]
    titles = [c["title"] for c in command_list["commands"]]
    assert titles == [name for name, _fr, _en in COMMANDS]
    assert {"cap", "quickwin", "qw", "retex", "kpi", "boussole", "aide", "rituel"} <= set(titles)
    assert len(titles) <= 10
    for command in command_list["commands"]:
        assert len(command["title"]) <= MAX_COMMAND_TITLE
        assert len(command["description"]) <= MAX_COMMAND_DESCRIPTION
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert english["bots[0].commandLists[0].commands[1].title"] == "cap"
    assert color[:2] == (192, 192)
    assert len({pixel for pixel in color[2]}) > 2 and all(p[3] == 255 for p in color[2])
    assert outline[:2] == (32, 32)
    # Teams: the outline icon is white on a transparent background, nothing else
    assert {pixel for pixel in outline[2]} == {(255, 255, 255, 255), (0, 0, 0, 0)}


def test_the_package_is_reproducible_and_can_be_named(tmp_path: Path) -> None:
    config = TeamsConfig(app_id=APP_ID, app_password="secret")
    first = build_package(config, tmp_path / "a.zip").read_bytes()
    second = build_package(config, tmp_path / "b.zip").read_bytes()
    assert first == second
    assert zipfile.ZipFile(io.BytesIO(first)).testzip() is None


def test_the_package_needs_the_bot_app_id(tmp_path: Path) -> None:
    config = TeamsConfig(app_id="", app_password="", insecure_local_dev=True)
    with pytest.raises(TeamsConfigError):
        build_package(config, tmp_path)


@pytest.mark.parametrize(("app_id", "password"), [("", "secret"), (APP_ID, ""), ("  ", "")])
def test_authentication_cannot_be_switched_off_by_missing_credentials(
    app_id: str, password: str
) -> None:
    with pytest.raises(TeamsConfigError):
        TeamsConfig(app_id=app_id, app_password=password)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_local_development_switch_is_honoured_on_loopback(host: str) -> None:
    check_bind_host(TeamsConfig(app_id="", app_password="", insecure_local_dev=True), host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "boussole.example.com"])
def test_local_development_switch_is_refused_elsewhere(host: str) -> None:
    with pytest.raises(TeamsConfigError):
        check_bind_host(TeamsConfig(app_id="", app_password="", insecure_local_dev=True), host)
    check_bind_host(TeamsConfig(app_id=APP_ID, app_password="s"), host)  # secure: any host


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_INSECURE_LOCAL_DEV"):
        monkeypatch.delenv(name, raising=False)
    settings = TeamsSettings()
    assert settings.to_config() is None
    assert "TEAMS_APP_ID" in settings.why_off() and "TEAMS_APP_PASSWORD" in settings.why_off()

    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    assert TeamsSettings().why_off() == "Teams off: TEAMS_APP_PASSWORD is not set"

    monkeypatch.setenv("TEAMS_APP_PASSWORD", "s3cret")
    monkeypatch.setenv("TEAMS_TENANT_ID", "tenant-guid")
    monkeypatch.setenv("TEAMS_ALLOWED_SERVICE_HOSTS", "smba.trafficmanager.net, *.botframework.com")
    settings = TeamsSettings()
    config = settings.to_config()
    assert settings.why_off() == ""
    assert config is not None and config.authenticated
    assert (config.app_id, config.app_password, config.tenant_id) == (
        APP_ID,
        "s3cret",
        "tenant-guid",
    )
    assert config.allowed_service_hosts == ("smba.trafficmanager.net", "*.botframework.com")
    assert "s3cret" not in repr(settings) and "s3cret" not in repr(config)


def test_settings_local_development_without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    monkeypatch.delenv("TEAMS_APP_PASSWORD", raising=False)
    monkeypatch.setenv("TEAMS_INSECURE_LOCAL_DEV", "true")
    config = TeamsSettings().to_config()
    assert config is not None and not config.authenticated
    with pytest.raises(TeamsConfigError):
        check_bind_host(config, "0.0.0.0")


def test_token_url_setting_reaches_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "s3cret")
    monkeypatch.delenv("TEAMS_TOKEN_URL", raising=False)
    config = TeamsSettings().to_config()
    assert config is not None and config.token_url == ""  # MSAL, Microsoft's endpoint

    monkeypatch.setenv("TEAMS_TOKEN_URL", " http://127.0.0.1:8123/oauth2/v2.0/token ")
    config = TeamsSettings().to_config()
    assert config is not None and config.token_url == "http://127.0.0.1:8123/oauth2/v2.0/token"

    monkeypatch.setenv("TEAMS_TOKEN_URL", "")
    assert TeamsSettings().token_url is None


@pytest.mark.parametrize(
    "url", ["login.example.com/token", "ftp://login.example.com/token", "https://", "token"]
)
def test_token_url_must_be_http_or_https(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("TEAMS_TOKEN_URL", url)
    with pytest.raises(ValidationError, match="TEAMS_TOKEN_URL must be an http:// or https://"):
        TeamsSettings()
