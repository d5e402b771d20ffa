"""The ritual clock of the fan-out benchmark, as `boussole clock` composes it (settings, database,
platforms, rituals runtime) but on a clock that reads Monday 09:00 minus `early` seconds when
told "go" on stdin, and moves on at the pace of real time from then.

Protocol: `python -m bench.fanout_clock <09:00 as ISO> [early]`; prints "ready", reads "go",
prints "nine <monotonic instant the clock reads 09:00>", reads "stop", exits.
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
from main.startup_objects import freeze_startup_objects


class MondayClock:
    """Reads `nine` minus `early` seconds from `go()` on, then moves on at the pace of real
    time (a second before that until then)."""

    def __init__(self, nine: datetime, early: float = 0.0) -> None:
        self.nine = nine
        self.early = early
        self.went = 0.0

    def go(self) -> None:
        self.went = time.monotonic()

    @property
    def nine_monotonic(self) -> float:
        """The monotonic instant the clock reads 09:00."""
        return self.went + self.early

    def now(self) -> datetime:
        start = self.nine - timedelta(seconds=self.early)
        if not self.went:
            return start - timedelta(seconds=1)
        return start + timedelta(seconds=time.monotonic() - self.went)


async def line() -> str:
    text: str = await asyncio.to_thread(sys.stdin.readline)
    return text.strip()


async def main(nine: datetime, early: float = 0.0) -> int:
    settings = Settings()
    database = await prepare_database(settings)
    clock = MondayClock(nine, early)
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
    freeze_startup_objects()  # as run_server does once started
    try:
        print("ready", flush=True)
        if await line() != "go":
            return 1
        clock.go()
        print(f"nine {clock.nine_monotonic}", flush=True)
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
    early = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    sys.exit(asyncio.run(main(datetime.fromisoformat(sys.argv[1]), early)))
