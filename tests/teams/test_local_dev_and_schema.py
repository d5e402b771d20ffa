"""Local development without credentials (loopback only), and the 0003_teams migration."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, inspect, select

from storage.database import Database
from storage.teams_models import TeamsConversationRow
from tests.fakes.identity import FakeIdentity
from tests.fakes.teams_connector import FakeTeamsConnector
from tests.support.clock import FakeClock
from tests.teams.activities import personal_message
from tests.teams.conftest import TeamsServer, make_config, start_server


@pytest.fixture
async def local_dev(
    database: Database, clock: FakeClock, identity: FakeIdentity, connector: FakeTeamsConnector
) -> AsyncIterator[TeamsServer]:
    config = make_config(identity, app_id="", app_password="", insecure_local_dev=True)
    server, runner = await start_server(config, database, clock, identity, connector)
    try:
        yield server
    finally:
        await server.http.close()
        await runner.cleanup()


async def test_local_development_answers_without_tokens_and_remembers_nothing(
    local_dev: TeamsServer,
) -> None:
    status, _ = await local_dev.post(personal_message(local_dev.service_url, "aide"), token=None)
    assert status == 202
    assert [r.kind for r in local_dev.connector.received] == ["reply", "reply"]
    assert all(r.authorization == "" for r in local_dev.connector.received)
    assert local_dev.identity.jwks_requests == 0
    engine = local_dev.adapter.conversations._engine
    async with engine.connect() as connection:
        count = (
            await connection.execute(select(func.count()).select_from(TeamsConversationRow))
        ).scalar_one()
    assert count == 0  # references come from authenticated activities only


async def test_the_teams_branch_is_migrated_with_its_tables(database: Database) -> None:
    assert "0003_teams" in await database.current_revisions()
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert {"teams_conversation", "teams_member", "teams_sent_activity"} <= set(tables)


async def test_the_teams_branch_downgrades_cleanly(database: Database) -> None:
    await database.downgrade("0003_teams@-1")
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert not {"teams_conversation", "teams_member", "teams_sent_activity"} & set(tables)
    assert "tenant" in tables
    await database.upgrade()
    assert "0003_teams" in await database.current_revisions()
