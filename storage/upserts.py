"""`INSERT … ON CONFLICT` for the database in use, importing only that dialect's module."""

from __future__ import annotations

from importlib import import_module
from typing import Any


def upsert_insert(dialect_name: str, table: Any) -> Any:
    """An INSERT on `table` (a mapped class or a Table) with `on_conflict_do_nothing` /
    `on_conflict_do_update`: PostgreSQL's for "postgresql", SQLite's otherwise. The other
    dialect's module is not imported (PostgreSQL's costs ~50 ms at start on SQLite)."""
    name = "postgresql" if dialect_name == "postgresql" else "sqlite"
    return import_module(f"sqlalchemy.dialects.{name}").insert(table)
