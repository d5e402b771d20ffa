"""Prebuilt statements run outside SQLAlchemy's execution path: on SQLite in one trip to its
thread, their rows decoded there; on PostgreSQL on asyncpg's own connection
(`storage.asyncpg_direct`). SELECTs, and writes RETURNING rows inside a transaction."""

from __future__ import annotations

import functools
import keyword
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import SelectBase, UpdateBase
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler

from storage import asyncpg_direct
from storage.sqlite_driver import OneTripConnection

RowReader = Callable[[Sequence[Any]], tuple[Any, ...]]
Prebuilt = SelectBase | UpdateBase
"""A SELECT, or an INSERT, UPDATE or DELETE (with RETURNING for `rows_in_one_trip`)."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement's SQLite text, how named parameters become its positional values, and how
    its rows are read."""

    sql: str
    names: tuple[str, ...]
    """The parameter of each `?`, in order (a name used twice is listed twice)."""
    fixed: Mapping[str, Any]
    """Values the statement carries itself (literal comparisons such as `state = 'active'`)."""
    processors: Mapping[str, Callable[[Any], Any]]
    """Each parameter's bind processing (its column type's: UTC text, scaled decimals)."""
    row: RowReader | None
    """On SQLite, a driver row as a named tuple of the statement's columns, values decoded by
    their column types; None when the column names cannot all be tuple fields, and on
    PostgreSQL, whose decoding depends on the column types each statement describes
    (`_described_row_reader`)."""
    tuple_rows: bool
    """Whether its rows can be named tuples (each column name a usable field name)."""

    def values(self, parameters: Mapping[str, Any]) -> list[Any]:
        given = {**self.fixed, **parameters}
        values = []
        for name in self.names:
            value = given[name]
            process = self.processors.get(name)
            values.append(value if process is None else process(value))
        return values


@functools.lru_cache(maxsize=256)
def _compiled(statement: Prebuilt, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled | None:
    """The statement compiled once (statements are built once, at import or per dialect);
    None for what only SQLAlchemy's execution handles (IN lists expanded per call, a write
    whose column defaults SQLAlchemy computes in Python).

    A write is compiled for the columns its execution names, as SQLAlchemy does: `keys`
    are the parameters' names for a write, and empty for a SELECT."""
    writes = isinstance(statement, UpdateBase)
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if writes else None)
    # (SQLite's qmark and asyncpg's numeric_dollar paramstyles: parameters are positional)
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:  # pragma: no cover
        return None
    if compiled.insert_prefetch or compiled.update_prefetch:
        return None
    processors: dict[str, Callable[[Any], Any]] = {}
    fixed: dict[str, Any] = {}
    for bind, name in compiled.bind_names.items():
        if bind.expanding:
            return None
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
        if not bind.required and bind.callable is None:
            fixed[name] = bind.value
    tuple_rows = _field_names(statement) is not None
    return _Compiled(
        compiled.string,
        tuple(compiled.positiontup),
        fixed,
        processors,
        _row_reader(statement, dialect) if tuple_rows and dialect.name == "sqlite" else None,
        tuple_rows,
    )


def _field_names(statement: Prebuilt) -> list[str] | None:
    """The names of the statement's columns, if each can be a named tuple's field."""
    names: list[str | None] = list(statement.exported_columns.keys())  # (iterating gives columns)
    keys = [name for name in names if name is not None]
    usable = len(keys) == len(names) and all(
        k.isidentifier() and not keyword.iskeyword(k) and k[:1] != "_" for k in keys
    )
    # (SQLAlchemy has already made repeated names unique)
    return keys if keys and usable else None


@functools.lru_cache(maxsize=256)
def _described_row_reader(
    statement: Prebuilt, dialect: Dialect, coltypes: tuple[int, ...]
) -> RowReader | None:
    """`_row_reader` for the column types a PostgreSQL statement describes (type oids)."""
    return _row_reader(statement, dialect, coltypes)


def _row_reader(
    statement: Prebuilt, dialect: Dialect, coltypes: Sequence[object] | None = None
) -> RowReader | None:
    """A driver row → a named tuple of the statement's columns (those it selects or
    returns: `row.name`, `row[0]`), each value through its column type's result processor,
    as SQLAlchemy's own rows are (given the driver's type of each column, `coltypes`, as
    SQLAlchemy gives it from the cursor's description)."""
    keys = _field_names(statement)
    if keys is None:
        return None
    row_type: Any = namedtuple("Row", keys)  # type: ignore[misc]  # (fields known at run time)
    make: RowReader = row_type._make
    columns = list(statement.exported_columns)
    described = list(coltypes) if coltypes is not None else [None] * len(columns)
    decoders = [
        column.type.dialect_impl(dialect).result_processor(dialect, coltype)
        for column, coltype in zip(columns, described, strict=True)
    ]
    if not any(decoders):
        return make
    pairs = [(index, decode) for index, decode in enumerate(decoders) if decode is not None]

    def read(raw: Sequence[Any]) -> tuple[Any, ...]:
        values = list(raw)
        for index, decode in pairs:
            values[index] = decode(values[index])
        return make(values)

    return read


