"""Wires the rituals layer into a process: `serve` and `clock` run it, `console` and `demo` too."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import TracebackType

from bot.commands.base import Handler
from bot.delivery import Messenger
from bot.ports import Clock
from main.settings import Settings
from rituals.commands import RitualCommand
from rituals.config import RitualConfig
from rituals.scheduler import RitualScheduler
from rituals.service import RitualService, RunReport
from storage.database import Database

SEND_AHEAD = timedelta(seconds=1)
"""A running process claims each message this long before its time (`RitualConfig.send_ahead`)."""


def ritual_config(settings: Settings) -> RitualConfig:
    return RitualConfig(
        grace=timedelta(seconds=settings.ritual_grace_seconds),
        lead=timedelta(seconds=settings.ritual_lead_seconds),
        send_ahead=SEND_AHEAD,
    )


class RitualRuntime:
    """The rituals of one process: the `rituel` command, and (once started) the clock.

    `messengers` maps a platform ("slack", "teams", "console") to its Messenger; `connect`
    adds one later (the console's exists only once its session does). Several processes may
    start a runtime: one holds the clock lease and works, the others stay idle.
    """

    def __init__(
        self,
        database: Database,
        messengers: Mapping[str, Messenger],
        clock: Clock,
        settings: Settings,
        *,
        config: RitualConfig | None = None,
        holder: str | None = None,
    ) -> None:
        self.config = config or ritual_config(settings)
        self.messengers: dict[str, Messenger] = dict(messengers)
        self.service = RitualService(
            database.engine, self.messengers, clock, self.config, holder=holder
        )
        self.scheduler = RitualScheduler(self.service, self.config.heartbeat)
        self.command = RitualCommand(self.config, on_change=self.poke)
        self._started = False

    @property
    def commands(self) -> dict[str, Handler]:
        """For `Engine(..., extra_commands=runtime.commands)`."""
        return {"rituel": self.command, "ritual": self.command, "rituels": self.command}

    def connect(self, messenger: Messenger) -> None:
        self.messengers[messenger.platform] = messenger
        self.poke()

    def poke(self) -> None:
        """Run soon (a ritual changed or a message was queued in this process)."""
        if self._started:
            self.scheduler.poke()

    async def run_due(self) -> RunReport:
        """Plan and send what is due now, without the timer (console, demo, tests)."""
        return await self.service.run_due()

    async def start(self) -> None:
        await self.scheduler.start()
        self._started = True

    async def stop(self) -> None:
        """Stop the clock and hand its lease over; harmless if it was never started."""
        self._started = False
        await self.scheduler.stop()

    async def __aenter__(self) -> RitualRuntime:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
