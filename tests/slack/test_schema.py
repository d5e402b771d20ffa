"""Migration 0002_slack creates exactly the tables slack_sdk's SQLAlchemy stores read and write,
on SQLite and PostgreSQL, and the stores work on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.models.installation import Installation

from adapters.slack.config import SlackConfig
from adapters.slack.oauth import installation_store, state_store
from storage.database import Database
from storage.slack_models import SLACK_TABLES

Columns = dict[str, tuple[str, int | None, bool]]
Shape = dict[str, tuple[Columns, dict[str, tuple[str, ...]]]]
TYPE_ALIASES = {"VARCHAR": "STRING", "TIMESTAMP": "DATETIME"}


def _kind(type_: object) -> str:
    name = type(type_).__name__.upper()
    return TYPE_ALIASES.get(name, name)


def describe(connection: sa.Connection) -> Shape:
    """The Slack tables as the database has them."""
    inspector = sa.inspect(connection)
    described: Shape = {}
    for table in SLACK_TABLES:
        columns: Columns = {
            c["name"]: (_kind(c["type"]), getattr(c["type"], "length", None), c["nullable"])
            for c in inspector.get_columns(table.name)
        }
        indexes = {
            str(i["name"]): tuple(str(n) for n in i["column_names"])
            for i in inspector.get_indexes(table.name)
        }
        described[table.name] = (columns, indexes)
    return described


def expected() -> Shape:
    """The Slack tables as slack_sdk's stores declare them."""
    described: Shape = {}
    for table in SLACK_TABLES:
        columns: Columns = {
            c.name: (_kind(c.type), getattr(c.type, "length", None), bool(c.nullable))
            for c in table.columns
        }
        indexes = {str(i.name): tuple(c.name for c in i.columns) for i in table.indexes}
        described[table.name] = (columns, indexes)
    return described


async def test_migrated_tables_match_slack_sdks_definitions(database: Database) -> None:
    async with database.engine.connect() as connection:
        actual = await connection.run_sync(describe)

    assert actual == expected()


async def test_slack_sdks_stores_work_on_the_migrated_tables(database: Database) -> None:
    config = SlackConfig(signing_secret="s", client_id="1.2", client_secret="x")
    installations = installation_store(config, database.engine)
    states = state_store(config, database.engine)
    expires = datetime.now(UTC) + timedelta(hours=12)

    await installations.async_save(
        Installation(
            app_id="A1",
            team_id="T1",
            bot_token="xoxb-1",
            bot_id="B1",
            bot_user_id="UB1",
            bot_refresh_token="xoxe-1",
            bot_token_expires_at=int(expires.timestamp()),
            user_id="U1",
        )
    )
    bot = await installations.async_find_bot(enterprise_id=None, team_id="T1")
    state = await states.async_issue()

    assert bot is not None and bot.bot_token == "xoxb-1" and bot.bot_refresh_token == "xoxe-1"
    assert await installations.async_find_bot(enterprise_id=None, team_id="T2") is None
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False
