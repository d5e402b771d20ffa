"""The SQLite connection that takes one trip to its thread per statement: what SQLAlchemy asks
of a cursor answers as with aiosqlite's own, in one hand-off, and the aiosqlite internals it
relies on are still there."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiosqlite
import pytest
import sqlalchemy as sa
from aiosqlite.context import Result
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from storage.database import Database
from storage.sqlite_driver import OneTripConnection

TABLE = sa.Table(
    "thing",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, unique=True, nullable=False),
)


@pytest.fixture
async def sqlite(tmp_path: Path) -> Database:
    database = Database.from_url(f"sqlite:///{tmp_path / 'driver.db'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(TABLE.metadata.create_all)
    yield database  # type: ignore[misc]
    await database.dispose()


class Trips:
    """Counts the functions queued to the connection's thread."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = aiosqlite.Connection._execute

        async def counting(
            connection: aiosqlite.Connection, *args: object, **kwargs: object
        ) -> object:
            self.count += 1
            return await original(connection, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)


def test_the_aiosqlite_internals_it_uses_are_there() -> None:
    assert inspect.iscoroutinefunction(aiosqlite.Connection._execute)
    parameters = list(inspect.signature(aiosqlite.Connection.__init__).parameters)
    assert parameters[1:3] == ["connector", "iter_chunk_size"]
    assert issubclass(OneTripConnection, aiosqlite.Connection)
    assert hasattr(Result, "__aenter__") and hasattr(Result, "__await__")


async def test_the_engine_opens_one_trip_connections(sqlite: Database) -> None:
    async with sqlite.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, OneTripConnection)


async def test_a_select_takes_one_trip_and_reads_every_row(
    sqlite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite.engine.begin() as connection:
        await connection.execute(sa.insert(TABLE), [{"name": f"n{i}"} for i in range(150)])
    trips = Trips(monkeypatch)
    async with sqlite.engine.connect() as connection:
        await connection.execute(sa.text("SELECT 1"))  # (after the transaction's BEGIN)
        trips.count = 0
        result = await connection.execute(sa.select(TABLE).order_by(TABLE.c.id))
        assert trips.count == 1
        rows = result.all()
        assert trips.count == 1
    assert [row.name for row in rows] == [f"n{i}" for i in range(150)]
    assert list(result.keys()) == ["id", "name"]

    stock = create_async_engine(sqlite.engine.url)  # aiosqlite's own cursors, for contrast
    try:
        async with stock.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
            trips.count = 0
            same = await connection.execute(sa.select(TABLE).order_by(TABLE.c.id))
            assert same.all() == rows
            assert trips.count == 4  # cursor, execute, fetchall, close
    finally:
        await stock.dispose()


async def test_rowcount_lastrowid_returning_and_executemany(sqlite: Database) -> None:
    async with sqlite.engine.begin() as connection:
        inserted = await connection.execute(sa.insert(TABLE).values(name="a"))
        assert inserted.inserted_primary_key == (1,)
        many = await connection.execute(sa.insert(TABLE), [{"name": "b"}, {"name": "c"}])
        assert many.rowcount == 2
        updated = await connection.execute(
            sa.update(TABLE).where(TABLE.c.name != "a").values(name=TABLE.c.name + "!")
        )
        assert updated.rowcount == 2
        returned = await connection.execute(
            sa.delete(TABLE).where(TABLE.c.name == "b!").returning(TABLE.c.id, TABLE.c.name)
        )
        assert returned.all() == [(2, "b!")]
        none = await connection.execute(sa.select(TABLE).where(TABLE.c.id > 100))
        assert none.all() == []
        first = await connection.execute(sa.select(TABLE.c.name).order_by(TABLE.c.id))
        assert first.first() == ("a",)
        assert (await connection.scalar(sa.select(sa.func.count()).select_from(TABLE))) == 2


async def test_errors_surface_as_before_and_roll_back(sqlite: Database) -> None:
    with pytest.raises(IntegrityError):
        async with sqlite.engine.begin() as connection:
            await connection.execute(sa.insert(TABLE).values(name="same"))
            await connection.execute(sa.insert(TABLE).values(name="same"))
    with pytest.raises(OperationalError):
        async with sqlite.engine.connect() as connection:
            await connection.execute(sa.text("SELECT nope FROM thing"))
    async with sqlite.engine.connect() as connection:
        assert (await connection.execute(sa.select(TABLE))).all() == []  # nothing kept


async def test_transactions_commit_and_roll_back_through_the_store(sqlite: Database) -> None:
    with pytest.raises(RuntimeError):
        async with sqlite.store.transaction() as repo:
            await repo.connection.execute(sa.insert(TABLE).values(name="lost"))
            raise RuntimeError("bad input")
    async with sqlite.store.transaction() as repo:
        await repo.connection.execute(sa.insert(TABLE).values(name="kept"))
    async with sqlite.engine.connect() as connection:
        assert (await connection.execute(sa.select(TABLE.c.name))).all() == [("kept",)]


async def test_a_transaction_cancelled_mid_statement_leaves_no_lock_and_nothing_written(
    sqlite: Database,
) -> None:
    """A request cancelled while its statement runs in the thread (a client gone, a stop):
    its transaction is undone and the next one neither waits for nor sees it."""
    slow = sa.text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)"
        " SELECT count(*) FROM c"
    )
    started = asyncio.Event()

    async def cancelled_request() -> None:
        async with sqlite.engine.begin() as connection:
            await connection.execute(sa.insert(TABLE).values(name="half-done"))
            started.set()
            await connection.execute(slow)

    task = asyncio.create_task(cancelled_request())
    await started.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with sqlite.engine.begin() as connection:
        await connection.execute(sa.insert(TABLE).values(name="next"))
    async with sqlite.engine.connect() as connection:
        assert (await connection.execute(sa.select(TABLE.c.name))).all() == [("next",)]