async def read_in_one_trip[T](
    connection: AsyncConnection,
    statement: SelectBase,
    parameters: Mapping[str, Any],
    sort_out: Callable[[Sequence[Any]], T],
) -> T | None:
    """`sort_out(rows)` of a prebuilt SELECT, run in the transaction of `connection`.

    On SQLite (our one-trip driver) the statement, compiled once, runs with `sort_out` in the
    connection's thread: one hand-off for the whole read and no SQLAlchemy execution path, so
    the event loop spends nothing on the rows. The rows are the driver's tuples: `sort_out`
    decodes values itself (`sqlalchemy` result processors of the column types). On
    PostgreSQL it runs on asyncpg's connection and `sort_out` gets asyncpg's records, on the
    event loop. A driver error is raised as SQLAlchemy raises it (`OperationalError`, ...).

    Returns None where the caller runs the statement the usual way: another database, or
    statements watched (`echo` on, or a statement listener such as a test's recorder or
    tracing: they then see every statement), or a statement only SQLAlchemy can run."""
    prepared = await _prepared(connection, statement, parameters)
    if prepared is None:
        return None
    driver, compiled = prepared
    if isinstance(driver, _OnAsyncpg):
        records, _ = await driver.fetch(compiled, parameters)
        return sort_out(records)
    return await _run(driver, compiled, parameters, sort_out)


async def rows_in_one_trip(
    connection: AsyncConnection, statement: Prebuilt, parameters: Mapping[str, Any]
) -> list[tuple[Any, ...]] | None:
    """The rows of a prebuilt SELECT, or of a prebuilt write RETURNING them, as
    `read_in_one_trip` runs a SELECT: each a named tuple of the statement's columns
    (`row.id`, `row[0]`) with values decoded by their column types, as SQLAlchemy's rows
    have them. None as `read_in_one_trip`, for column names that cannot be tuple fields,
    for a write that returns nothing, and for a write outside a transaction (SQLAlchemy's
    path then begins one, as it would have)."""
    if isinstance(statement, UpdateBase) and not connection.in_transaction():
        return None
    prepared = await _prepared(connection, statement, parameters)
    if prepared is None or not prepared[1].tuple_rows:
        return None
    driver, compiled = prepared
    if isinstance(driver, _OnAsyncpg):
        return await driver.rows(statement, compiled, parameters)
    read_row = compiled.row
    assert read_row is not None  # (SQLite, tuple rows)
    return await _run(driver, compiled, parameters, lambda rows: [read_row(row) for row in rows])


async def rows_of_each_in_one_trip(
    connection: AsyncConnection,
    statements: Sequence[tuple[Prebuilt, Mapping[str, Any]]],
    *,
    commit: bool = False,
) -> list[list[tuple[Any, ...]]] | None:
    """The rows of each prebuilt statement, run in order in one trip (a claim and the read
    that follows it): each list as `rows_in_one_trip` gives it. None, for the caller to run
    them one by one, as `rows_in_one_trip` answers for any of them.

    `commit`: these are the transaction's last statements, and the trip commits it when they
    are complete (`complete`: they ran and each write returned rows; one that found nothing
    to do leaves the transaction open, for its caller to raise and roll back). The
    transaction's own commit then takes no trip, and a statement after them is refused
    (`OneTripConnection.in_thread`). On PostgreSQL they run one after another on asyncpg's
    connection, and the transaction is left for its caller to commit."""
    writes = any(isinstance(statement, UpdateBase) for statement, _ in statements)
    if (writes or commit) and not connection.in_transaction():
        return None
    each: list[tuple[Prebuilt, _Compiled, Mapping[str, Any]]] = []
    driver: OneTripConnection | _OnAsyncpg | None = None
    for statement, parameters in statements:
        prepared = await _prepared(connection, statement, parameters)
        if prepared is None or not prepared[1].tuple_rows:
            return None
        driver, compiled = prepared
        each.append((statement, compiled, parameters))
    if driver is None:
        return []
    if isinstance(driver, _OnAsyncpg):
        return [await driver.rows(*one) for one in each]
    runs: list[tuple[_Compiled, RowReader, list[Any]]] = []
    for _, compiled, parameters in each:
        assert compiled.row is not None  # (SQLite, tuple rows)
        runs.append((compiled, compiled.row, _values(compiled, parameters)))

    def run(database: sqlite3.Connection) -> list[list[tuple[Any, ...]]]:
        return [
            [read_row(row) for row in _execute(database, compiled, values)]
            for compiled, read_row, values in runs
        ]

    return await driver.in_thread(
        run, then_commit=functools.partial(complete, statements) if commit else False
    )


