"""Every live ritual with its tenant, a page at a time: a clock's memory stays flat however
many tenants it serves."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.model import Tenant
from rituals.transactions import transaction
from storage.ritual_repository import RitualRecord

RITUAL_PAGE = 500
"""Rituals read (and held) at once."""


async def live_pages(
    engine: AsyncEngine, page: int = RITUAL_PAGE
) -> AsyncIterator[tuple[list[RitualRecord], dict[int, Tenant]]]:
    """(rituals, their tenants by id) pages, in ritual id order, each read in a short
    transaction of its own. A ritual added meanwhile is in a later page or the next run's."""
    after = 0
    while True:
        async with transaction(engine) as work:
            records = await work.rituals.live_rituals(after_id=after, limit=page)
            tenants = await work.rituals.tenants({record.tenant_id for record in records})
        if records:
            yield records, tenants
        if len(records) < page:
            return
        after = records[-1].id
