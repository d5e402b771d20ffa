"""The database: async engine from a URL (SQLite or PostgreSQL), transactions, Alembic migrations.

Alembic (and its Mako templates) is imported only to migrate or to read the script directory: a
start-up finds the schema current by comparing the `alembic_version` rows with the heads read
from the migration files (`migration_heads`), and loads Alembic only when they differ."""

from __future__ import annotations

import ast
import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import TimeoutError as SqlTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage.repository import SqlRepository
from storage.sqlite_driver import OneTripConnection, one_trip_creator

if TYPE_CHECKING:
    from alembic.config import Config

    from bot.ports import Store

SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long an SQLite connection waits for another writer before giving up ("database is locked")."""

POSTGRES_CONNECT_TIMEOUT_S = 10.0

SQLITE_POOL_TIMEOUT_S = 60.0
"""How long a request waits for the SQLite connection (its turn, then the pool) before failing."""

Dialect = Literal["sqlite", "postgresql"]

MIGRATION_VERSIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"
"""Alembic's `versions` folder (storage/migrations/versions), one file per revision."""

VERSION_TABLE = "alembic_version"
"""Where Alembic records the revisions a database is at (one row per branch head)."""

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
    """Opens transactions, each one yielding a `SqlRepository` (implements `bot.ports.Store`).

    On SQLite, whose one connection every transaction queues for, transactions get it in the
    order they asked: the pool's own queue (asyncio's) lets a newcomer take a connection
    just given back ahead of the waiter it was given to, and that waiter, passed over, goes
    to the back of the queue, again and again under load (the slowest turns waited longest)."""

    def __init__(self, engine: AsyncEngine, *, wait_seconds: float | None = None) -> None:
        self._engine = engine
        self._in_order = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        """Held from a transaction's checkout to its connection's return (asyncio's lock
        serves its waiters first come, first served: a newcomer waits behind them)."""
        if wait_seconds is None:  # as long as it would have waited in the pool
            pool_timeout = getattr(engine.pool, "timeout", None)
            wait_seconds = (
                float(pool_timeout()) if callable(pool_timeout) else SQLITE_POOL_TIMEOUT_S
            )
        self._wait_seconds = wait_seconds

    @property
    def wait_seconds(self) -> float:
        """How long a transaction on SQLite waits for its turn before failing."""
        return self._wait_seconds

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlRepository]:
        """Commit when the block exits normally, roll back when it raises.

        The repository may end the transaction before the block does (its statements that
        end it, `ends_transaction`): it is then committed and its connection goes back to the
        pool at once, while the caller words its answer; the block's end has nothing left
        to do, and a statement after that fails (the connection is closed)."""
        if self._in_order is not None:
            try:
                async with asyncio.timeout(self._wait_seconds):
                    await self._in_order.acquire()
            except TimeoutError:
                raise SqlTimeoutError(
                    f"no turn on the SQLite connection within {self._wait_seconds:g} s"
                ) from None
        open_transaction = _OpenTransaction(self._in_order)
        try:
            connection = await self._engine.connect()
            open_transaction.connection = connection
            await connection.begin()
            yield SqlRepository(connection, end=open_transaction.end)
            if not open_transaction.ended:
                await connection.commit()
        except BaseException:
            await open_transaction.roll_back()
            raise
        finally:
            await open_transaction.close()


class _OpenTransaction:
    """A store transaction's connection, ended (committed) once, closed once, and the turn
    of the next transaction given once the connection is back in the pool."""

    def __init__(self, in_order: asyncio.Lock | None) -> None:
        self.connection: AsyncConnection | None = None
        self.ended = False
        self._in_order = in_order

    async def end(self) -> None:
        """Commit now and give the connection back (the repository's statements ended it)."""
        self.ended = True
        try:
            if self.connection is not None:
                await self.connection.commit()
        finally:
            await self.close()

    async def roll_back(self) -> None:
        if not self.ended and self.connection is not None:
            await self.connection.rollback()

    async def close(self) -> None:
        connection, self.connection = self.connection, None
        try:
            if connection is not None:
                await connection.close()
        finally:
            in_order, self._in_order = self._in_order, None
            if in_order is not None:
                in_order.release()


