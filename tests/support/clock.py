"""A controllable clock for tests: starts at a fixed aware UTC instant and moves only when told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
"""Monday 2 March 2026, 08:00 UTC (09:00 in Paris)."""


class FakeClock:
    """Implements `bot.ports.Clock`; `advance` and `set` move it, nothing else does."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._now = _aware_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward (or back, with a negative delta) and return the new time."""
        self._now += delta
        return self._now

    def set(self, at: datetime) -> None:
        self._now = _aware_utc(at)


def _aware_utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("FakeClock needs an aware datetime")
    return at.astimezone(UTC)