def complete(statements: Sequence[tuple[Any, Any]], each: Sequence[Sequence[Any]]) -> bool:
    """Whether each write among `statements` returned rows (`each`: their rows, in order)."""
    return all(
        rows
        for (statement, _), rows in zip(statements, each, strict=True)
        if isinstance(statement, UpdateBase)
    )


@dataclass(frozen=True, slots=True)
class _OnAsyncpg:
    """Statements run on asyncpg's connection, in the caller's transaction."""

    connection: AsyncConnection
    adapter: Any
    """SQLAlchemy's asyncpg adapter (`storage.asyncpg_direct.adapter_of`)."""

    async def fetch(
        self, compiled: _Compiled, parameters: Mapping[str, Any]
    ) -> tuple[list[Any], tuple[int, ...]]:
        """asyncpg's records, and the type oid of each column."""
        values = _values(compiled, parameters, self.connection.dialect)
        return await asyncpg_direct.fetch(self.connection, self.adapter, compiled.sql, values)

    async def rows(
        self, statement: Prebuilt, compiled: _Compiled, parameters: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """The rows as `rows_in_one_trip` gives them (its `tuple_rows` statements)."""
        records, coltypes = await self.fetch(compiled, parameters)
        read_row = _described_row_reader(statement, self.connection.dialect, coltypes)
        assert read_row is not None  # (`tuple_rows`)
        return [read_row(record) for record in records]


async def _prepared(
    connection: AsyncConnection, statement: Prebuilt, parameters: Mapping[str, Any]
) -> tuple[OneTripConnection | _OnAsyncpg, _Compiled] | None:
    """Our SQLite connection or asyncpg's, and the compiled statement; None for SQLAlchemy's
    path."""
    if _watched(connection):
        return None
    driver: OneTripConnection | _OnAsyncpg
    adapter = asyncpg_direct.adapter_of(connection)
    if adapter is not None:
        driver = _OnAsyncpg(connection, adapter)
    else:
        found = await _driver(connection)
        if not isinstance(found, OneTripConnection):
            return None
        driver = found
    keys = tuple(sorted(parameters)) if isinstance(statement, UpdateBase) else ()
    compiled = _compiled(statement, connection.dialect, keys)
    return None if compiled is None else (driver, compiled)


async def _run[T](
    driver: OneTripConnection,
    compiled: _Compiled,
    parameters: Mapping[str, Any],
    sort_out: Callable[[Sequence[Any]], T],
) -> T:
    values = _values(compiled, parameters)

    def run(database: sqlite3.Connection) -> T:
        return sort_out(_execute(database, compiled, values))

    return await driver.in_thread(run)


def _values(
    compiled: _Compiled, parameters: Mapping[str, Any], dialect: Dialect | None = None
) -> list[Any]:
    """The statement's positional values; a value its column type refuses is raised as
    SQLAlchemy raises it (`StatementError`)."""
    try:
        return compiled.values(parameters)
    except Exception as error:
        base = dialect.loaded_dbapi.Error if dialect is not None else sqlite3.Error
        raise DBAPIError.instance(compiled.sql, parameters, error, base) from error


def _execute(database: sqlite3.Connection, compiled: _Compiled, values: list[Any]) -> list[Any]:
    """In the connection's thread: the statement's driver rows; a driver error raised as
    SQLAlchemy raises it."""
    try:
        cursor = database.execute(compiled.sql, values)
        try:
            rows: list[Any] = cursor.fetchall()  # (a write's constraints may fail on any row)
        finally:
            cursor.close()
    except sqlite3.Error as error:
        raise DBAPIError.instance(compiled.sql, values, error, sqlite3.Error) from error
    return rows


async def _driver(connection: AsyncConnection) -> Any:
    """The driver's connection under `connection`: read directly while the connection is
    open and valid (no trip through SQLAlchemy's greenlet, ~15 µs), else as SQLAlchemy
    gets it (reconnecting if it must)."""
    sync = connection.sync_connection
    if sync is not None and not sync.closed and not sync.invalidated:
        return sync.connection.driver_connection
    return (await connection.get_raw_connection()).driver_connection


def _watched(connection: AsyncConnection) -> bool:
    """Whether statements on `connection` are logged (`echo`) or listened to."""
    dispatch = connection.sync_connection.dispatch if connection.sync_connection else None
    if dispatch is None:
        return True
    listened = bool(dispatch.before_cursor_execute) or bool(dispatch.after_cursor_execute)
    return listened or bool(connection.engine.echo)
