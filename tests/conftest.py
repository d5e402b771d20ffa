"""Shared fixtures: real SQLite and PostgreSQL databases (migrated or blank), the store, a clock."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from storage.database import Database, SqlStore, normalise_url
from tests.support.clock import FakeClock

POSTGRES_URL_ENV = "BOUSSOLE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_CONNECT_TIMEOUT_S = 5.0

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]

_postgres_unreachable: str | None = None


def postgres_url() -> str:
    """The PostgreSQL server tests use (a database where they may create schemas)."""
    return os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)


@asynccontextmanager
async def _admin_connection() -> AsyncIterator[AsyncConnection]:
    """An autocommit connection to the test server; skips (fails on CI) when it is unreachable."""
    global _postgres_unreachable
    url = normalise_url(postgres_url())
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        connection: AsyncConnection | None = None
        if _postgres_unreachable is None:
            try:
                connection = await asyncio.wait_for(engine.connect(), POSTGRES_CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError, DBAPIError) as error:
                _postgres_unreachable = f"{type(error).__name__}: {error}".splitlines()[0]
        if connection is None:
            message = (
                f"PostgreSQL is unreachable at {url!r} ({_postgres_unreachable}); "
                f"start it or set {POSTGRES_URL_ENV}"
            )
            if os.environ.get("CI") == "true":
                pytest.fail(f"{message}. PostgreSQL tests are required on CI.", pytrace=False)
            pytest.skip(message)
        try:
            yield connection
        finally:
            await connection.close()
    finally:
        await engine.dispose()


@asynccontextmanager
async def blank_postgres() -> AsyncIterator[Database]:
    """A Database confined to a fresh random schema, dropped (CASCADE) afterwards."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    async with _admin_connection() as admin:
        await admin.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            database = Database.from_url(postgres_url(), schema=schema)
            try:
                yield database
            finally:
                await database.dispose()
        finally:
            await admin.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=DATABASES)
async def blank_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """An empty database, not migrated: SQLite in a temporary file, or PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "boussole.db"
        database = Database.from_url(f"sqlite:///{path}")
        try:
            yield database
        finally:
            await database.dispose()
    else:
        async with blank_postgres() as database:
            yield database


@pytest.fixture
async def database(blank_database: Database) -> Database:
    """A database migrated to every head, on SQLite and on PostgreSQL."""
    await blank_database.upgrade()
    return blank_database


@pytest.fixture
def store(database: Database) -> SqlStore:
    return database.store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
