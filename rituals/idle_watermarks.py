"""How far this clock has checked the rituals that had nothing due, kept in memory: their stored
watermark is written when it lags far behind, not at every tick."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.ritual_repository import RitualRecord

WRITE_LAG = timedelta(minutes=10)
"""A quiet ritual's stored watermark is written once it is this far behind what the clock has
checked (and on a tick that queued nothing): an idle clock writes every ritual every ten minutes
instead of every heartbeat (5,000 rows each 15 s at 1,000 tenants)."""


@dataclass(frozen=True, slots=True)
class Lagging:
    """A quiet ritual's stored watermark as read, to move it only if unchanged since."""

    id: int
    checked_until: datetime
    updated_at: datetime


class IdleWatermarks:
    """Per ritual, the moment up to which this clock found nothing due, as of the ritual's
    version then (`updated_at`). The stored watermark stays the safe point after a restart:
    between it and the remembered moment nothing was due, so a new clock finds nothing there
    either. A ritual changed since (by any process) is planned from its stored watermark
    again: what was checked ahead (`RitualConfig.lead`) was checked under its old setting."""

    def __init__(self, write_lag: timedelta = WRITE_LAG) -> None:
        self.write_lag = write_lag
        self._checked: dict[int, tuple[datetime, datetime]] = {}

    def since(self, record: RitualRecord) -> datetime:
        """Where deciding this ritual's occurrences starts: its stored watermark, or later if
        this clock has found nothing due beyond it in this version of the ritual."""
        checked = self._checked.get(record.id)
        if (
            checked is not None
            and checked[1] == record.updated_at
            and checked[0] > record.checked_until
        ):
            return checked[0]
        return record.checked_until

    def checked(self, records: Iterable[RitualRecord], until: datetime) -> list[Lagging]:
        """These rituals had nothing due up to `until`: remember it; the ones whose stored
        watermark lags by more than `write_lag`, for the caller to write."""
        lagging: list[Lagging] = []
        for record in records:
            self._checked[record.id] = (until, record.updated_at)
            if until - record.checked_until > self.write_lag:
                lagging.append(Lagging(record.id, record.checked_until, record.updated_at))
        return lagging

    def keep_only(self, ritual_ids: Collection[int]) -> None:
        """Forget the rituals not in `ritual_ids` (deleted ones)."""
        for ritual_id in self._checked.keys() - set(ritual_ids):
            del self._checked[ritual_id]
