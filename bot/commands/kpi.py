"""The `kpi` command: the director's summary, on demand."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Message
from bot.summaries import kpi_summary


async def run(ctx: Context, _: str) -> list[Message]:
    ctx.require_lead("what.kpi")
    return [await kpi_summary(ctx.repo, ctx.tenant, ctx.now)]
