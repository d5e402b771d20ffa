"""Drains the outbox: leases rows, reconciles taken-over ones, sends through the platform's Messenger."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Delivery, DeliveryStatus, Messenger, Target, TargetKind
from bot.model import Tenant
from bot.ports import Clock
from rituals import codec
from rituals.config import RitualConfig
from rituals.transactions import transaction
from storage.ritual_repository import ClaimedMessage

logger = logging.getLogger(__name__)

MAX_ROUNDS = 50
"""Batches one `drain` claims at most, so a flood never keeps a tick running for ever."""
MAX_BACKOFF = timedelta(hours=1)
MAX_TENANTS_AT_ONCE = 128
"""Tenants whose messages are sent concurrently within one batch."""


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    reconciled: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    lost: int = 0
    """Outcomes not recorded because the lease had passed to another sender meanwhile."""


class Sender:
    """One sender (`owner`); any number may run at once on the same outbox."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        messengers: Mapping[str, Messenger],
        clock: Clock,
        owner: str,
        config: RitualConfig,
    ) -> None:
        self.sessions = sessions
        self.messengers = messengers
        self.clock = clock
        self.owner = owner
        self.config = config

    async def drain(self) -> SendReport:
        """Send everything due, batch by batch, until nothing is left to claim."""
        report = SendReport()
        for _ in range(MAX_ROUNDS):
            batch = await self.claim()
            if not batch:
                break
            await self.deliver_by_tenant(batch, report)
        return report

    async def deliver_by_tenant(
        self, batch: list[tuple[ClaimedMessage, Tenant | None]], report: SendReport
    ) -> None:
        """Each tenant's rows in order, tenants side by side: one workspace waiting out a rate
        limit never holds back the others."""
        queues: dict[int, list[tuple[ClaimedMessage, Tenant | None]]] = defaultdict(list)
        for message, tenant in batch:
            queues[message.tenant_id].append((message, tenant))
        slots = asyncio.Semaphore(MAX_TENANTS_AT_ONCE)

        async def one_tenant(rows: list[tuple[ClaimedMessage, Tenant | None]]) -> None:
            async with slots:
                for message, tenant in rows:
                    await self.deliver(message, tenant, report)

        await asyncio.gather(*(one_tenant(rows) for rows in queues.values()))

    async def claim(self) -> list[tuple[ClaimedMessage, Tenant | None]]:
        """Lease a batch of due rows of the connected platforms (after cancelling the rows of
        tenants who uninstalled the bot)."""
        now = self.clock.now()
        async with transaction(self.sessions) as work:
            await work.rituals.cancel_for_inactive_tenants(now)
            claimed = await work.rituals.claim_outbox(
                self.owner, self.messengers, now, self.config.send_lease, self.config.batch_size
            )
            tenants = {m.tenant_id: await work.core.get_tenant(m.tenant_id) for m in claimed}
        return [(message, tenants[message.tenant_id]) for message in claimed]

    async def deliver(
        self, message: ClaimedMessage, tenant: Tenant | None, report: SendReport
    ) -> None:
        """Send one leased row and record the outcome. A row taken over from a sender that
        crashed while sending is first looked up on the platform: if it is there, it is not
        sent again."""
        if tenant is None or not tenant.active:
            await self.finish(message, Delivery(DeliveryStatus.FAILED), report, cancel=True)
            return
        messenger = self.messengers[message.platform]
        target = Target(TargetKind(message.target_kind), message.target_id)
        if message.reclaimed:
            try:
                found = await messenger.find_sent(tenant, target, message.delivery_key)
            except Exception as error:
                logger.warning("could not reconcile %s: %r", message.delivery_key, error)
                retry = Delivery(DeliveryStatus.RETRY, detail=f"reconcile: {error!r}")
                await self.finish(message, retry, report)
                return
            if found is not None and found.status is DeliveryStatus.SENT:
                await self.finish(message, found, report, reconciled=True)
                return
            if found is not None and found.status is DeliveryStatus.RETRY:
                # The platform cannot say whether it has the message: ask again later.
                await self.finish(message, replace(found, uncertain=True), report)
                return
        try:
            delivery = await messenger.send(
                tenant, target, codec.loads(message.payload), delivery_key=message.delivery_key
            )
        except Exception as error:
            logger.warning("sending %s failed: %r", message.delivery_key, error)
            delivery = Delivery(DeliveryStatus.RETRY, detail=repr(error))
        await self.finish(message, delivery, report)

    async def finish(
        self,
        message: ClaimedMessage,
        delivery: Delivery,
        report: SendReport,
        *,
        cancel: bool = False,
        reconciled: bool = False,
    ) -> None:
        now = self.clock.now()
        retry_at = None
        uncertain = False
        if cancel:
            status = "cancelled"
        elif delivery.status is DeliveryStatus.SENT:
            status = "sent"
        elif delivery.status is DeliveryStatus.RETRY and message.attempt < self.config.max_attempts:
            status = "pending"
            backoff = self.config.retry_backoff * 2 ** (message.attempt - 1)
            wait = timedelta(seconds=delivery.retry_after) if delivery.retry_after else backoff
            retry_at = now + min(wait, MAX_BACKOFF)
            # The platform may have it: the next attempt reconciles first, like a takeover.
            uncertain = delivery.uncertain
        elif delivery.status is DeliveryStatus.BLOCKED:
            status = "blocked"
        else:
            status = "failed"
        async with transaction(self.sessions) as work:
            recorded = await work.rituals.finish_outbox(
                message,
                self.owner,
                status=status,
                now=now,
                platform_message_id=delivery.platform_message_id,
                detail=("reconciled " if reconciled else "") + delivery.detail,
                retry_at=retry_at,
                uncertain=uncertain,
            )
        if not recorded:
            logger.warning("lease on %s lost before its outcome was recorded", message.delivery_key)
            report.lost += 1
        elif reconciled:
            report.reconciled += 1
        elif status == "sent":
            report.sent += 1
        elif status == "pending":
            report.retried += 1
        elif status == "cancelled":
            report.cancelled += 1
        else:
            report.failed += 1
