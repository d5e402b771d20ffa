"""The database: async engine from a URL (SQLite or PostgreSQL), transactions, Alembic migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.migrations import alembic_config
from storage.repository import SqlRepository

if TYPE_CHECKING:
    from alembic.config import Config

    from bot.ports import Store

SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long an SQLite connection waits for another writer before giving up ("database is locked")."""

POSTGRES_CONNECT_TIMEOUT_S = 10.0

SQLITE_POOL_TIMEOUT_S = 60.0
"""How long a request waits for the SQLite connection before failing (the queue, not a lock)."""

Dialect = Literal["sqlite", "postgresql"]

_SQLITE_DRIVERS = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}
_POSTGRES_DRIVERS = {
    "postgres",
    "postgresql",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "postgresql+psycopg2",
}


def normalise_url(url: str | URL) -> URL:
    """The async-driver form of a database URL: sqlite+aiosqlite or postgresql+asyncpg.

    `postgres://` (Heroku style) is accepted, and libpq's `sslmode` becomes asyncpg's `ssl`.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    driver = parsed.drivername
    if driver in _SQLITE_DRIVERS:
        return parsed.set(drivername="sqlite+aiosqlite")
    if driver in _POSTGRES_DRIVERS:
        query = dict(parsed.query)
        if "sslmode" in query:
            query["ssl"] = query.pop("sslmode")
        return parsed.set(drivername="postgresql+asyncpg", query=query)
    raise ValueError(
        f"unsupported database URL scheme {driver!r}: use sqlite:///path or postgresql://..."
    )


class SqlStore:
    """Opens transactions, each one yielding a `SqlRepository` (implements `bot.ports.Store`)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlRepository]:
        """Commit when the block exits normally, roll back when it raises."""
        async with self._sessions() as session, session.begin():
            yield SqlRepository(session)


class Database:
    """One engine, its session factory, its `store`, and the migrations that shape it."""

    def __init__(self, engine: AsyncEngine, *, schema: str | None = None) -> None:
        name = engine.dialect.name
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database dialect {name!r}")
        self.engine: AsyncEngine = engine
        self.dialect: Dialect = "sqlite" if name == "sqlite" else "postgresql"
        self.schema: str | None = schema
        """The PostgreSQL schema this database is confined to (its search_path), if any."""
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        self.store: SqlStore = SqlStore(self.sessions)

    @classmethod
    def from_url(cls, url: str, *, schema: str | None = None, echo: bool = False) -> Database:
        """Create the engine for `url`; `schema` (PostgreSQL only) becomes the search_path."""
        parsed = normalise_url(url)
        if parsed.drivername == "sqlite+aiosqlite":
            if schema is not None:
                raise ValueError("schema is a PostgreSQL option")
            return cls(_sqlite_engine(parsed, echo=echo))
        return cls(_postgres_engine(parsed, schema=schema, echo=echo), schema=schema)

    async def upgrade(self, revision: str = "heads") -> None:
        """Apply the migrations up to `revision` (every branch head by default)."""
        await self._migrate(lambda config: command.upgrade(config, revision))

    async def downgrade(self, revision: str) -> None:
        """Revert the migrations down to `revision` ("base" removes every table)."""
        await self._migrate(lambda config: command.downgrade(config, revision))

    async def current_revisions(self) -> tuple[str, ...]:
        """The revisions the database is at (one per branch), sorted; () when never migrated."""
        async with self.engine.connect() as connection:
            heads = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_heads()
            )
        return tuple(sorted(heads))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    async def _migrate(self, action: Callable[[Config], object]) -> None:
        async with self.engine.connect() as connection:
            if self.dialect == "sqlite":
                await connection.run_sync(_migrate_sqlite, action)
            else:
                await connection.run_sync(_migrate_in_transaction, action)


async def head_revisions() -> tuple[str, ...]:
    """The head revisions of the migration scripts, sorted (read in a worker thread)."""

    def read() -> tuple[str, ...]:
        return tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))

    return await asyncio.to_thread(read)


def _migrate_in_transaction(connection: Connection, action: Callable[[Config], object]) -> None:
    with connection.begin():
        action(alembic_config(connection))


def _migrate_sqlite(connection: Connection, action: Callable[[Config], object]) -> None:
    """Migrate with foreign keys off, as SQLite table rebuilds require, then check them all.

    The pragma only works outside a transaction, so it is set on the raw connection first.
    """
    raw = connection.connection.dbapi_connection
    _execute_raw(raw, "PRAGMA foreign_keys = OFF")
    try:
        with connection.begin():
            action(alembic_config(connection))
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
    finally:
        _execute_raw(raw, "PRAGMA foreign_keys = ON")


def _execute_raw(dbapi_connection: Any, sql: str) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def _sqlite_engine(url: URL, *, echo: bool) -> AsyncEngine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    if not in_memory and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # One connection: SQLite has one writer at a time anyway, and writers then queue in the
    # pool, in order, on the event loop, instead of spinning in SQLite's busy handler, which
    # is unfair and fails with "database is locked" after busy_timeout under load.
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=1,
        max_overflow=0,
        pool_timeout=SQLITE_POOL_TIMEOUT_S,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def configure_connection(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy emits BEGIN itself (see below): the driver's legacy implicit BEGIN
        # skips SELECTs and breaks SAVEPOINTs.
        dbapi_connection.isolation_level = None
        for pragma in (
            f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
            "PRAGMA foreign_keys = ON",
        ):
            _execute_raw(dbapi_connection, pragma)

    @event.listens_for(engine.sync_engine, "begin")
    def begin_immediate(connection: Connection) -> None:
        # Take the write lock up front: a transaction that read first and writes later would
        # otherwise fail at once with SQLITE_BUSY instead of waiting for busy_timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: URL, *, schema: str | None, echo: bool) -> AsyncEngine:
    server_settings = {"application_name": "boussole", "timezone": "UTC"}
    if schema is not None:
        server_settings["search_path"] = '"' + schema.replace('"', '""') + '"'
    return create_async_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        connect_args={"server_settings": server_settings, "timeout": POSTGRES_CONNECT_TIMEOUT_S},
    )


if TYPE_CHECKING:

    def _implements_store(store: SqlStore) -> Store:
        return store
