"""The clock lease: only the process holding it plans and sends; a second clock stays idle."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from rituals.transactions import transaction

logger = logging.getLogger(__name__)

CLOCK_LEASE = "clock"


class ClockLease:
    """A row renewed on every heartbeat; taken over by another holder once it has expired."""

    def __init__(
        self,
        engine: AsyncEngine,
        holder: str,
        ttl: timedelta,
        name: str = CLOCK_LEASE,
    ) -> None:
        self.engine = engine
        self.holder = holder
        self.ttl = ttl
        self.name = name
        self.held = False

    async def hold(self, now: datetime) -> bool:
        """Take or renew the lease; False (stay idle) while another clock holds it."""
        async with transaction(self.engine) as work:
            held = await work.rituals.acquire_lease(self.name, self.holder, now, self.ttl)
        if held != self.held:
            logger.info(
                "clock %s %s the %r lease",
                self.holder,
                "holds" if held else "stays idle: another process holds",
                self.name,
            )
        self.held = held
        return held

    async def release(self, now: datetime) -> None:
        if not self.held:
            return
        async with transaction(self.engine) as work:
            await work.rituals.release_lease(self.name, self.holder, now)
        self.held = False
