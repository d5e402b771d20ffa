"""One clock's work, callable at any moment: hold the lease, plan what is due, send the outbox."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery import Messenger
from bot.ports import Clock
from rituals.config import RitualConfig
from rituals.lease import ClockLease
from rituals.live import live_pages
from rituals.next_runs import NextRuns
from rituals.planner import Planner, PlanReport
from rituals.sender import PlanningFeed, Sender, SendReport

logger = logging.getLogger(__name__)


def process_name() -> str:
    """A name unique to this process, for leases: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(slots=True)
class RunReport:
    active: bool
    """False when another clock holds the lease: nothing was planned or sent."""
    plan: PlanReport = field(default_factory=PlanReport)
    send: SendReport = field(default_factory=SendReport)
    next_send: datetime | None = None
    """When the outbox next has a row to claim (`RitualConfig.send_ahead` before a message's
    time, a retry, a lease to take over): the clock should run again then, not on its next
    heartbeat."""


class RitualService:
    """Everything a tick does, with no timer: the scheduler (or a test, or the demo) calls it."""

    def __init__(
        self,
        engine: AsyncEngine,
        messengers: Mapping[str, Messenger],
        clock: Clock,
        config: RitualConfig,
        holder: str | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.config = config
        self.holder = holder or process_name()
        self.next_runs = NextRuns()
        self.planner = Planner(engine, config, self.next_runs)
        self.sender = Sender(engine, messengers, clock, self.holder, config)
        self.lease = ClockLease(engine, self.holder, config.clock_lease)

    async def run_due(self, *, plan: bool = True) -> RunReport:
        """If this process holds the clock lease: plan every due occurrence and send, the
        sender starting on the first planned messages while the rest is planned. What is due
        already (planned ahead, put back after a 429) is claimed before planning starts: the
        planner's reads would otherwise come first on SQLite's one connection. With
        `plan=False`, only send what is due."""
        if not await self.lease.hold(self.clock.now()):
            return RunReport(active=False)
        if not plan:
            send = await self.sender.drain()
            return self._report(PlanReport(), send, await self.sender.next_due())
        feed = PlanningFeed()
        sending = asyncio.create_task(self.sender.drain(feed), name="rituals-send")
        try:
            await feed.handed_over()
            planned = await self.planner.plan(self.clock.now(), on_queued=feed.hand_over)
        except BaseException:
            feed.finish()
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
            raise
        feed.finish()
        send = await sending
        return self._report(planned, send, await self.sender.next_due())

    def _report(
        self, planned: PlanReport, send: SendReport, next_send: datetime | None
    ) -> RunReport:
        if planned.missed or send.failed or send.lost:
            logger.warning("rituals: %s; %s", planned, send)
        elif planned.queued or send.sent:
            logger.debug("rituals: %s; %s", planned, send)
        return RunReport(True, planned, send, next_send)

    async def wakeups(self) -> dict[int, datetime]:
        """When each enabled ritual of an active tenant next fires (UTC), by ritual id."""
        now = self.clock.now()
        plan: dict[int, datetime] = {}
        live: list[int] = []
        async for records, tenants in live_pages(self.engine):
            for record in records:
                live.append(record.id)
                tenant = tenants.get(record.tenant_id)
                if record.enabled and tenant is not None and tenant.active:
                    after = max(now, record.checked_until)
                    plan[record.id] = self.next_runs.after(record, tenant, after)
        self.next_runs.keep_only(live)
        self.planner.watermarks.keep_only(live)
        return plan

    async def stop(self) -> None:
        """Hand the lease over at once (a clean stop needs no expiry); if the database cannot
        be reached now, the lease simply expires."""
        try:
            await self.lease.release(self.clock.now())
        except Exception as error:
            logger.warning("clock lease not released (%s): it expires on its own", error)
