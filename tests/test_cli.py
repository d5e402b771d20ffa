"""The `boussole` command line as a person runs it: db, slack-manifest, teams-package, help."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import zipfile
from pathlib import Path

BOUSSOLE = Path(sys.executable).parent / "boussole"
APP_ID = "2f1c4a4e-7d5b-4c1e-9a2b-0c8e5f3d6a71"


async def boussole(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    process = await asyncio.create_subprocess_exec(
        str(BOUSSOLE),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**clean, "LOG_LEVEL": "WARNING", **(env or {})},
        cwd=cwd,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_db_upgrade_then_current(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    code, _, _ = await boussole("db", "current", env=env)
    assert code == 1  # not migrated yet
    code, out, err = await boussole("db", "upgrade", env=env)
    assert code == 0, err
    current = next(line for line in out.splitlines() if line.startswith("current:"))
    heads = next(line for line in out.splitlines() if line.startswith("heads:"))
    assert "0002_slack" in current and "0003_teams" in current
    assert current.split(":", 1)[1].strip() == heads.split(":", 1)[1].strip()
    code, _, _ = await boussole("db", "current", env=env)
    assert code == 0


async def test_slack_manifest_needs_a_public_url_and_lists_commands() -> None:
    code, out, err = await boussole("slack-manifest")
    assert code == 2 and "PUBLIC_BASE_URL" in err and out == ""
    code, out, err = await boussole(
        "slack-manifest", env={"PUBLIC_BASE_URL": "https://b.example.com"}
    )
    assert code == 0, err
    manifest = json.loads(out)
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {"/cap", "/quickwin", "/retex", "/kpi", "/rituel", "/boussole"}
    assert all(
        c["url"] == "https://b.example.com/slack/events"
        for c in manifest["features"]["slash_commands"]
    )


async def test_teams_package_needs_the_app_id(tmp_path: Path) -> None:
    code, _, err = await boussole("teams-package", "--out", str(tmp_path / "p.zip"))
    assert code == 2 and "TEAMS_APP_ID" in err
    assert not (tmp_path / "p.zip").exists()
    code, _out, err = await boussole(
        "teams-package", "--out", str(tmp_path / "p.zip"), env={"TEAMS_APP_ID": APP_ID}
    )
    assert code == 0, err
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        assert {"manifest.json", "color.png", "outline.png"} <= set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == APP_ID


async def test_help_lists_every_subcommand() -> None:
    code, out, _ = await boussole("--help")
    assert code == 0
    for word in (
        "console",
        "serve",
        "web",
        "clock",
        "demo",
        "db",
        "slack-manifest",
        "teams-package",
    ):
        assert word in out


async def test_an_invalid_setting_is_named_and_nothing_starts(tmp_path: Path) -> None:
    database = tmp_path / "never.db"
    env = {"DATABASE_URL": f"sqlite:///{database}", "RITUAL_LEAD_SECONDS": "-5", "PORT": "http"}
    code, out, err = await boussole("db", "upgrade", env=env)
    assert code == 1 and out == ""
    assert "invalid settings" in err and "Traceback" not in err
    assert "RITUAL_LEAD_SECONDS='-5': Input should be greater than or equal to 0" in err
    assert "PORT='http'" in err
    assert not database.exists()
