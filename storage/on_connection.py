"""What the SQL repositories share: statements run on the connection of the caller's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import SelectBase, UpdateBase
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

from storage.models import Base
from storage.one_trip import complete, rows_in_one_trip, rows_of_each_in_one_trip
from storage.upserts import insert_unless_taken

CoreRow = Any
"""A Core statement's row: SQLAlchemy's `Row`, or on SQLite the named tuple of
`storage.one_trip.rows_in_one_trip`; read by column name (`row.id`) or position."""


class OnConnection:
    """A repository working inside the transaction its caller opened on `connection`.

    Statements are SQLAlchemy Core executions: a `select(SomeRow)` comes back as rows of the
    table's columns, read by name (`row.id`), never as ORM objects. Nothing is kept between
    statements, so there is nothing to flush, and no ORM session to pay for. The `_fetch_*`
    helpers run statements built for the call; `_all` / `_first` run prebuilt ones, on
    SQLite in one trip to the connection's thread."""

    def __init__(
        self, connection: AsyncConnection, *, end: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self._connection = connection
        self._dialect = connection.dialect.name
        self._end = end
        """Commits the caller's transaction and gives its connection back, when the caller
        (the store that opened it) lets statements end it early (`_all_each`)."""

    @property
    def connection(self) -> AsyncConnection:
        """The transaction's connection (other repositories may share its transaction)."""
        return self._connection

    async def _fetch_all(self, statement: Executable) -> Sequence[Row[Any]]:
        """Every row of a statement."""
        return (await self._connection.execute(statement)).all()

    async def _fetch_first(self, statement: Executable) -> Row[Any] | None:
        """The first row of a statement, or None."""
        return (await self._connection.execute(statement)).first()

    async def _fetch_scalar(self, statement: Executable) -> Any:
        """The first column of the first row of a statement, or None."""
        return (await self._connection.execute(statement)).scalar()

    async def _fetch_scalars(self, statement: Executable) -> list[Any]:
        """The first column of every row of a statement."""
        return list((await self._connection.execute(statement)).scalars())

    async def _all(self, statement: Executable, parameters: dict[str, Any]) -> Sequence[CoreRow]:
        """Every row of a prebuilt Core statement (plain columns): a SELECT, or a write
        RETURNING rows in a transaction, on SQLite in one hand-off to its thread
        (`storage.one_trip`, which compiles each statement object once: pass statements
        built once, as module constants or cached builders are); anything else through
        SQLAlchemy."""
        if isinstance(statement, SelectBase | UpdateBase):
            rows = await rows_in_one_trip(self._connection, statement, parameters)
            if rows is not None:
                return rows
        return (await self._connection.execute(statement, parameters)).all()

    async def _all_each(
        self,
        statements: Sequence[tuple[Executable, dict[str, Any]]],
        *,
        ends_transaction: bool = False,
    ) -> list[Sequence[CoreRow]]:
        """The rows of each prebuilt statement, run in order (as `_all` runs one): on SQLite
        all in one hand-off to its thread (a claim and the read beside it).

        `ends_transaction`: nothing follows them in the caller's transaction, once they are
        complete (each write returned rows: `storage.one_trip.complete`; a write that found
        nothing to do leaves the transaction open, for the caller to raise and roll back). On
        SQLite the same hand-off then commits it; and when the store that opened the
        transaction allows it (`end`), it is committed and its connection given back right
        after them."""
        prebuilt = [
            (statement, parameters)
            for statement, parameters in statements
            if isinstance(statement, SelectBase | UpdateBase)
        ]
        each: list[Sequence[CoreRow]] | None = None
        if len(prebuilt) == len(statements):
            one_trip = await rows_of_each_in_one_trip(
                self._connection, prebuilt, commit=ends_transaction
            )
            each = None if one_trip is None else list(one_trip)
        if each is None:
            each = [await self._all(statement, parameters) for statement, parameters in statements]
        if ends_transaction and self._end is not None and complete(statements, each):
            await self._end()
        return each

    async def _first(self, statement: Executable, parameters: dict[str, Any]) -> CoreRow | None:
        """The first row of a prebuilt Core statement (as `_all` runs it), or None."""
        rows = await self._all(statement, parameters)
        return rows[0] if rows else None

    async def _insert_ignoring_conflict(
        self,
        model: type[Base],
        values: dict[str, Any],
        *,
        conflict: Sequence[str],
        returning: str,
    ) -> Any:
        """INSERT one row ... ON CONFLICT DO NOTHING RETURNING: the returned column, None on
        conflict. A conflict neither raises nor aborts the surrounding transaction."""
        statement = insert_unless_taken(
            self._dialect, model.__tablename__, tuple(conflict), (returning,)
        )
        row = await self._first(statement, dict(values))
        return None if row is None else row[0]
