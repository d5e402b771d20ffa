"""What a start imports: reading settings loads no platform SDK and no Alembic; a start on a
current SQLite file does not load Alembic; a single-workspace HTTP Slack adapter loads neither
Socket Mode nor the OAuth stores. Each check runs in a fresh interpreter (no timing involved)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from storage.database import Database, head_revisions, migration_heads

HEAVY = {
    "bolt": "slack_bolt",
    "socket_mode": "slack_bolt.adapter.socket_mode",
    "oauth_stores": "slack_sdk.oauth.installation_store.sqlalchemy",
    "alembic": "alembic",
    "agents_sdk": "microsoft_agents",
    "msal": "msal",
}

PROBE = f"""
import json, sys
HEAVY = {HEAVY!r}
report = lambda: {{key: name in sys.modules for key, name in HEAVY.items()}}
"""

SETTINGS_ONLY = (
    PROBE
    + """
from main.settings import Settings
from main.slack_settings import SlackSettings
from main.teams_settings import TeamsSettings
import main.server  # what `boussole serve` imports before it opens the database
settings = Settings()
assert SlackSettings().to_config(settings.public_base_url) is None
assert TeamsSettings().to_config() is None
print(json.dumps(report()))
"""
)

START = (
    PROBE
    + """
import asyncio
from bot.clock import SystemClock
from bot.engine import Engine
from main.server import build_platforms, prepare_database
from main.settings import Settings
from main.slack_settings import SlackSettings
from main.teams_settings import TeamsSettings

async def start():
    settings = Settings()
    database = await prepare_database(settings)
    migrated = report()["alembic"]
    clock = SystemClock()
    engine = Engine(database.store, clock)
    slack = SlackSettings(bot_token="xoxb-test", signing_secret="secret")
    platforms = build_platforms(
        settings, engine, database, clock, slack=slack, teams=TeamsSettings()
    )
    for close in platforms.closers:
        await close()
    await database.dispose()
    return {**report(), "alembic_before_platforms": migrated, "status": platforms.status}

print(json.dumps(asyncio.run(start())))
"""
)


async def run_python(code: str, cwd: Path, **env: str) -> dict[str, object]:
    """Run `code` in a fresh interpreter, without SLACK_* / TEAMS_* / DATABASE_URL from here."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "TEAMS_", "DATABASE_URL"))
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        cwd=cwd,  # no .env file there
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    result: dict[str, object] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def test_reading_settings_loads_no_sdk_and_no_alembic(tmp_path: Path) -> None:
    loaded = await run_python(SETTINGS_ONLY, tmp_path)
    assert not any(loaded.values()), loaded


async def test_a_start_on_a_current_sqlite_file_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'start.db'}"
    first = await run_python(START, tmp_path, DATABASE_URL=url)
    assert first["alembic_before_platforms"] is True  # a new file is migrated
    again = await run_python(START, tmp_path, DATABASE_URL=url)
    assert again["alembic_before_platforms"] is False and again["alembic"] is False
    # Slack over HTTP, one workspace: Bolt, but neither Socket Mode nor the OAuth stores.
    assert again["bolt"] is True
    assert again["socket_mode"] is False and again["oauth_stores"] is False
    status = again["status"]
    assert isinstance(status, dict) and status["slack"].startswith("on")

    database = Database.from_url(url)
    try:
        assert await database.current_revisions() == await head_revisions()
    finally:
        await database.dispose()


async def test_migration_heads_read_from_the_files_are_alembics_heads() -> None:
    assert migration_heads() == await head_revisions()


def test_migration_heads_follow_down_revisions(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n')
    (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')
    assert migration_heads(tmp_path) == ("b", "c")
    (tmp_path / "d.py").write_text('revision = "d"\ndown_revision = ("b", "c")\n')
    migration_heads.cache_clear()
    assert migration_heads(tmp_path) == ("d",)
    migration_heads.cache_clear()
