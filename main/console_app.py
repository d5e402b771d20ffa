"""`boussole` with no platform credentials: the real bot on the embedded database, in a terminal."""

from __future__ import annotations

from adapters.console.session import ConsoleMessenger, ConsoleSession
from bot.clock import SystemClock
from bot.engine import Engine
from main.rituals_app import RitualRuntime
from main.settings import Settings
from storage.database import Database


async def run_console(settings: Settings) -> None:
    database = Database.from_url(settings.database_url)
    try:
        await database.upgrade()
        clock = SystemClock()
        rituals = RitualRuntime(database, {}, clock, settings)
        engine = Engine(
            database.store,
            clock,
            default_locale=settings.default_locale,
            default_timezone=settings.default_timezone,
            extra_commands=rituals.commands,
        )
        session = ConsoleSession(engine, clock=clock)
        rituals.connect(ConsoleMessenger(session))
        session.write(f"Base de données : {database.engine.url.render_as_string()}")
        async with rituals:
            await session.run()
    finally:
        await database.dispose()
