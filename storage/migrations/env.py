"""Alembic environment: runs the migrations on the connection `storage.database` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.migrations import target_metadata


def run_online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        # SQLite cannot ALTER most things: autogenerate "batch" (copy-and-move) operations there.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline(url: str) -> None:
    """Emit the SQL script instead of running it (`alembic upgrade --sql`)."""
    context.configure(
        url=url,
        target_metadata=target_metadata(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline(context.config.get_main_option("sqlalchemy.url") or "postgresql://")
else:
    given = context.config.attributes.get("connection")
    if not isinstance(given, Connection):
        raise RuntimeError(
            "Boussole migrations run on a connection handed over by storage.database "
            "(`boussole db upgrade` or Database.upgrade()), not from an alembic.ini URL"
        )
    run_online(given)
