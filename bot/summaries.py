"""Read-side use cases shared by commands and rituals: cap readers, KPI summary, digests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from bot import formatting
from bot.figures import figures
from bot.i18n import translate
from bot.messages import Block, Context, Divider, Heading, Message, Paragraph, Visibility
from bot.model import CapVersion, Member, Retex, Role, Tenant
from bot.ports import Repository
from bot.views.quickwins import progress_block, summary_line

RECENT_MEASUREMENTS = 8
RETEX_WINDOW = timedelta(days=30)
RETEX_HIGHLIGHTS = 3


async def cap_readers(
    repo: Repository, tenant_id: int, cap: CapVersion
) -> tuple[list[Member], list[Member]]:
    """Managers who acknowledged `cap`, and those who have not yet."""
    managers = await repo.list_members(tenant_id, Role.MANAGER)
    acked_ids = {ack.member_id for ack in await repo.cap_acks(tenant_id, cap.id)}
    acked = [m for m in managers if m.id in acked_ids]
    pending = [m for m in managers if m.id not in acked_ids]
    return acked, pending


async def member_names(repo: Repository, tenant_id: int) -> dict[int, str]:
    return {m.id: m.display_name for m in await repo.list_members(tenant_id)}


def retex_line(tenant: Tenant, retex: Retex, names: Mapping[int, str], link: str = "") -> str:
    locale = tenant.locale
    author = (
        translate(locale, "retex.anonymous")
        if retex.anonymous or retex.author_id is None
        else names.get(retex.author_id, "?")
    )
    return translate(
        locale,
        "retex.list_line",
        date=formatting.day(formatting.local_date(retex.created_at, tenant.timezone), locale),
        author=author,
        link=link,
        text=formatting.clip(retex.text, 280),
    )


async def kpi_summary(repo: Repository, tenant: Tenant, now: datetime) -> Message:
    """The director's summary: cap and readers, each active quick win, retex, overdue, missed."""
    locale = tenant.locale
    today = formatting.local_date(now, tenant.timezone)
    title = translate(locale, "kpi.title", tenant=tenant.name or tenant.external_id)
    blocks: list[Block] = [Heading(title)]
    lines: list[str] = [title]

    since = now - RETEX_WINDOW
    kpis = await repo.kpi_snapshot(
        tenant.id, recent=RECENT_MEASUREMENTS, since=since, highlights=RETEX_HIGHLIGHTS
    )
    cap = kpis.cap
    if cap is None:
        cap_line = translate(locale, "kpi.no_cap")
    else:
        cap_line = translate(
            locale,
            "kpi.cap",
            version=cap.version,
            days=formatting.days_between(cap.created_at, now, tenant.timezone),
            acked=kpis.managers_acked,
            total=kpis.managers_total,
        )
    blocks.append(Paragraph(cap_line))
    lines.append(cap_line)

    snapshots = kpis.quick_wins
    overdue: list[str] = []
    if snapshots:
        heading = translate(locale, "kpi.quickwins")
        blocks += [Divider(), Heading(heading)]
        lines.append(heading)
        for snapshot in snapshots:
            qw = snapshot.quick_win
            figs = figures(snapshot, today, tenant.timezone)
            line = summary_line(tenant, qw, figs)
            blocks += [progress_block(tenant, qw, figs), Context(line)]
            lines.append("• " + line)
            if figs.status.value == "overdue":
                overdue.append(f"QW-{qw.number} {formatting.clip(qw.title, 60)}")
    else:
        none_line = translate(locale, "qw.none")
        blocks.append(Paragraph(none_line))
        lines.append(none_line)

    count = kpis.retex_count
    retex_title = translate(locale, "kpi.retex", count=count)
    blocks += [Divider(), Paragraph(retex_title)]
    lines.append(retex_title)
    if count:
        for retex in kpis.retex:
            line = retex_line(tenant, retex, kpis.author_names)
            blocks.append(Context(line))
            lines.append("• " + line)

    overdue_line = (
        translate(locale, "kpi.overdue", items=", ".join(overdue))
        if overdue
        else translate(locale, "kpi.nothing_overdue")
    )
    blocks.append(Paragraph(overdue_line))
    lines.append(overdue_line)

    missed = kpis.missed
    if missed:
        items = ", ".join(
            f"{kind} {formatting.day(formatting.local_date(at, tenant.timezone), locale)}"
            for kind, at in missed
        )
        missed_line = translate(locale, "kpi.missed", items=items)
        blocks.append(Paragraph(missed_line))
        lines.append(missed_line)

    return Message(
        text="\n".join(lines), blocks=tuple(blocks), visibility=Visibility.PERSONAL, kind="kpi"
    )
