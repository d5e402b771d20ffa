"""Schema migration entry points for the CLI (`boussole db upgrade`, `boussole db current`)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, head_revisions


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """Where a database stands: its revisions and the heads of the migration scripts."""

    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.heads


async def upgrade(
    url: str, revision: str = "heads", *, schema: str | None = None
) -> MigrationStatus:
    """Migrate the database at `url` to `revision` (every head by default); the new status."""
    database = Database.from_url(url, schema=schema)
    try:
        await database.upgrade(revision)
        return MigrationStatus(await database.current_revisions(), await head_revisions())
    finally:
        await database.dispose()


async def current(url: str, *, schema: str | None = None) -> MigrationStatus:
    """The revisions the database at `url` is at, next to the scripts' heads."""
    database = Database.from_url(url, schema=schema)
    try:
        return MigrationStatus(await database.current_revisions(), await head_revisions())
    finally:
        await database.dispose()
