"""One transaction over both repositories: the core's records and the ritual tables."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.ports import Repository
from storage.repository import SqlRepository
from storage.ritual_repository import RitualRepository


class ReportingRepository(SqlRepository):
    """The core repository whose `missed_occurrences` reads the ritual tables."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__(connection)
        self._rituals = RitualRepository(connection)

    async def missed_occurrences(
        self, tenant_id: int, since: datetime
    ) -> list[tuple[str, datetime]]:
        return await self._rituals.missed_occurrences(tenant_id, since)


@dataclass(frozen=True, slots=True)
class Work:
    core: Repository
    rituals: RitualRepository


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[Work]:
    """Commit when the block exits normally, roll back when it raises."""
    async with engine.begin() as connection:
        yield Work(ReportingRepository(connection), RitualRepository(connection))


def sharing(repo: Repository) -> Work:
    """The ritual tables inside the transaction of a core repository (a command's)."""
    connection = getattr(repo, "connection", None)
    if not isinstance(connection, AsyncConnection):
        raise TypeError(f"{type(repo).__name__} does not run on an SQLAlchemy connection")
    return Work(ReportingRepository(connection), RitualRepository(connection))
