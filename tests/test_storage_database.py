"""Database and migrations on real SQLite and PostgreSQL: URLs, connection settings, Alembic."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as SqlTimeoutError

from bot.model import Locale
from storage import migrate
from storage.database import (
    SQLITE_POOL_TIMEOUT_S,
    Database,
    SqlStore,
    head_revisions,
    normalise_url,
)
from storage.migrations import alembic_config, target_metadata

FOUNDATION_TABLES = {
    "tenant",
    "member",
    "cap_version",
    "cap_ack",
    "quick_win",
    "measurement",
    "retex",
    "processed_request",
}


def _schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, target_metadata()))


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/boussole.db", "sqlite+aiosqlite:///data/boussole.db"),
        ("sqlite+aiosqlite:////var/lib/b.db", "sqlite+aiosqlite:////var/lib/b.db"),
        ("postgres://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgresql://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgresql+psycopg2://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgres://u@db/app?sslmode=require", "postgresql+asyncpg://u@db/app?ssl=require"),
    ],
)
def test_urls_are_normalised_to_async_drivers(given: str, expected: str) -> None:
    assert normalise_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("url", ["mysql://u@db/app", "oracle://db", "mssql+pyodbc://db"])
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        normalise_url(url)


async def test_sqlite_file_and_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "boussole.db"
    database = Database.from_url(f"sqlite:///{path}")
    try:
        assert database.dialect == "sqlite"
        await database.upgrade()
        assert path.is_file()
    finally:
        await database.dispose()


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    try:
        async with database.engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "busy_timeout": 5000,
            "foreign_keys": 1,
            "synchronous": 1,  # NORMAL
        }
    finally:
        await database.dispose()


def test_schema_is_a_postgresql_option(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        Database.from_url(f"sqlite:///{tmp_path / 'b.db'}", schema="x")


# --------------------------------------------------------------------------- migrations


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_schema_diff) == []
        assert await connection.run_sync(_table_names) >= FOUNDATION_TABLES


async def test_upgrade_from_empty_then_downgrade_to_base_and_back(
    blank_database: Database,
) -> None:
    heads = await head_revisions()
    assert "0001_foundation" in await _all_revisions()
    assert await blank_database.current_revisions() == ()

    await blank_database.upgrade()
    assert await blank_database.current_revisions() == heads
    await blank_database.upgrade()  # already there: nothing to do
    assert await blank_database.current_revisions() == heads

    await blank_database.downgrade("base")
    assert await blank_database.current_revisions() == ()
    async with blank_database.engine.connect() as connection:
        assert await connection.run_sync(_table_names) == {"alembic_version"}

    await blank_database.upgrade("0001_foundation")
    assert await blank_database.current_revisions() == ("0001_foundation",)
    async with blank_database.engine.connect() as connection:
        assert await connection.run_sync(_table_names) >= FOUNDATION_TABLES

    await blank_database.upgrade()
    async with blank_database.engine.connect() as connection:
        assert await connection.run_sync(_schema_diff) == []


async def test_foreign_keys_are_enforced_after_migrating(database: Database) -> None:
    """Migrations turn SQLite's foreign keys off for their duration: they must come back on."""
    for _ in range(3):  # whichever pooled connection is handed out
        with pytest.raises(IntegrityError):
            async with database.engine.begin() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO member (tenant_id, external_id, display_name, name_key, role)"
                        " VALUES (424242, 'U', 'Ghost', 'ghost', 'member')"
                    )
                )


async def test_check_constraints_guard_enumerations(database: Database) -> None:
    async with database.store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("slack", "T", "T", Locale.FR, "UTC")
    with pytest.raises(IntegrityError):
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO member (tenant_id, external_id, display_name, name_key, role)"
                    " VALUES (:tenant, 'U', 'Boss', 'boss', 'emperor')"
                ),
                {"tenant": tenant.id},
            )


async def test_cli_helpers_upgrade_and_report(blank_database: Database) -> None:
    """`boussole db upgrade` / `db current` work from a URL (plus the test's schema)."""
    url = blank_database.engine.url.render_as_string(hide_password=False)
    schema = blank_database.schema
    before = await migrate.current(url, schema=schema)
    assert before.current == ()
    assert before.heads == await head_revisions()
    assert not before.up_to_date

    after = await migrate.upgrade(url, schema=schema)
    assert after.current == after.heads == await head_revisions()
    assert after.up_to_date
    assert (await migrate.current(url, schema=schema)).up_to_date
    assert await blank_database.current_revisions() == after.current


async def _all_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


async def test_sqlite_transactions_get_the_connection_in_the_order_they_asked(
    tmp_path: Path,
) -> None:
    """Waiters get SQLite's one connection before a transaction that asks once it is given
    back (the pool's own queue would hand it to that newcomer first), and a transaction
    that fails lets the next one in."""
    database = Database.from_url(f"sqlite:///{tmp_path / 'order.db'}")
    await database.upgrade()
    entered: list[str] = []
    held, let_go = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with database.store.transaction():
            entered.append("holder")
            held.set()
            await let_go.wait()

    async def later(name: str, *, fail: bool = False) -> None:
        async with database.store.transaction() as repo:
            entered.append(name)
            await repo.list_members(1, None)
            if fail:
                raise RuntimeError(name)

    holding = asyncio.create_task(holder())
    await held.wait()
    waiters = [
        asyncio.create_task(later("waiter 1", fail=True)),
        asyncio.create_task(later("waiter 2")),
    ]
    await asyncio.sleep(0.05)  # both queue for the connection
    assert entered == ["holder"]
    let_go.set()
    newcomer = asyncio.create_task(later("newcomer"))  # asks before the first waiter runs
    results = await asyncio.wait_for(
        asyncio.gather(holding, *waiters, newcomer, return_exceptions=True), timeout=10
    )
    assert entered == ["holder", "waiter 1", "waiter 2", "newcomer"]
    assert [type(result).__name__ for result in results] == [
        "NoneType",
        "RuntimeError",
        "NoneType",
        "NoneType",
    ]
    await database.dispose()


async def test_a_sqlite_transaction_waits_for_its_turn_as_long_as_the_pool_would(
    tmp_path: Path,
) -> None:
    """The pool's timeout (60 s by default) bounds the wait for the turn: a transaction that
    does not get it in time fails as the pool would have failed it, and nothing is lost for
    the others."""
    database = Database.from_url(f"sqlite:///{tmp_path / 'wait.db'}")
    await database.upgrade()
    assert database.store.wait_seconds == SQLITE_POOL_TIMEOUT_S
    store = SqlStore(database.engine, wait_seconds=0.05)
    async with store.transaction() as holder:
        await holder.list_members(1)
        with pytest.raises(SqlTimeoutError, match="no turn on the SQLite connection"):
            async with store.transaction():
                pass
    async with store.transaction() as after:
        assert await after.list_members(1) == []
    await database.dispose()
