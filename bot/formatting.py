"""Locale-aware formatting of numbers, percentages, dates and ages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.model import Locale


def number(value: Decimal, locale: Locale, unit: str = "") -> str:
    """38.5 → "38,5" in French, "38.5" in English; the unit follows after a space ("%" too)."""
    normalised = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
    text = format(normalised, "f")
    if locale is Locale.FR:
        text = text.replace(".", ",")
    if not unit:
        return text
    return f"{text} {unit}" if locale is Locale.FR or unit != "%" else f"{text}{unit}"


def percent(ratio: float, locale: Locale) -> str:
    value = round(ratio * 100)
    return f"{value} %" if locale is Locale.FR else f"{value}%"


def day(value: date, locale: Locale) -> str:
    return value.strftime("%d/%m/%Y") if locale is Locale.FR else value.isoformat()


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def days_between(earlier: datetime, later: datetime, timezone: str) -> int:
    """Whole calendar days between two instants, in the tenant's time zone."""
    return (local_date(later, timezone) - local_date(earlier, timezone)).days


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
