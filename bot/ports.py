"""Ports the core depends on: a clock and the tenant-scoped repository, as Protocols."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from bot.kpi_snapshot import HomeSnapshot, KpiSnapshot
from bot.model import (
    CapAck,
    CapVersion,
    Locale,
    Measurement,
    Member,
    QuickWin,
    QuickWinDraft,
    QuickWinSnapshot,
    QuickWinState,
    Retex,
    Role,
    Tenant,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class Repository(Protocol):
    """Everything the core reads and writes, inside one transaction. Every call is tenant-scoped."""

    # tenants
    async def get_or_create_tenant(
        self, platform: str, external_id: str, name: str, locale: Locale, timezone: str
    ) -> tuple[Tenant, bool]: ...
    async def get_tenant(self, tenant_id: int) -> Tenant | None: ...
    async def find_tenant_and_member(
        self, platform: str, external_id: str, member_external_id: str
    ) -> tuple[Tenant | None, Member | None]:
        """The tenant (platform, external_id) and its member `member_external_id`, in one
        read: (None, None) for an unknown tenant, (tenant, None) for a new person."""
        ...

    async def update_tenant(
        self, tenant_id: int, *, locale: Locale | None = None, timezone: str | None = None
    ) -> Tenant: ...

    # idempotency
    async def claim_request(self, tenant_id: int, key: str, at: datetime) -> bool:
        """Record that a platform delivery was applied; False if it already was."""
        ...

    async def find_tenant_and_member_claiming(
        self,
        platform: str,
        external_id: str,
        member_external_id: str,
        key: str,
        at: datetime,
        *,
        quick_win_number: int | None = None,
    ) -> tuple[Tenant | None, Member | None, bool]:
        """`find_tenant_and_member`, and the delivery `key` claimed for an active tenant
        together: True when claimed; False leaves it to `claim_request` (already applied, no
        tenant yet, an inactive one, or one this read's claim did not see yet). With
        `quick_win_number`, that quick win is read too, for the transaction's first
        `get_quick_win` of it."""
        ...

    # members
    async def get_member(self, tenant_id: int, external_id: str) -> Member | None: ...
    async def get_member_by_id(self, tenant_id: int, member_id: int) -> Member | None: ...
    async def find_members_by_name(self, tenant_id: int, name: str) -> list[Member]: ...
    async def add_member(
        self, tenant_id: int, external_id: str, display_name: str, role: Role
    ) -> Member: ...
    async def rename_member(self, tenant_id: int, member_id: int, display_name: str) -> None: ...
    async def set_role(self, tenant_id: int, member_id: int, role: Role) -> Member: ...
    async def list_members(self, tenant_id: int, role: Role | None = None) -> list[Member]: ...

    # cap
    async def add_cap_version(
        self, tenant_id: int, text: str, author_id: int, at: datetime
    ) -> CapVersion: ...
    async def current_cap(self, tenant_id: int) -> CapVersion | None: ...
    async def get_cap(self, tenant_id: int, cap_id: int) -> CapVersion | None: ...
    async def cap_history(self, tenant_id: int, limit: int) -> list[CapVersion]: ...
    async def ack_cap(self, tenant_id: int, cap_id: int, member_id: int, at: datetime) -> bool:
        """Record an acknowledgement; False if this member had already acknowledged it."""
        ...

    async def cap_acks(self, tenant_id: int, cap_id: int) -> list[CapAck]: ...

    # quick wins
    async def add_quick_win(self, draft: QuickWinDraft) -> QuickWin: ...
    async def get_quick_win(self, tenant_id: int, number: int) -> QuickWin | None: ...
    async def get_quick_win_by_id(self, tenant_id: int, quick_win_id: int) -> QuickWin | None: ...
    async def list_quick_wins(self, tenant_id: int, *, active_only: bool) -> list[QuickWin]: ...
    async def close_quick_win(
        self, tenant_id: int, quick_win_id: int, state: QuickWinState, at: datetime
    ) -> QuickWin: ...
    async def mark_celebrated(self, tenant_id: int, quick_win_id: int, at: datetime) -> bool:
        """Set celebrated_at once; False if the quick win was already celebrated."""
        ...

    async def measurements(
        self, tenant_id: int, quick_win_id: int, limit: int
    ) -> list[Measurement]:
        """The latest `limit` measurements of a quick win, oldest first."""
        ...

    async def add_measurement_and_recent(
        self,
        tenant_id: int,
        quick_win_id: int,
        value: Decimal,
        note: str,
        author_id: int,
        at: datetime,
        recent: int,
        *,
        ends_transaction: bool = False,
    ) -> tuple[Measurement, list[Measurement]]:
        """`add_measurement`, then the latest `recent` measurements with it (`measurements`),
        together (one trip on SQLite).

        `ends_transaction`: the caller runs nothing else in this transaction, which the store
        commits with this call once the measurement is written (on SQLite in the same trip),
        giving its connection back while the caller words its answer; whatever the caller
        does afterwards cannot undo it. (A measurement that cannot be written raises
        `RecordNotFound` and ends nothing: the transaction rolls back as usual.)"""
        ...

    async def active_snapshots(self, tenant_id: int, recent: int) -> list[QuickWinSnapshot]:
        """Every active quick win with its latest `recent` measurements, in number order."""
        ...

    # retex
    async def add_retex(
        self,
        tenant_id: int,
        text: str,
        author_id: int,
        anonymous: bool,
        quick_win_id: int | None,
        at: datetime,
    ) -> Retex: ...
    async def list_retex(
        self,
        tenant_id: int,
        *,
        since: datetime | None = None,
        quick_win_id: int | None = None,
        limit: int = 10,
    ) -> list[Retex]:
        """Newest first."""
        ...

    async def count_retex(self, tenant_id: int, since: datetime) -> int: ...

    # ritual hooks the core reports on (filled by the rituals layer)
    async def missed_occurrences(
        self, tenant_id: int, since: datetime
    ) -> list[tuple[str, datetime]]:
        """(ritual kind, scheduled time) of occurrences recorded as missed since `since`."""
        ...

    # read model of the KPI summary
    async def kpi_snapshot(
        self, tenant_id: int, *, recent: int, since: datetime, highlights: int
    ) -> KpiSnapshot:
        """Everything the KPI summary shows, in one or a few statements.

        The current cap with how many managers acknowledged it, every active quick win with
        its latest `recent` measurements and its count (in number order), the retex since
        `since` (count, and the newest `highlights` with their authors' names), and the
        ritual occurrences missed since `since` (named as `missed_occurrences` names them).
        """
        ...

    # read model of a person's home
    async def home_snapshot(self, tenant_id: int, member_id: int, *, recent: int) -> HomeSnapshot:
        """Everything a person's home shows, in one or a few statements: the current cap,
        whether `member_id` acknowledged it, and the active quick wins they own, each with
        its latest `recent` measurements and its count (in number order)."""
        ...


class Store(Protocol):
    """Opens a transaction: committed when the block exits normally, rolled back on error."""

    def transaction(self) -> AbstractAsyncContextManager[Repository]: ...
