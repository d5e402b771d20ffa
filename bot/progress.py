"""Quick-win arithmetic: progress towards target, status against the plan line, and trend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum

SPARK_CHARS = "▁▂▃▄▅▆▇█"


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    REACHED = "reached"
    OVERDUE = "overdue"


class Trend(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"


def progress(baseline: Decimal, target: Decimal, current: Decimal) -> float:
    """(current − baseline) / (target − baseline): 0 at baseline, 1 at target, either direction."""
    span = target - baseline
    if span == 0:
        return 1.0 if current == target else 0.0
    return float((current - baseline) / span)


def expected_progress(start: date, due: date, today: date) -> float:
    """Where the straight line from baseline at start to target at due stands today (0..1)."""
    total = (due - start).days
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (today - start).days / total))


def status(ratio: float, start: date, due: date, today: date) -> Status:
    if ratio >= 1.0:
        return Status.REACHED
    if today > due:
        return Status.OVERDUE
    if ratio + 1e-9 >= expected_progress(start, due, today):
        return Status.ON_TRACK
    return Status.AT_RISK


def trend(baseline: Decimal, target: Decimal, values: Sequence[Decimal]) -> Trend:
    """Whether the last result moved towards the target, away from it, or not at all."""
    if len(values) < 2:
        return Trend.FLAT
    before = progress(baseline, target, values[-2])
    after = progress(baseline, target, values[-1])
    if after > before:
        return Trend.UP
    if after < before:
        return Trend.DOWN
    return Trend.FLAT


def sparkline(values: Sequence[Decimal]) -> str:
    """A tiny chart of the values, e.g. "█▆▅▃▂": each value's exact step between the lowest
    (▁) and the highest (█)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARK_CHARS[3] * len(values)
    span, steps = high - low, len(SPARK_CHARS) - 1
    return "".join([SPARK_CHARS[int((value - low) * steps // span)] for value in values])
