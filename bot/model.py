"""Domain records of Boussole: tenants, members, cap versions, quick wins, measurements, retex."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class Role(StrEnum):
    DIRECTOR = "director"
    MANAGER = "manager"
    MEMBER = "member"


class Locale(StrEnum):
    FR = "fr"
    EN = "en"


class QuickWinState(StrEnum):
    ACTIVE = "active"
    DONE = "done"
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class Tenant:
    """One workspace (Slack team, Teams tenant or console session) and its settings."""

    id: int
    platform: str
    external_id: str
    name: str
    locale: Locale
    timezone: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    tenant_id: int
    external_id: str
    display_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class CapVersion:
    id: int
    tenant_id: int
    version: int
    text: str
    author_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CapAck:
    cap_id: int
    member_id: int
    acked_at: datetime


@dataclass(frozen=True, slots=True)
class QuickWinDraft:
    """A quick win as typed by a person, before it gets its number."""

    tenant_id: int
    title: str
    kpi: str
    unit: str
    baseline: Decimal
    target: Decimal
    due: date
    owner_id: int
    created_by: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class QuickWin:
    id: int
    tenant_id: int
    number: int
    title: str
    kpi: str
    unit: str
    baseline: Decimal
    target: Decimal
    due: date
    owner_id: int
    created_by: int
    created_at: datetime
    state: QuickWinState = QuickWinState.ACTIVE
    closed_at: datetime | None = None
    celebrated_at: datetime | None = None

    @property
    def lower_is_better(self) -> bool:
        return self.target < self.baseline


@dataclass(frozen=True, slots=True)
class Measurement:
    id: int
    tenant_id: int
    quick_win_id: int
    value: Decimal
    note: str
    author_id: int
    measured_at: datetime


@dataclass(frozen=True, slots=True)
class Retex:
    id: int
    tenant_id: int
    text: str
    author_id: int | None
    anonymous: bool
    quick_win_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class QuickWinSnapshot:
    """A quick win with what its summary line needs: its latest values (oldest first) and the
    latest measurement itself (its time, for the age)."""

    quick_win: QuickWin
    values: tuple[Decimal, ...]
    latest: Measurement | None

    @classmethod
    def of(cls, quick_win: QuickWin, recent: Sequence[Measurement]) -> QuickWinSnapshot:
        """The snapshot of `recent`, the latest measurements, oldest first."""
        values = tuple(measurement.value for measurement in recent)
        return cls(quick_win, values, recent[-1] if recent else None)
