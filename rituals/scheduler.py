"""APScheduler's only importer: it wakes the ritual service at the next occurrence and on a heartbeat.

Nothing lives in APScheduler's job store that is not rebuilt from our tables: after each run
the next wake-up is recomputed from the rituals (so a change made by any process is picked up
by the next heartbeat at the latest, and at once when this process made it: `poke`). One date
job rings at the soonest occurrence of all: a run plans every ritual that is due, so one job
per ritual would only cost (thousands of jobs at a thousand tenants).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from rituals.service import RitualService

logger = logging.getLogger(__name__)

MIN_WAKE_WAIT = timedelta(seconds=1)
"""The soonest a wake-up rings (a row due already is sent by the run in progress)."""
HEARTBEAT_JOB = "rituals-heartbeat"
NEXT_RUN_JOB = "rituals-next"
"""Rings at the soonest next occurrence of all the rituals."""
OUTBOX_JOB = "rituals-outbox"
"""Wakes the clock when a message put back in the outbox (a 429's Retry-After) is due."""
POKE_AGAIN_SECONDS = 1.0
STOP_GRACE_SECONDS = 10.0
"""How long `stop` lets a run in progress finish before cancelling it."""


class RitualScheduler:
    """Runs `service.run_due()` in one worker task, whenever a job rings or `poke` is called."""

    def __init__(
        self,
        service: RitualService,
        heartbeat: timedelta,
        *,
        poke_again: float = POKE_AGAIN_SECONDS,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.service = service
        self.wall = wall
        """APScheduler's time (the real one), for delays measured on the service's clock."""
        self.heartbeat = heartbeat
        self.poke_again = poke_again
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._wake = asyncio.Event()
        self._plan_wanted = True
        """Something other than a due outbox row woke the worker: the next run plans too."""
        self._idle = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._stopping = False
        self._planned: dict[int, datetime] = {}
        self._again: asyncio.TimerHandle | None = None

    @property
    def planned(self) -> dict[int, datetime]:
        """Ritual id → the instant it next fires, as of the last run (a copy); the
        `NEXT_RUN_JOB` rings at the soonest of them."""
        return dict(self._planned)

    def job_times(self) -> dict[str, datetime]:
        """APScheduler's own view: job id → next run time."""
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    async def start(self) -> None:
        self._stopping = False
        self._scheduler.add_job(
            self._ring,
            IntervalTrigger(seconds=self.heartbeat.total_seconds(), timezone=UTC),
            id=HEARTBEAT_JOB,
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.start()
        self._worker = asyncio.create_task(self._work(), name="rituals-clock")
        self.poke()

    def poke(self) -> None:
        """Run now, and once more a little later: the change that called `poke` may commit only
        after the first run has read the tables (its transaction is still open)."""
        self._plan_soon()
        if self.poke_again > 0:
            if self._again is not None:
                self._again.cancel()
            self._again = asyncio.get_running_loop().call_later(self.poke_again, self._plan_soon)

    def _plan_soon(self) -> None:
        self._plan_wanted = True
        self._wake.set()

    async def stop(self) -> None:
        """Let a run in progress finish (`STOP_GRACE_SECONDS` at most), then stop: a run cut in
        the middle of a transaction can leave SQLite's write lock held until the process ends."""
        if self._again is not None:
            self._again.cancel()
            self._again = None
        if self._worker is not None:
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), STOP_GRACE_SECONDS)
            except TimeoutError:
                logger.warning("a ritual run still going after %ss: cancelled", STOP_GRACE_SECONDS)
                self._worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._worker
            self._worker = None
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the next loop iteration
        await self.service.stop()

    async def run_once(self, plan: bool = True) -> None:
        """One run and the rebuild of the wake-up jobs (what the worker does on each ring).
        `plan=False` (woken by the outbox only): the rituals were planned, and their wake-up
        set, by an earlier run and nothing has changed here since, so only the outbox is sent
        (a change made by another process is picked up by the next heartbeat, as always)."""
        report = await self.service.run_due(plan=plan)
        if plan or not report.active:
            self._reschedule(await self.service.wakeups() if report.active else {})
        self._outbox_wakeup(report.next_send if report.active else None)
        if report.send.more:  # the drain stopped at its bound: go on at once
            self._wake.set()

    def _outbox_wakeup(self, at: datetime | None) -> None:
        """Ring when the outbox's next row may be claimed (a second from now at the soonest)."""
        wait = None if at is None else max(at - self.service.clock.now(), MIN_WAKE_WAIT)
        self._ring_in(OUTBOX_JOB, wait, self._ring_outbox)

    def _ring_in(
        self,
        job_id: str,
        wait: timedelta | None,
        ring: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Set the date job `job_id` to ring `wait` from now (`ring`, by default a run that
        plans), or remove it (None). Waits are measured on the service's clock and the job set
        on APScheduler's (`wall`): a service clock that is not the wall clock (a test's, a
        demo's) never makes it ring at once."""
        if wait is None:
            with contextlib.suppress(Exception):
                self._scheduler.remove_job(job_id)
            return
        self._scheduler.add_job(
            ring or self._ring,
            DateTrigger(run_date=self.wall() + wait, timezone=UTC),
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _ring(self) -> None:
        self._plan_soon()

    async def _ring_outbox(self) -> None:
        """A run that only sends (see `run_once`), unless something else asked for planning."""
        self._wake.set()

    async def settled(self) -> None:
        """Wait until the worker has nothing left to do (every wake-up so far handled)."""
        while self._wake.is_set() or not self._idle.is_set():
            await asyncio.sleep(0)
            if not self._wake.is_set():
                await self._idle.wait()

    async def _work(self) -> None:
        while not self._stopping:
            self._idle.set()
            await self._wake.wait()
            self._idle.clear()
            self._wake.clear()
            if self._stopping:
                return
            plan, self._plan_wanted = self._plan_wanted, False
            try:
                await self.run_once(plan)
            except Exception:
                logger.exception("ritual run failed; retried on the next heartbeat")

    def _reschedule(self, plan: dict[int, datetime]) -> None:
        """Ring when the soonest next occurrence is to be planned: its lead before it
        (`RitualConfig.lead`); when that moment has passed, a second from now (a ritual whose
        planning failed is retried then or by the heartbeat, never in a loop)."""
        self._planned = plan
        soonest = min(plan.values(), default=None)
        if soonest is None:
            self._ring_in(NEXT_RUN_JOB, None)
            return
        wait = soonest - self.service.config.lead - self.service.clock.now()
        self._ring_in(NEXT_RUN_JOB, wait if wait > timedelta(0) else MIN_WAKE_WAIT)
