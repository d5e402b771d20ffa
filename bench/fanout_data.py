"""The fan-out benchmark's database: N Slack workspaces installed through OAuth, each with a
director, M managers, a cap and the default rituals, set up the Sunday before; cached by size."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from slack_sdk.oauth.installation_store import Installation

from adapters.slack import oauth
from adapters.slack.config import SlackConfig
from rituals.definitions import ensure_defaults
from rituals.transactions import transaction
from storage.database import Database, head_revisions
from storage.models import CapVersionRow, MemberRow, TenantRow

DATA_VERSION = 1
MONDAY_NINE = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
"""Monday 9 November 2026, 09:00 in Paris: the cap reminder (not a first Monday: no KPI review)."""
SET_UP_AT = MONDAY_NINE - timedelta(hours=20)
CLIENT_ID = "1234.5678"
CLIENT_SECRET = "bench-client-secret-not-real"
SIGNING_SECRET = "bench-signing-secret-not-real"


def team_id(tenant: int) -> str:
    return f"T{tenant:07d}"


def bot_token(team: str) -> str:
    return f"xoxb-bench-{team}"


def slack_config() -> SlackConfig:
    return SlackConfig(
        signing_secret=SIGNING_SECRET, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )


async def build(path: Path, tenants: int, managers: int) -> None:
    database = Database.from_url(f"sqlite:///{path}")
    try:
        await database.upgrade()
        await _core_rows(database, tenants, managers)
        store = oauth.installation_store(slack_config(), database.engine)
        for tenant in range(1, tenants + 1):
            team = team_id(tenant)
            await store.async_save(
                Installation(
                    app_id="A0BOUSSOLE",
                    team_id=team,
                    team_name=f"PME {tenant}",
                    bot_token=bot_token(team),
                    bot_id=f"B{team}",
                    bot_user_id=f"UBOT{team}",
                    bot_scopes=["chat:write", "im:write", "im:history"],
                    user_id="U0INSTALL",
                    installed_at=SET_UP_AT.timestamp(),
                )
            )
        for tenant in range(1, tenants + 1):
            async with transaction(database.engine) as work:
                record = await work.core.get_tenant(tenant)
                assert record is not None
                await ensure_defaults(work.rituals, record, "", SET_UP_AT)
    finally:
        await database.dispose()


async def _core_rows(database: Database, tenants: int, managers: int) -> None:
    people = managers + 1
    async with database.engine.begin() as connection:
        await connection.execute(
            sa.insert(TenantRow),
            [
                {
                    "id": t,
                    "platform": "slack",
                    "external_id": team_id(t),
                    "name": f"PME {t}",
                    "locale": "fr",
                    "timezone": "Europe/Paris",
                    "active": True,
                    "created_at": SET_UP_AT,
                    "last_quick_win_number": 0,
                    "last_cap_version": 1,
                }
                for t in range(1, tenants + 1)
            ],
        )
        await connection.execute(
            sa.insert(MemberRow),
            [
                {
                    "id": t * people + i,
                    "tenant_id": t,
                    "external_id": f"U{t:06d}{i:02d}",
                    "display_name": f"Personne {t}-{i}",
                    "name_key": f"personne {t}-{i}",
                    "role": "director" if i == 0 else "manager",
                }
                for t in range(1, tenants + 1)
                for i in range(people)
            ],
        )
        await connection.execute(
            sa.insert(CapVersionRow),
            [
                {
                    "id": t,
                    "tenant_id": t,
                    "version": 1,
                    "author_id": t * people,
                    "text": "Devenir la PME de référence à l'export d'ici 2028.",
                    "created_at": SET_UP_AT - timedelta(days=7),
                }
                for t in range(1, tenants + 1)
            ],
        )


async def prepared_database(directory: Path, tenants: int, managers: int) -> Path:
    """A fresh copy (the run changes it) of the cached set-up for this size."""
    heads = ",".join(await head_revisions())
    key = hashlib.sha256(f"{DATA_VERSION}:{tenants}:{managers}:{heads}".encode()).hexdigest()
    cache = Path(tempfile.gettempdir()) / "boussole-bench-cache"
    cache.mkdir(exist_ok=True)
    cached = cache / f"fanout-{tenants}t-{managers}m-{key[:16]}.sqlite"
    if not cached.exists():
        building = cached.with_suffix(f".{os.getpid()}.building")
        await build(building, tenants, managers)
        building.rename(cached)
    copy = directory / f"fanout-{tenants}.sqlite"
    shutil.copyfile(cached, copy)
    return copy
