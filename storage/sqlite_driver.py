"""An aiosqlite connection whose statements each take one trip to its thread, not four, and
whose transactions take none for BEGIN nor for a rollback or commit with nothing to undo."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import aiosqlite
from aiosqlite.context import Result

Rows = list[Any]
Description = tuple[tuple[Any, ...], ...] | None

ITER_CHUNK_SIZE = 64
"""aiosqlite's default (rows per trip when iterating a cursor; unused by SQLAlchemy)."""


class OneTripCursor:
    """The cursor SQLAlchemy's aiosqlite adapter drives. aiosqlite's own takes a trip to the
    connection's thread to create the cursor, one to execute, one to fetch, one to close: four
    hand-offs between the event loop and the thread for every statement. This one runs
    create-execute-fetch-close as one function in the thread, then answers `fetch*` from what
    it brought back (SQLAlchemy fetches everything at once anyway)."""

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: Rows = []
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        def run(raw: sqlite3.Connection) -> tuple[Description, Rows, int, int | None]:
            cursor = raw.cursor()
            try:
                cursor.execute(sql) if parameters is None else cursor.execute(sql, parameters)
                description = cursor.description
                rows = cursor.fetchall() if description else []
                return description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        (
            self.description,
            self._rows,
            self.rowcount,
            self.lastrowid,
        ) = await self._connection.in_thread(run)
        return self

    async def executemany(self, sql: str, seq_of_parameters: Iterable[Any]) -> OneTripCursor:
        def run(raw: sqlite3.Connection) -> tuple[Description, int, int | None]:
            cursor = raw.cursor()
            try:
                cursor.executemany(sql, seq_of_parameters)
                return cursor.description, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        self.description, self.rowcount, self.lastrowid = await self._connection.in_thread(run)
        self._rows = []
        return self

    async def fetchall(self) -> Rows:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Rows:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._rows = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


class OneTripConnection(aiosqlite.Connection):
    """aiosqlite's connection (its thread, its queue, close), with cursors that take one trip
    per statement, and transactions that take no trip of their own but their COMMIT:

    - `begin_immediate` takes the write lock with the transaction's first statement, its
      BEGIN IMMEDIATE run in the same trip (a transaction that never runs one takes no lock);
    - a commit or rollback when no transaction is open (the pool's reset of a connection
      that only read, or after a commit) returns without a trip, as sqlite3 would do nothing;
    - a transaction's last statements can carry its COMMIT (`in_thread(..., then_commit=True)`):
      the caller's commit then takes no trip either.

    Whether a transaction is open is what sqlite3 said at the end of the last trip; while a
    trip runs, or after one failed or was cancelled, it is unknown and the trip is taken."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._begin_pending = False
        self._in_transaction: bool | None = None
        self._committed_with_last = False

    def cursor(self) -> Result[OneTripCursor]:  # type: ignore[override]
        async def make() -> OneTripCursor:
            return OneTripCursor(self)

        return Result(make())

    def begin_immediate(self) -> None:
        """Begin a write transaction: BEGIN IMMEDIATE runs just before the next statement."""
        self._begin_pending = True
        self._committed_with_last = False

    async def in_thread[T](
        self,
        function: Callable[[sqlite3.Connection], T],
        *,
        then_commit: bool | Callable[[T], bool] = False,
    ) -> T:
        """Run `function(sqlite3 connection)` in the connection's thread, in queue order,
        after the pending BEGIN IMMEDIATE if there is one.

        `then_commit`: `function` runs the transaction's last statements; the open
        transaction is committed in the same trip when it succeeds (and, for a predicate,
        when its result passes it). Until the caller's own commit or rollback (which then
        take no trip), any further statement is refused (`sqlite3.ProgrammingError`): it
        would run outside the transaction."""
        if self._committed_with_last:
            raise sqlite3.ProgrammingError(
                "this transaction was committed with its last statements: nothing may follow"
            )
        begin, self._begin_pending = self._begin_pending, False
        self._in_transaction = None

        def trip(raw: sqlite3.Connection) -> tuple[T, bool, bool]:
            if begin:
                raw.execute("BEGIN IMMEDIATE")
            result = function(raw)
            wanted = then_commit(result) if callable(then_commit) else then_commit
            committed = wanted and raw.in_transaction
            if committed:
                raw.commit()
            return result, raw.in_transaction, committed

        raw: sqlite3.Connection = self._conn
        outcome: tuple[T, bool, bool] = await self._execute(trip, raw)  # type: ignore[no-untyped-call]
        result, self._in_transaction, self._committed_with_last = outcome
        return result

    async def commit(self) -> None:
        """Commit the open transaction (nothing to do, and no trip, when none is open)."""
        await self._end(sqlite3.Connection.commit)

    async def rollback(self) -> None:
        """Roll back the open transaction (nothing to do, and no trip, when none is open)."""
        await self._end(sqlite3.Connection.rollback)

    async def _end(self, end: Callable[[sqlite3.Connection], None]) -> None:
        self._committed_with_last = False
        if self._begin_pending:  # begun, but no statement ran: no BEGIN was sent
            self._begin_pending = False
            return
        if self._in_transaction is False:
            return
        await self.in_thread(end)


def one_trip_creator(
    connect_args: Sequence[Any], connect_kwargs: Mapping[str, Any]
) -> Callable[[], Awaitable[OneTripConnection]]:
    """An `async_creator` for `create_async_engine`: opens the file with the arguments the
    SQLAlchemy dialect computed from the URL (`dialect.create_connect_args`)."""

    async def create() -> OneTripConnection:
        connector = partial(sqlite3.connect, *connect_args, **connect_kwargs)
        connection = OneTripConnection(connector, ITER_CHUNK_SIZE)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
        await connection  # starts the thread and opens the file
        return connection

    return create
