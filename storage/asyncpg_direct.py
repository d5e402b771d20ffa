"""Prebuilt statements run on asyncpg's own connection, inside the transaction SQLAlchemy's asyncpg
adapter holds for the caller: the adapter's own prepared statements, none of SQLAlchemy's
execution path (about 150 µs of CPU a statement on the 2-core machine, as much as asyncpg's).

It does what SQLAlchemy and the adapter's cursor do for one statement: begin SQLAlchemy's
transaction if the connection has none (autobegin), then under the adapter's lock begin
asyncpg's if no statement has yet (as the adapter's cursor does), take the prepared statement
from the adapter's cache, fetch; and on an error what SQLAlchemy's execution does (see
`_as_sqlalchemy_raises_it`). It leans on the adapter's private attributes: where one is
missing (another SQLAlchemy release), `adapter_of` answers None and SQLAlchemy runs the
statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

_ADAPTER_NEEDS = (
    "_transaction",
    "_execute_mutex",
    "_start_transaction",
    "_prepare",
    "_handle_exception",
)
_usable: dict[type[Any], bool] = {}
"""Adapter class → whether its connections have what `fetch` uses."""


def adapter_of(connection: AsyncConnection) -> Any | None:
    """SQLAlchemy's asyncpg adapter under `connection`, if statements may run on it directly:
    the connection open and valid, and the adapter with what `fetch` uses."""
    sync = connection.sync_connection
    if sync is None or sync.closed or sync.invalidated or connection.dialect.driver != "asyncpg":
        return None
    adapter = sync.connection.dbapi_connection
    usable = _usable.get(type(adapter))
    if usable is None:
        usable = _usable[type(adapter)] = all(hasattr(adapter, name) for name in _ADAPTER_NEEDS)
    return adapter if usable else None


async def fetch(
    connection: AsyncConnection, adapter: Any, sql: str, values: Sequence[Any]
) -> tuple[list[Any], tuple[int, ...]]:
    """The statement's records and the type oid of each of its columns, run in the caller's
    transaction (begun first if the connection has none, as SQLAlchemy's autobegin does, so
    that its commit and rollback end what ran here)."""
    dialect = connection.dialect
    if not connection.in_transaction():
        await connection.begin()
    async with adapter._execute_mutex:
        try:
            if adapter._transaction is None:
                await adapter._start_transaction()
            prepared, attributes = await adapter._prepare(
                sql, getattr(dialect, "_invalidate_schema_cache_asof", 0)
            )
            records: list[Any] = await prepared.fetch(*values)
        except Exception as error:
            failure = error
        else:
            return records, tuple(attribute.type.oid for attribute in attributes or ())
    raise await _as_sqlalchemy_raises_it(connection, adapter, sql, values, failure) from failure


async def _as_sqlalchemy_raises_it(
    connection: AsyncConnection, adapter: Any, sql: str, values: Sequence[Any], error: Exception
) -> BaseException:
    """The driver's error as SQLAlchemy raises it (IntegrityError, ProgrammingError...): the
    adapter's translation, wrapped as SQLAlchemy's execution wraps it. A prepared statement
    that a schema change made stale marks the adapter's statement caches stale, as SQLAlchemy's
    execution context does, so that the next execution prepares it again; a lost connection is
    invalidated, as SQLAlchemy invalidates it, so that the pool never hands it out again."""
    translated: Exception = error
    try:
        adapter._handle_exception(error)
    except Exception as adapted:
        translated = adapted
    dialect = connection.dialect
    dbapi = dialect.loaded_dbapi
    stale = tuple(
        getattr(dbapi, name)
        for name in ("InvalidCachedStatementError", "InternalServerError")
        if hasattr(dbapi, name)
    )
    invalidate = getattr(dialect, "_invalidate_schema_cache", None)
    if stale and isinstance(translated, stale) and invalidate is not None:
        invalidate()
    disconnected = isinstance(translated, dbapi.Error) and dialect.is_disconnect(
        translated, adapter, None
    )
    if disconnected:
        await connection.invalidate(translated)
    return DBAPIError.instance(
        sql,
        list(values),
        translated,
        dbapi.Error,
        connection_invalidated=disconnected,
        dialect=dialect,
    )
