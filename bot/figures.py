"""Figures of one quick win at a date: latest value, progress, status, trend and age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot import formatting, progress
from bot.model import QuickWinSnapshot


@dataclass(frozen=True, slots=True)
class QuickWinFigures:
    latest: Decimal | None
    ratio: float
    status: progress.Status
    trend: progress.Trend
    sparkline: str
    age_days: int | None


def figures(snapshot: QuickWinSnapshot, today: date, timezone: str) -> QuickWinFigures:
    qw = snapshot.quick_win
    values = snapshot.values
    current = values[-1] if values else qw.baseline
    ratio = progress.progress(qw.baseline, qw.target, current)
    start = formatting.local_date(qw.created_at, timezone)
    latest = snapshot.latest
    age = (today - formatting.local_date(latest.measured_at, timezone)).days if latest else None
    return QuickWinFigures(
        latest=values[-1] if values else None,
        ratio=ratio,
        status=progress.status(ratio, start, qw.due, today),
        trend=progress.trend(qw.baseline, qw.target, values),
        sparkline=progress.sparkline(values),
        age_days=age,
    )
