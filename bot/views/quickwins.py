"""Messages about quick wins: one line per quick win, the detailed card and the celebration."""

from __future__ import annotations

from decimal import Decimal

from bot import formatting
from bot.figures import QuickWinFigures
from bot.i18n import translate
from bot.messages import (
    Block,
    Context,
    Field,
    Fields,
    Heading,
    Message,
    Paragraph,
    Progress,
    Visibility,
)
from bot.model import Locale, Measurement, QuickWin, Tenant


def value_text(tenant: Tenant, qw: QuickWin, value: Decimal | None) -> str:
    if value is None:
        return translate(tenant.locale, "qw.no_measure")
    return formatting.number(value, tenant.locale, qw.unit)


def status_text(tenant: Tenant, figs: QuickWinFigures) -> str:
    return translate(tenant.locale, f"status.{figs.status.value}")


def age_text(tenant: Tenant, figs: QuickWinFigures) -> str:
    if figs.age_days is None:
        return translate(tenant.locale, "age.never")
    if figs.age_days <= 0:
        return translate(tenant.locale, "age.today")
    return translate(tenant.locale, "age.days", days=figs.age_days)


def title_text(qw: QuickWin, tenant: Tenant) -> str:
    return translate(tenant.locale, "qw.title_line", number=qw.number, title=qw.title)


def summary_line(tenant: Tenant, qw: QuickWin, figs: QuickWinFigures) -> str:
    """QW-1 Relance : 52 jours → 45 jours → 38 jours · 50 % · 🟢 en bonne voie · … ▇▅▃"""
    locale = tenant.locale
    return translate(
        locale,
        "qw.summary_line",
        number=qw.number,
        title=formatting.clip(qw.title, 80),
        baseline=formatting.number(qw.baseline, locale, qw.unit),
        latest=value_text(tenant, qw, figs.latest),
        target=formatting.number(qw.target, locale, qw.unit),
        progress=formatting.percent(figs.ratio, locale),
        status=status_text(tenant, figs),
        age=age_text(tenant, figs),
        trend=figs.sparkline,
    ).rstrip()


def progress_block(tenant: Tenant, qw: QuickWin, figs: QuickWinFigures) -> Progress:
    locale = tenant.locale
    label = title_text(qw, tenant)
    caption = " · ".join(
        [
            translate(locale, "qw.progress_label", progress=formatting.percent(figs.ratio, locale)),
            status_text(tenant, figs),
        ]
    )
    return Progress(label=label, ratio=max(0.0, min(1.0, figs.ratio)), caption=caption)


def detail_message(
    tenant: Tenant,
    qw: QuickWin,
    figs: QuickWinFigures,
    owner_name: str,
    history: list[Measurement],
    names: dict[int, str],
) -> Message:
    """Everything about one quick win: fields, progress bar, trend and history."""
    locale = tenant.locale
    fields = (
        Field(translate(locale, "qw.field.kpi"), qw.kpi),
        Field(translate(locale, "qw.field.owner"), owner_name),
        Field(
            translate(locale, "qw.field.baseline"), formatting.number(qw.baseline, locale, qw.unit)
        ),
        Field(translate(locale, "qw.field.latest"), value_text(tenant, qw, figs.latest)),
        Field(translate(locale, "qw.field.target"), formatting.number(qw.target, locale, qw.unit)),
        Field(translate(locale, "qw.field.due"), formatting.day(qw.due, locale)),
        Field(translate(locale, "qw.field.status"), status_text(tenant, figs)),
        Field(
            translate(locale, "qw.field.trend"),
            f"{translate(locale, f'trend.{figs.trend.value}')} {figs.sparkline}".strip(),
        ),
    )
    lines = [
        translate(
            locale,
            "qw.history_line",
            date=formatting.day(formatting.local_date(m.measured_at, tenant.timezone), locale),
            value=formatting.number(m.value, locale, qw.unit),
            note=f" — {formatting.clip(m.note, 120)}" if m.note else "",
            author=names.get(m.author_id, "?"),
        )
        for m in reversed(history)
    ]
    title = title_text(qw, tenant)
    state = translate(locale, f"state.{qw.state.value}")
    blocks: list[Block] = [Heading(title), Fields(fields), progress_block(tenant, qw, figs)]
    history_title = translate(locale, "qw.history_title")
    blocks.append(Context(state))
    if lines:
        blocks.append(Paragraph(history_title + "\n" + "\n".join(lines)))
    colon = " : " if locale is Locale.FR else ": "
    text = "\n".join(
        [title, *(f"{f.label}{colon}{f.value}" for f in fields)]
        + ([history_title, *lines] if lines else [])
    )
    return Message(text=text, blocks=tuple(blocks), kind="quickwin.detail")


def celebration_message(
    tenant: Tenant, qw: QuickWin, latest: Decimal | None, owner_name: str
) -> Message:
    locale = tenant.locale
    text = translate(
        locale,
        "qw.celebration",
        number=qw.number,
        title=qw.title,
        kpi=qw.kpi,
        baseline=formatting.number(qw.baseline, locale, qw.unit),
        latest=value_text(tenant, qw, latest),
        target=formatting.number(qw.target, locale, qw.unit),
        owner=owner_name,
    )
    return Message(
        text=text,
        blocks=(Heading("🎉"), Paragraph(text)),
        visibility=Visibility.CHANNEL,
        kind="celebration",
        metadata={"quick_win": str(qw.number)},
    )
