"""`boussole` with no platform credentials: the real bot on the embedded database, in a terminal."""

from __future__ import annotations

from adapters.console.session import ConsoleSession
from bot.clock import SystemClock
from bot.engine import Engine
from main.settings import Settings
from storage.database import Database


async def run_console(settings: Settings) -> None:
    database = Database.from_url(settings.database_url)
    try:
        await database.upgrade()
        clock = SystemClock()
        engine = Engine(
            database.store,
            clock,
            default_locale=settings.default_locale,
            default_timezone=settings.default_timezone,
        )
        session = ConsoleSession(engine, clock=clock)
        session.write(f"Base de données : {database.engine.url.render_as_string()}")
        await session.run()
    finally:
        await database.dispose()
