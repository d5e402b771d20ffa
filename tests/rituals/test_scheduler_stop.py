"""Stopping the scheduler lets a run in progress finish (a run cut in the middle of a
transaction can leave SQLite's write lock held), and cancels it only after a grace period."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from rituals import scheduler as scheduler_module
from rituals.scheduler import RitualScheduler
from rituals.service import RunReport
from tests.support.clock import FakeClock


class SlowService:
    """Stands in for the ritual service: one run that lasts until `finish` is set."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.started = asyncio.Event()
        self.finish = asyncio.Event()
        self.runs_completed = 0
        self.stopped = False

    async def run_due(self, *, plan: bool = True) -> RunReport:
        self.started.set()
        await self.finish.wait()
        self.runs_completed += 1
        return RunReport(active=False)

    async def wakeups(self) -> dict[int, object]:
        return {}

    async def stop(self) -> None:
        self.stopped = True


async def test_stop_waits_for_the_run_in_progress_to_finish() -> None:
    service = SlowService()
    scheduler = RitualScheduler(service, timedelta(hours=1), poke_again=0)  # type: ignore[arg-type]
    await scheduler.start()
    await asyncio.wait_for(service.started.wait(), 5)

    stopping = asyncio.create_task(scheduler.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done() and not service.stopped  # still waiting for the run

    service.finish.set()
    await asyncio.wait_for(stopping, 5)
    assert service.runs_completed == 1 and service.stopped


async def test_a_run_past_the_grace_period_is_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler_module, "STOP_GRACE_SECONDS", 0.05)
    service = SlowService()
    scheduler = RitualScheduler(service, timedelta(hours=1), poke_again=0)  # type: ignore[arg-type]
    await scheduler.start()
    await asyncio.wait_for(service.started.wait(), 5)

    await asyncio.wait_for(scheduler.stop(), 5)

    assert service.runs_completed == 0 and service.stopped
