"""The ritual clock of the fan-out benchmark, as `boussole clock` composes it (settings, database,
platforms, rituals runtime) but on a clock that reads Monday 09:00 when told "go" on stdin.

Protocol: prints "ready", reads "go", prints "started <monotonic>", reads "stop", exits.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timedelta

from bot.engine import Engine
from main.cli import configure_logging
from main.rituals_app import RitualRuntime
from main.server import build_platforms, prepare_database
from main.settings import Settings


class MondayClock:
    """Reads `start` until `go()`, then moves on at the pace of real time."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.went = 0.0

    def go(self) -> None:
        self.went = time.monotonic()

    def now(self) -> datetime:
        if not self.went:
            return self.start - timedelta(seconds=1)
        return self.start + timedelta(seconds=time.monotonic() - self.went)


async def line() -> str:
    text: str = await asyncio.to_thread(sys.stdin.readline)
    return text.strip()


async def main(start: datetime) -> int:
    settings = Settings()
    database = await prepare_database(settings)
    clock = MondayClock(start)
    # As main.server.run_server composes `boussole clock`, on the Monday clock.
    runtime = RitualRuntime(database, {}, clock, settings)
    engine = Engine(
        database.store,
        clock,
        default_locale=settings.default_locale,
        default_timezone=settings.default_timezone,
        extra_commands=runtime.commands,
    )
    platforms = build_platforms(settings, engine, database, clock)
    for messenger in platforms.messengers.values():
        runtime.connect(messenger)
    try:
        print("ready", flush=True)
        if await line() != "go":
            return 1
        clock.go()
        print(f"started {clock.went}", flush=True)
        await runtime.start()
        await line()  # "stop", or end of input
    finally:
        await runtime.stop()
        for close in platforms.closers:
            await close()
        await database.dispose()
    return 0


if __name__ == "__main__":
    configure_logging(Settings().log_level.upper() or "INFO")  # as `boussole clock` does
    sys.exit(asyncio.run(main(datetime.fromisoformat(sys.argv[1]))))
