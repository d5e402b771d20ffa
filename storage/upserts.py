"""`INSERT … ON CONFLICT` for the database in use, importing only that dialect's module."""

from __future__ import annotations

import functools
from importlib import import_module
from typing import Any

from sqlalchemy.sql import Executable

from storage.models import Base


def upsert_insert(dialect_name: str, table: Any) -> Any:
    """An INSERT on `table` (a mapped class or a Table) with `on_conflict_do_nothing` /
    `on_conflict_do_update`: PostgreSQL's for "postgresql", SQLite's otherwise. The other
    dialect's module is not imported (PostgreSQL's costs ~50 ms at start on SQLite)."""
    name = "postgresql" if dialect_name == "postgresql" else "sqlite"
    return import_module(f"sqlalchemy.dialects.{name}").insert(table)


@functools.cache
def insert_unless_taken(
    dialect_name: str, table: str, conflict: tuple[str, ...], returning: tuple[str, ...]
) -> Executable:
    """INSERT into `table` ON CONFLICT (`conflict`) DO NOTHING RETURNING the `returning`
    columns, built once per dialect and shape: the values come as the execution's parameters
    (one dict, or a list for many rows); a conflicting row returns nothing."""
    columns = Base.metadata.tables[table]
    statement = upsert_insert(dialect_name, columns).on_conflict_do_nothing(
        index_elements=list(conflict)
    )
    built: Executable = statement.returning(*(columns.c[name] for name in returning))
    return built
