"""A ritual as the rituals layer reads it (kind, schedule, target), and a tenant's default set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.model import Tenant
from rituals.kinds import DEFAULTS, RitualKind, RitualTarget, TargetKind
from rituals.public_holidays import country_of
from rituals.schedule import Schedule
from storage.ritual_repository import RitualDraft, RitualRecord, RitualRepository


@dataclass(frozen=True, slots=True)
class Ritual:
    record: RitualRecord
    kind: RitualKind
    schedule: Schedule
    target: RitualTarget

    @classmethod
    def of(cls, record: RitualRecord) -> Ritual:
        return cls(
            record=record,
            kind=RitualKind(record.kind),
            schedule=Schedule.from_canonical(record.schedule),
            target=RitualTarget(TargetKind(record.target_kind), record.target),
        )

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def number(self) -> int:
        return self.record.number

    def timezone(self, tenant: Tenant) -> str:
        """Its own time zone, or the tenant's."""
        return timezone_of(self.record, tenant)

    def holiday_country(self, tenant: Tenant) -> str | None:
        """Whose public holidays it skips: its own setting, else the time zone's country."""
        if not self.record.skip_holidays:
            return None
        return self.record.holiday_country or country_of(self.timezone(tenant))


def timezone_of(record: RitualRecord, tenant: Tenant) -> str:
    """A ritual's own time zone, or its tenant's (without parsing the ritual's schedule)."""
    return record.timezone or tenant.timezone


async def ensure_defaults(
    rituals: RitualRepository, tenant: Tenant, channel: str, now: datetime
) -> bool:
    """Give a tenant seen for the first time the default rituals; False if it already had them.

    Race-safe: `first_seen` inserts one row per tenant, so only one caller creates them.
    `channel` is the team channel of the channel rituals ("" until someone sets it).
    """
    if not await rituals.first_seen(tenant.id, now):
        return False
    for default in DEFAULTS:
        target = default.target
        if target.kind is TargetKind.CHANNEL and not target.value:
            target = RitualTarget.channel(channel)
        await rituals.add_ritual(
            tenant.id,
            RitualDraft(
                kind=default.kind.value,
                schedule=default.schedule.canonical(),
                target_kind=target.kind.value,
                target=target.value,
            ),
            now,
        )
    return True