def _try_write_lock(path: str) -> str:
    """From another connection: take the write lock at once, or say why not."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return "free"
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        other.close()


async def test_a_write_transaction_takes_a_trip_per_statement_and_its_commit_only(
    sqlite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BEGIN IMMEDIATE rides with the first statement; after COMMIT the pool's reset of the
    connection has nothing to undo and takes no trip (five trips before: BEGIN, two
    statements, COMMIT, reset; four before for a read, now two)."""
    trips = Trips(monkeypatch)
    async with sqlite.store.transaction() as repo:
        await repo.connection.execute(sa.select(TABLE))
        await repo.connection.execute(sa.insert(TABLE).values(name="one"))
    assert trips.count == 3
    trips.count = 0
    async with sqlite.engine.connect() as connection:  # SQLAlchemy begins one for reads too
        assert (await connection.execute(sa.select(TABLE.c.name))).all() == [("one",)]
    assert trips.count == 2  # the statement with its BEGIN, then the ROLLBACK that ends it
    trips.count = 0
    async with sqlite.engine.begin():  # a transaction that runs nothing
        pass
    assert trips.count == 0


async def test_the_write_lock_is_taken_with_the_first_statement_and_released_after(
    sqlite: Database,
) -> None:
    path = str(sqlite.engine.url.database)
    async with sqlite.engine.begin() as connection:
        assert await asyncio.to_thread(_try_write_lock, path) == "free"  # nothing ran yet
        await connection.execute(sa.select(TABLE))  # a read first: the lock is taken anyway
        assert await asyncio.to_thread(_try_write_lock, path) == "database is locked"
        await connection.execute(sa.insert(TABLE).values(name="kept"))
    assert await asyncio.to_thread(_try_write_lock, path) == "free"

    with pytest.raises(OperationalError):  # the first statement fails after its BEGIN
        async with sqlite.engine.begin() as connection:
            await connection.execute(sa.text("SELECT nope FROM thing"))
    assert await asyncio.to_thread(_try_write_lock, path) == "free"  # rolled back
    with pytest.raises(IntegrityError):
        async with sqlite.engine.begin() as connection:
            await connection.execute(sa.insert(TABLE).values(name="lost"))
            await connection.execute(sa.insert(TABLE).values(name="kept"))
    assert await asyncio.to_thread(_try_write_lock, path) == "free"
    async with sqlite.engine.begin() as connection:  # the same pooled connection goes on
        await connection.execute(sa.insert(TABLE).values(name="next"))
    async with sqlite.engine.connect() as connection:
        names = (await connection.execute(sa.select(TABLE.c.name).order_by(TABLE.c.id))).all()
    assert names == [("kept",), ("next",)]


