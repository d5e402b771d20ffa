"""When each ritual next fires after a moment, computed once and reused while it still holds."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.model import Tenant
from rituals.definitions import Ritual, timezone_of
from rituals.schedule import next_occurrence, occurrences
from storage.ritual_repository import RitualRecord


@dataclass(frozen=True, slots=True)
class _Known:
    schedule: str
    timezone: str
    since: datetime
    at: datetime


class NextRuns:
    """`next_occurrence(...).at` per ritual, remembered: the first occurrence after `since` is
    also the first after any moment in [since, at), as long as the ritual's schedule and time
    zone are unchanged. A clock that plans every few seconds then computes a ritual's next
    run once per occurrence instead of at every run (a weekly schedule looks 40 days ahead)."""

    def __init__(self) -> None:
        self._known: dict[int, _Known] = {}

    def after(self, record: RitualRecord, tenant: Tenant, moment: datetime) -> datetime:
        """The instant the ritual first fires strictly after `moment`."""
        timezone = timezone_of(record, tenant)
        known = self._still_known(record, timezone, moment)
        if known is not None:
            return known
        at = next_occurrence(Ritual.of(record).schedule, timezone, moment).at
        self._known[record.id] = _Known(record.schedule, timezone, moment, at)
        return at

    def fires_between(
        self, record: RitualRecord, tenant: Tenant, since: datetime, until: datetime
    ) -> bool:
        """Whether the ritual fires in (since, until]. Answered from what is remembered, else
        by computing that window only (short, unlike the search for the next run)."""
        timezone = timezone_of(record, tenant)
        known = self._still_known(record, timezone, since)
        if known is not None:
            return known <= until
        return bool(occurrences(Ritual.of(record).schedule, timezone, since, until))

    def _still_known(
        self, record: RitualRecord, timezone: str, moment: datetime
    ) -> datetime | None:
        known = self._known.get(record.id)
        if (
            known is not None
            and known.schedule == record.schedule
            and known.timezone == timezone
            and known.since <= moment < known.at
        ):
            return known.at
        return None

    def keep_only(self, ritual_ids: Collection[int]) -> None:
        """Forget the rituals not in `ritual_ids` (deleted ones)."""
        for ritual_id in self._known.keys() - set(ritual_ids):
            del self._known[ritual_id]
