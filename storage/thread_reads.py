"""Prebuilt read statements run on SQLite in one trip, their rows sorted out in its thread."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from storage.sqlite_driver import OneTripConnection


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement's SQLite text, and how named parameters become its positional values."""

    sql: str
    names: tuple[str, ...]
    """The parameter of each `?`, in order (a name used twice is listed twice)."""
    fixed: Mapping[str, Any]
    """Values the statement carries itself (literal comparisons such as `state = 'active'`)."""
    processors: Mapping[str, Callable[[Any], Any]]
    """Each parameter's bind processing (its column type's: UTC text, scaled decimals)."""

    def values(self, parameters: Mapping[str, Any]) -> list[Any]:
        given = {**self.fixed, **parameters}
        values = []
        for name in self.names:
            value = given[name]
            process = self.processors.get(name)
            values.append(value if process is None else process(value))
        return values


@functools.lru_cache(maxsize=64)
def _compiled(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    # (SQLite's paramstyle is qmark: its statements always have positional parameters)
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:  # pragma: no cover
        raise TypeError("a SQL statement with positional parameters was expected")
    processors: dict[str, Callable[[Any], Any]] = {}
    fixed: dict[str, Any] = {}
    for bind, name in compiled.bind_names.items():
        if bind.expanding:  # pragma: no cover - IN lists are rendered at execution time
            raise TypeError(f"expanding parameter {name!r} is not supported")
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
        if not bind.required and bind.callable is None:
            fixed[name] = bind.value
    return _Compiled(compiled.string, tuple(compiled.positiontup), fixed, processors)


async def read_in_one_trip[T](
    connection: AsyncConnection,
    statement: ClauseElement,
    parameters: Mapping[str, Any],
    sort_out: Callable[[Sequence[Any]], T],
) -> T | None:
    """`sort_out(rows)` of a prebuilt Core statement, run in the transaction of `connection`.

    On SQLite (our one-trip driver) the statement, compiled once, runs with `sort_out` in the
    connection's thread: one hand-off for the whole read and no SQLAlchemy execution path, so
    the event loop spends nothing on the rows. Returns None on any other database, where the
    caller runs the statement the usual way. The rows are the driver's tuples: `sort_out`
    decodes values itself (`sqlalchemy` result processors of the column types).

    With `echo` on or a statement listener attached (a test's recorder, tracing), it also
    returns None: every statement then goes through SQLAlchemy, where they see it."""
    if _watched(connection):
        return None
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if not isinstance(driver, OneTripConnection):
        return None
    compiled = _compiled(statement, connection.dialect)
    values = compiled.values(parameters)

    def run(database: sqlite3.Connection) -> T:
        cursor = database.execute(compiled.sql, values)
        try:
            return sort_out(cursor.fetchall())
        finally:
            cursor.close()

    return await driver.in_thread(run)


def _watched(connection: AsyncConnection) -> bool:
    """Whether statements on `connection` are logged (`echo`) or listened to."""
    dispatch = connection.sync_connection.dispatch if connection.sync_connection else None
    if dispatch is None:
        return True
    listened = bool(dispatch.before_cursor_execute) or bool(dispatch.after_cursor_execute)
    return listened or bool(connection.engine.echo)