async def test_a_rolled_back_transaction_undoes_its_writes_before_the_next_begins(
    sqlite: Database,
) -> None:
    async with sqlite.engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(sa.insert(TABLE).values(name="undone"))
        await transaction.rollback()
        async with connection.begin():
            await connection.execute(sa.insert(TABLE).values(name="done"))
    async with sqlite.engine.connect() as connection:
        assert (await connection.execute(sa.select(TABLE.c.name))).all() == [("done",)]


async def _driver_of(connection: AsyncConnection) -> OneTripConnection:
    driver = (await connection.get_raw_connection()).driver_connection
    assert isinstance(driver, OneTripConnection)
    return driver


async def test_the_last_statements_can_carry_the_commit(
    sqlite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`then_commit`: the trip commits, so the write lock is free at once and the block's own
    COMMIT takes no trip; a statement after it would run outside the transaction and is
    refused, and the next transaction on the same connection works as usual; a predicate
    that refuses the result leaves the transaction open."""
    path = str(sqlite.engine.url.database)

    def insert(name: str) -> Callable[[sqlite3.Connection], int]:
        def run(raw: sqlite3.Connection) -> int:
            return raw.execute("INSERT INTO thing (name) VALUES (?)", (name,)).rowcount

        return run

    trips = Trips(monkeypatch)
    async with sqlite.engine.begin() as connection:
        driver = await _driver_of(connection)
        assert await driver.in_thread(insert("first"), then_commit=True) == 1
        assert await asyncio.to_thread(_try_write_lock, path) == "free"  # already committed
    assert trips.count == 1  # BEGIN IMMEDIATE, the insert and COMMIT, in one trip

    with pytest.raises(ProgrammingError, match="committed with its last statements"):
        async with sqlite.engine.begin() as connection:
            driver = await _driver_of(connection)
            await driver.in_thread(insert("second"), then_commit=True)
            await connection.execute(sa.insert(TABLE).values(name="outside"))
    with pytest.raises(sqlite3.IntegrityError):  # a failing trip commits nothing
        async with sqlite.engine.begin() as connection:
            driver = await _driver_of(connection)
            await driver.in_thread(insert("third"))
            await driver.in_thread(insert("first"), then_commit=True)
    async with sqlite.engine.begin() as connection:  # a predicate that says no: no COMMIT
        driver = await _driver_of(connection)

        def rename_nobody(raw: sqlite3.Connection) -> int:
            return raw.execute("UPDATE thing SET name = 'x' WHERE id = -1").rowcount

        assert await driver.in_thread(rename_nobody, then_commit=lambda count: count > 0) == 0
        assert await asyncio.to_thread(_try_write_lock, path) == "database is locked"
        await connection.execute(sa.insert(TABLE).values(name="next"))  # still in it
    async with sqlite.engine.connect() as connection:
        names = (await connection.execute(sa.select(TABLE.c.name).order_by(TABLE.c.id))).all()
    assert names == [("first",), ("second",), ("next",)]
    assert await asyncio.to_thread(_try_write_lock, path) == "free"