class Database:
    """One engine, its `store`, and the migrations that shape it."""

    def __init__(self, engine: AsyncEngine, *, schema: str | None = None) -> None:
        name = engine.dialect.name
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database dialect {name!r}")
        self.engine: AsyncEngine = engine
        self.dialect: Dialect = "sqlite" if name == "sqlite" else "postgresql"
        self.schema: str | None = schema
        """The PostgreSQL schema this database is confined to (its search_path), if any."""
        self.store: SqlStore = SqlStore(engine)

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
        from alembic import command

        await self._migrate(lambda config: command.upgrade(config, revision))

    async def upgrade_if_behind(self) -> bool:
        """Migrate to the heads unless the database is already exactly there (True if it ran).

        The check reads `alembic_version` and the migration files without importing Alembic,
        so a start on a current schema does not pay for it (files read off the event loop)."""
        heads = await asyncio.to_thread(migration_heads)
        if set(await self.current_revisions()) == set(heads):
            return False
        await self.upgrade()
        return True

    async def downgrade(self, revision: str) -> None:
        """Revert the migrations down to `revision` ("base" removes every table)."""
        from alembic import command

        await self._migrate(lambda config: command.downgrade(config, revision))

    async def current_revisions(self) -> tuple[str, ...]:
        """The revisions the database is at (one per branch), sorted; () when never migrated.

        Read from the `alembic_version` table directly, as Alembic's `get_current_heads` does
        (same table, same schema resolution), without importing Alembic."""
        async with self.engine.connect() as connection:
            return await connection.run_sync(_stored_revisions)

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
    """The head revisions of the migration scripts as Alembic's `ScriptDirectory` reports them,
    sorted (read in a worker thread; imports Alembic). `migration_heads` is the light twin."""

    def read() -> tuple[str, ...]:
        from alembic.script import ScriptDirectory

        from storage.migrations import alembic_config

        return tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))

    return await asyncio.to_thread(read)


@functools.cache
def migration_heads(versions_dir: Path = MIGRATION_VERSIONS_DIR) -> tuple[str, ...]:
    """The head revisions, sorted, read from the migration files without importing Alembic:
    every `revision` that no file names as its `down_revision`. Only the module-level literal
    assignments are parsed (no code runs); a test checks the result against `head_revisions`."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions_dir.glob("*.py")):
        if path.name.startswith(("__init__", ".#")):
            continue
        values = _literal_assignments(path, ("revision", "down_revision"))
        revision = values.get("revision")
        if not isinstance(revision, str):
            raise RuntimeError(f"{path}: no literal `revision = '...'` at module level")
        revisions.add(revision)
        down = values.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, list | tuple):
            parents.update(str(item) for item in down)
        elif down is not None:
            raise RuntimeError(f"{path}: `down_revision` is not a literal string, tuple or None")
    return tuple(sorted(revisions - parents))


def _literal_assignments(path: Path, names: tuple[str, ...]) -> dict[str, object]:
    """The literal values assigned to `names` at the top level of a Python file."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            found[target.id] = ast.literal_eval(value)
    return found


def _stored_revisions(connection: Connection) -> tuple[str, ...]:
    if not inspect(connection).has_table(VERSION_TABLE):
        return ()
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
    return tuple(sorted(str(row) for row in rows))


def _migrate_in_transaction(connection: Connection, action: Callable[[Config], object]) -> None:
    from storage.migrations import alembic_config

    with connection.begin():
        action(alembic_config(connection))


def _migrate_sqlite(connection: Connection, action: Callable[[Config], object]) -> None:
    """Migrate with foreign keys off, as SQLite table rebuilds require, then check them all.

    The pragma only works outside a transaction, so it is set on the raw connection first.
    """
    from storage.migrations import alembic_config

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
    # One connection: SQLite has one writer at a time anyway, and writers then queue on the
    # event loop (the store's transactions in order: `SqlStore`), instead of spinning in
    # SQLite's busy handler, which is unfair and fails with "database is locked" after
    # busy_timeout under load.
    # The file is opened with the arguments SQLAlchemy would use, by a connection whose
    # statements each take one trip to its thread (`storage.sqlite_driver`).
    connect_args, connect_kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=1,
        max_overflow=0,
        pool_timeout=SQLITE_POOL_TIMEOUT_S,
        async_creator=one_trip_creator(connect_args, connect_kwargs),
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
        # otherwise fail at once with SQLITE_BUSY instead of waiting for busy_timeout. The
        # BEGIN IMMEDIATE rides with the transaction's first statement (one trip, not two).
        driver = connection.connection.driver_connection
        if not isinstance(driver, OneTripConnection):  # pragma: no cover - our creator's
            raise TypeError(f"unexpected SQLite connection {type(driver).__name__}")
        driver.begin_immediate()

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
