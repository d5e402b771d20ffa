"""SQL implementation of `bot.ports.Repository`: tenant-scoped queries returning domain records."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    func,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Executable

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
from storage.chunks import in_chunks
from storage.kpi_read_model import read_home_snapshot, read_kpi_snapshot
from storage.models import (
    Base,
    CapAckRow,
    CapVersionRow,
    MeasurementRow,
    MemberRow,
    ProcessedRequestRow,
    QuickWinRow,
    RetexRow,
    TenantRow,
    tenant_of,
)
from storage.on_connection import CoreRow, OnConnection
from storage.ritual_repository import RitualRepository
from storage.upserts import upsert_insert

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from bot.ports import Repository


class RecordNotFound(LookupError):
    """An id or number that does not exist in this tenant (maybe in another one)."""


def name_key(name: str) -> str:
    """How display names are compared: Unicode-normalised, case-folded, accents kept."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name.strip()).casefold())


class SqlRepository(OnConnection):
    """Everything the core reads and writes, inside the caller's transaction.

    Every query filters on `tenant_id`; composite foreign keys (tenant_id, id) also stop a
    row from pointing at another tenant's member, cap or quick win.
    Ids or numbers that do not exist in the tenant raise `RecordNotFound` (a LookupError)
    where the method cannot answer None.
    """

    def __init__(
        self, connection: AsyncConnection, *, end: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        super().__init__(connection, end=end)
        self._read_ahead: dict[tuple[int, int], QuickWin | None] = {}
        """Quick wins read ahead (`find_tenant_and_member_claiming`), by (tenant, number):
        each given once, to the transaction's first `get_quick_win` of it."""

    # ------------------------------------------------------------------ tenants

    async def get_or_create_tenant(
        self, platform: str, external_id: str, name: str, locale: Locale, timezone: str
    ) -> tuple[Tenant, bool]:
        """The tenant for (platform, external_id), created with these settings if new.

        Race-safe: two first requests of a new workspace create it once. Looked up first, so
        the usual case (a known tenant) does not burn an id of PostgreSQL's sequence.
        """
        existing = await self._tenant_by_external_id(platform, external_id)
        if existing is not None:
            return existing, False
        created_id = await self._insert_ignoring_conflict(
            TenantRow,
            {
                "platform": platform,
                "external_id": external_id,
                "name": name,
                "locale": locale.value,
                "timezone": timezone,
                "active": True,
                "created_at": datetime.now(UTC),
            },
            conflict=("platform", "external_id"),
            returning="id",
        )
        tenant = await self._tenant_by_external_id(platform, external_id)
        if tenant is None:  # pragma: no cover - inserted or found just above
            raise RecordNotFound(f"tenant {platform}:{external_id}")
        return tenant, created_id is not None

    async def get_tenant(self, tenant_id: int) -> Tenant | None:
        row = await self._first(_TENANT_BY_ID, {"tenant_id": tenant_id})
        return None if row is None else tenant_of(row)

    async def find_tenant_and_member(
        self, platform: str, external_id: str, member_external_id: str
    ) -> tuple[Tenant | None, Member | None]:
        """The tenant and one of its members in one statement (every command starts so)."""
        row = await self._first(
            _TENANT_AND_MEMBER,
            {
                "platform": platform,
                "external_id": external_id,
                "member_external_id": member_external_id,
            },
        )
        return _tenant_and_member(row)

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
        """`find_tenant_and_member`, and `claim_request` for an active tenant, in one trip on
        SQLite: the claim runs first, for the tenant found by its platform id. A key this read
        did not claim (already claimed, or the tenant was not there yet for the claim, as
        PostgreSQL's second statement may see a tenant its first did not) is for
        `claim_request` to settle. The quick win `quick_win_number`, if given, is read in the
        same trip and kept for this transaction's first `get_quick_win` of it."""
        where = {"platform": platform, "external_id": external_id}
        statements: list[tuple[Executable, dict[str, Any]]] = [
            (_claim_for_tenant(self._dialect), {**where, "key": key, "created_at": at}),
            (_TENANT_AND_MEMBER, {**where, "member_external_id": member_external_id}),
        ]
        if quick_win_number is not None:
            statements.append((_QUICK_WIN_BY_TENANT_REF, {**where, "number": quick_win_number}))
        claimed, found, *quick_wins = await self._all_each(statements)
        tenant, member = _tenant_and_member(found[0] if found else None)
        if tenant is not None and quick_win_number is not None:
            rows = quick_wins[0]
            self._read_ahead[(tenant.id, quick_win_number)] = _quick_win(rows[0]) if rows else None
        return tenant, member, bool(claimed) and tenant is not None

    async def update_tenant(
        self, tenant_id: int, *, locale: Locale | None = None, timezone: str | None = None
    ) -> Tenant:
        changes: dict[str, Any] = {}
        if locale is not None:
            changes["locale"] = locale.value
        if timezone is not None:
            changes["timezone"] = timezone
        if not changes:
            tenant = await self.get_tenant(tenant_id)
            if tenant is None:
                raise RecordNotFound(f"tenant {tenant_id}")
            return tenant
        row = await self._update_one(TenantRow, changes, TenantRow.id == tenant_id)
        if row is None:
            raise RecordNotFound(f"tenant {tenant_id}")
        return tenant_of(row)

    # ------------------------------------------------------------------ idempotency

    async def claim_request(self, tenant_id: int, key: str, at: datetime) -> bool:
        """Record that a platform delivery was applied; False if it already was.

        A concurrent claim of the same key waits for the first transaction: if that one
        commits this returns False, if it rolls back this one claims the key.
        """
        inserted = await self._insert_ignoring_conflict(
            ProcessedRequestRow,
            {"tenant_id": tenant_id, "key": key, "created_at": at},
            conflict=("tenant_id", "key"),
            returning="key",
        )
        return inserted is not None

    # ------------------------------------------------------------------ members

    async def get_member(self, tenant_id: int, external_id: str) -> Member | None:
        row = await self._first(
            _MEMBER_BY_EXTERNAL_ID, {"tenant_id": tenant_id, "external_id": external_id}
        )
        return None if row is None else _member(row)

    async def get_member_by_id(self, tenant_id: int, member_id: int) -> Member | None:
        row = await self._member_row(tenant_id, member_id)
        return None if row is None else _member(row)

    async def find_members_by_name(self, tenant_id: int, name: str) -> list[Member]:
        """Members whose display name is `name` (or `name` without a leading "@").

        Case-insensitive (full Unicode case folding), accent-sensitive, exact.
        """
        keys = {name_key(name)}
        if name.strip().startswith("@"):
            keys.add(name_key(name.strip()[1:]))
        keys.discard("")
        if not keys:
            return []
        rows = await self._fetch_all(
            select(MemberRow)
            .where(MemberRow.tenant_id == tenant_id, MemberRow.name_key.in_(sorted(keys)))
            .order_by(MemberRow.id)
        )
        return [_member(row) for row in rows]

    async def add_member(
        self, tenant_id: int, external_id: str, display_name: str, role: Role
    ) -> Member:
        """Add a member; if this external id is already a member, return it unchanged.

        Race-safe: two first requests of the same person create one member.
        """
        existing = await self.get_member(tenant_id, external_id)
        if existing is not None:
            return existing
        await self._require_tenant(tenant_id)
        await self._insert_ignoring_conflict(
            MemberRow,
            {
                "tenant_id": tenant_id,
                "external_id": external_id,
                "display_name": display_name,
                "name_key": name_key(display_name),
                "role": role.value,
            },
            conflict=("tenant_id", "external_id"),
            returning="id",
        )
        member = await self.get_member(tenant_id, external_id)
        if member is None:  # pragma: no cover - inserted or found just above
            raise RecordNotFound(f"member {external_id}")
        return member

    async def rename_member(self, tenant_id: int, member_id: int, display_name: str) -> None:
        row = await self._update_one(
            MemberRow,
            {"display_name": display_name, "name_key": name_key(display_name)},
            MemberRow.tenant_id == tenant_id,
            MemberRow.id == member_id,
        )
        if row is None:
            raise RecordNotFound(f"member {member_id}")

    async def set_role(self, tenant_id: int, member_id: int, role: Role) -> Member:
        row = await self._update_one(
            MemberRow,
            {"role": role.value},
            MemberRow.tenant_id == tenant_id,
            MemberRow.id == member_id,
        )
        if row is None:
            raise RecordNotFound(f"member {member_id}")
        return _member(row)

    async def members_of(self, tenant_ids: Collection[int]) -> dict[int, list[Member]]:
        """Every member of each of these tenants, in order of arrival (every id is a key),
        one query per `IN_CHUNK` tenants."""
        found: dict[int, list[Member]] = {tenant_id: [] for tenant_id in tenant_ids}
        for chunk in in_chunks(tenant_ids):
            rows = await self._fetch_all(
                select(MemberRow).where(MemberRow.tenant_id.in_(chunk)).order_by(MemberRow.id)
            )
            for row in rows:
                found[row.tenant_id].append(_member(row))
        return found

    async def list_members(self, tenant_id: int, role: Role | None = None) -> list[Member]:
        """Members of the tenant (optionally with one role), in order of arrival."""
        if role is None:
            rows = await self._all(_MEMBERS, {"tenant_id": tenant_id})
        else:
            rows = await self._all(_MEMBERS_WITH_ROLE, {"tenant_id": tenant_id, "role": role.value})
        return [_member(row) for row in rows]

    # ------------------------------------------------------------------ cap

    async def add_cap_version(
        self, tenant_id: int, text: str, author_id: int, at: datetime
    ) -> CapVersion:
        """A new cap version, numbered 1, 2, ... per tenant (race-safe)."""
        await self._require_member(tenant_id, author_id)
        version = await self._next_counter(tenant_id, TenantRow.last_cap_version)
        row = await self._insert(
            CapVersionRow,
            {
                "tenant_id": tenant_id,
                "version": version,
                "text": text,
                "author_id": author_id,
                "created_at": at,
            },
        )
        return _cap(row)

    async def current_cap(self, tenant_id: int) -> CapVersion | None:
        row = await self._fetch_first(
            select(CapVersionRow)
            .where(CapVersionRow.tenant_id == tenant_id)
            .order_by(CapVersionRow.version.desc())
            .limit(1)
        )
        return None if row is None else _cap(row)

    async def current_caps(self, tenant_ids: Collection[int]) -> dict[int, CapVersion]:
        """The current cap of each of these tenants (those without one left out), one query
        per `IN_CHUNK` tenants."""
        found: dict[int, CapVersion] = {}
        for chunk in in_chunks(tenant_ids):
            newest = (
                select(func.max(CapVersionRow.version))
                .where(CapVersionRow.tenant_id == _OuterCap.tenant_id)
                .scalar_subquery()
            )
            rows = await self._fetch_all(
                select(_OuterCap).where(_OuterCap.tenant_id.in_(chunk), _OuterCap.version == newest)
            )
            found.update((row.tenant_id, _cap(row)) for row in rows)
        return found

    async def get_cap(self, tenant_id: int, cap_id: int) -> CapVersion | None:
        row = await self._cap_row(tenant_id, cap_id)
        return None if row is None else _cap(row)

    async def cap_history(self, tenant_id: int, limit: int) -> list[CapVersion]:
        """The latest `limit` cap versions, newest first."""
        rows = await self._fetch_all(
            select(CapVersionRow)
            .where(CapVersionRow.tenant_id == tenant_id)
            .order_by(CapVersionRow.version.desc())
            .limit(max(limit, 0))
        )
        return [_cap(row) for row in rows]

    async def ack_cap(self, tenant_id: int, cap_id: int, member_id: int, at: datetime) -> bool:
        """Record an acknowledgement; False if this member had already acknowledged it."""
        if await self._cap_row(tenant_id, cap_id) is None:
            raise RecordNotFound(f"cap {cap_id}")
        await self._require_member(tenant_id, member_id)
        inserted = await self._insert_ignoring_conflict(
            CapAckRow,
            {"tenant_id": tenant_id, "cap_id": cap_id, "member_id": member_id, "acked_at": at},
            conflict=("cap_id", "member_id"),
            returning="id",
        )
        return inserted is not None

    async def acks_of_caps(self, cap_ids: Collection[int]) -> dict[int, list[CapAck]]:
        """The acknowledgements of each of these cap versions, oldest first (every id is a
        key), one query per `IN_CHUNK` versions."""
        found: dict[int, list[CapAck]] = {cap_id: [] for cap_id in cap_ids}
        for chunk in in_chunks(cap_ids):
            rows = await self._fetch_all(
                select(CapAckRow)
                .where(CapAckRow.cap_id.in_(chunk))
                .order_by(CapAckRow.acked_at, CapAckRow.id)
            )
            for row in rows:
                found[row.cap_id].append(
                    CapAck(cap_id=row.cap_id, member_id=row.member_id, acked_at=row.acked_at)
                )
        return found

    async def cap_acks(self, tenant_id: int, cap_id: int) -> list[CapAck]:
        """Acknowledgements of a cap version, oldest first."""
        rows = await self._fetch_all(
            select(CapAckRow)
            .where(CapAckRow.tenant_id == tenant_id, CapAckRow.cap_id == cap_id)
            .order_by(CapAckRow.acked_at, CapAckRow.id)
        )
        return [CapAck(cap_id=r.cap_id, member_id=r.member_id, acked_at=r.acked_at) for r in rows]

    # ------------------------------------------------------------------ quick wins

    async def add_quick_win(self, draft: QuickWinDraft) -> QuickWin:
        """Store a quick win with the next number of its tenant (1, 2, ...; race-safe)."""
        for member_id in {draft.owner_id, draft.created_by}:
            await self._require_member(draft.tenant_id, member_id)
        number = await self._next_counter(draft.tenant_id, TenantRow.last_quick_win_number)
        row = await self._insert(
            QuickWinRow,
            {
                "tenant_id": draft.tenant_id,
                "number": number,
                "title": draft.title,
                "kpi": draft.kpi,
                "unit": draft.unit,
                "baseline": draft.baseline,
                "target": draft.target,
                "due": draft.due,
                "owner_id": draft.owner_id,
                "created_by": draft.created_by,
                "created_at": draft.created_at,
                "state": QuickWinState.ACTIVE.value,
                "closed_at": None,
                "celebrated_at": None,
            },
        )
        return _quick_win(row)

    async def get_quick_win(self, tenant_id: int, number: int) -> QuickWin | None:
        if (tenant_id, number) in self._read_ahead:  # read with the transaction's first trip
            return self._read_ahead.pop((tenant_id, number))
        row = await self._first(_QUICK_WIN_BY_NUMBER, {"tenant_id": tenant_id, "number": number})
        return None if row is None else _quick_win(row)

    async def get_quick_win_by_id(self, tenant_id: int, quick_win_id: int) -> QuickWin | None:
        row = await self._quick_win_row(tenant_id, quick_win_id)
        return None if row is None else _quick_win(row)

    async def list_quick_wins(self, tenant_id: int, *, active_only: bool) -> list[QuickWin]:
        """Quick wins in number order."""
        rows = await self._fetch_all(self._quick_wins_query(tenant_id, active_only))
        return [_quick_win(row) for row in rows]

    async def close_quick_win(
        self, tenant_id: int, quick_win_id: int, state: QuickWinState, at: datetime
    ) -> QuickWin:
        """Set the state; closed_at is `at` for done/abandoned, cleared when reopened (active)."""
        row = await self._update_one(
            QuickWinRow,
            {"state": state.value, "closed_at": None if state is QuickWinState.ACTIVE else at},
            QuickWinRow.tenant_id == tenant_id,
            QuickWinRow.id == quick_win_id,
        )
        if row is None:
            raise RecordNotFound(f"quick win {quick_win_id}")
        return _quick_win(row)

    async def mark_celebrated(self, tenant_id: int, quick_win_id: int, at: datetime) -> bool:
        """Set celebrated_at once; False if the quick win was already celebrated.

        A conditional UPDATE: of two concurrent celebrations, exactly one returns True.
        """
        celebrated = await self._update_one(
            QuickWinRow,
            {"celebrated_at": at},
            QuickWinRow.tenant_id == tenant_id,
            QuickWinRow.id == quick_win_id,
            QuickWinRow.celebrated_at.is_(None),
        )
        if celebrated is not None:
            return True
        if await self._quick_win_row(tenant_id, quick_win_id) is None:
            raise RecordNotFound(f"quick win {quick_win_id}")
        return False

    async def add_measurement(
        self,
        tenant_id: int,
        quick_win_id: int,
        value: Decimal,
        note: str,
        author_id: int,
        at: datetime,
    ) -> Measurement:
        """One statement: inserted only if the quick win and the author are the tenant's."""
        row = await self._first(
            _ADD_MEASUREMENT,
            _measurement_values(tenant_id, quick_win_id, value, note, author_id, at),
        )
        if row is None:
            raise _measurement_not_added(quick_win_id, author_id)
        return _measurement(row)

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
        """`add_measurement` and `measurements(..., recent)`, the write first: on SQLite in one
        trip to its thread, which also commits when `ends_transaction` (and the transaction
        is then over: `OnConnection._all_each`)."""
        added, latest = await self._all_each(
            [
                (
                    _ADD_MEASUREMENT,
                    _measurement_values(tenant_id, quick_win_id, value, note, author_id, at),
                ),
                (
                    _LATEST_MEASUREMENTS,
                    {"tenant_id": tenant_id, "quick_win_id": quick_win_id, "limit": max(recent, 0)},
                ),
            ],
            ends_transaction=ends_transaction,
        )
        if not added:
            raise _measurement_not_added(quick_win_id, author_id)
        return _measurement(added[0]), [_measurement(row) for row in reversed(latest)]

    async def measurements(
        self, tenant_id: int, quick_win_id: int, limit: int
    ) -> list[Measurement]:
        """The latest `limit` measurements of a quick win, oldest first."""
        rows = await self._all(
            _LATEST_MEASUREMENTS,
            {"tenant_id": tenant_id, "quick_win_id": quick_win_id, "limit": max(limit, 0)},
        )
        return [_measurement(row) for row in reversed(rows)]

    async def active_snapshots(self, tenant_id: int, recent: int) -> list[QuickWinSnapshot]:
        """Every active quick win with its latest `recent` measurements, in number order.

        Two queries whatever the number of quick wins and however long their history: the
        quick wins, and their latest measurements, one `ORDER BY measured_at DESC LIMIT
        recent` per quick win on the (quick_win_id, measured_at) index, glued with UNION ALL.
        """
        quick_wins = await self._fetch_all(self._quick_wins_query(tenant_id, active_only=True))
        if not quick_wins:
            return []
        ids = [row.id for row in quick_wins]
        recent_by_id: dict[int, list[Measurement]] = {qw_id: [] for qw_id in ids}
        if recent > 0:
            params: dict[str, Any] = {"tenant_id": tenant_id, "recent": recent}
            params |= {f"qw_{i}": qw_id for i, qw_id in enumerate(ids)}
            for row in await self._all(_latest_measurements(len(ids)), params):
                recent_by_id[row.quick_win_id].append(_measurement(row))
        return [QuickWinSnapshot.of(_quick_win(row), recent_by_id[row.id]) for row in quick_wins]

    # ------------------------------------------------------------------ retex

    async def add_retex(
        self,
        tenant_id: int,
        text: str,
        author_id: int,
        anonymous: bool,
        quick_win_id: int | None,
        at: datetime,
    ) -> Retex:
        """Store a lesson learned. An anonymous retex keeps no author: `author_id` is dropped."""
        await self._require_member(tenant_id, author_id)
        if quick_win_id is not None and await self._quick_win_row(tenant_id, quick_win_id) is None:
            raise RecordNotFound(f"quick win {quick_win_id}")
        row = await self._insert(
            RetexRow,
            {
                "tenant_id": tenant_id,
                "text": text,
                "author_id": None if anonymous else author_id,
                "anonymous": anonymous,
                "quick_win_id": quick_win_id,
                "created_at": at,
            },
        )
        return _retex(row)

    async def list_retex(
        self,
        tenant_id: int,
        *,
        since: datetime | None = None,
        quick_win_id: int | None = None,
        limit: int = 10,
    ) -> list[Retex]:
        """Newest first; `since` is inclusive."""
        query = select(RetexRow).where(RetexRow.tenant_id == tenant_id)
        if since is not None:
            query = query.where(RetexRow.created_at >= since)
        if quick_win_id is not None:
            query = query.where(RetexRow.quick_win_id == quick_win_id)
        rows = await self._fetch_all(
            query.order_by(RetexRow.created_at.desc(), RetexRow.id.desc()).limit(max(limit, 0))
        )
        return [_retex(row) for row in rows]

    async def count_retex(self, tenant_id: int, since: datetime) -> int:
        """Retex created at or after `since`."""
        count = await self._fetch_scalar(
            select(func.count())
            .select_from(RetexRow)
            .where(RetexRow.tenant_id == tenant_id, RetexRow.created_at >= since)
        )
        return int(count or 0)

    # ------------------------------------------------------------------ ritual hooks

    async def missed_occurrences(
        self, tenant_id: int, since: datetime
    ) -> list[tuple[str, datetime]]:
        """(ritual name, scheduled time) of occurrences recorded as missed since `since`."""
        return await RitualRepository(self._connection).missed_occurrences(tenant_id, since)

    # ------------------------------------------------------------------ KPI read model

    async def kpi_snapshot(
        self, tenant_id: int, *, recent: int, since: datetime, highlights: int
    ) -> KpiSnapshot:
        """The KPI summary's figures in one statement (`storage.kpi_read_model`)."""
        return await read_kpi_snapshot(
            self._connection, tenant_id, recent=recent, since=since, highlights=highlights
        )

    async def home_snapshot(self, tenant_id: int, member_id: int, *, recent: int) -> HomeSnapshot:
        """A person's home figures in one statement (`storage.kpi_read_model`)."""
        return await read_home_snapshot(self._connection, tenant_id, member_id, recent=recent)

    # ------------------------------------------------------------------ helpers

    async def _insert(self, model: type[Base], values: dict[str, Any]) -> CoreRow:
        """INSERT ... RETURNING the row, read back through the column types (UTC, decimals)."""
        row = await self._first(_inserting(model.__tablename__), values)
        if row is None:  # pragma: no cover - an INSERT returns its row or raises
            raise RuntimeError(f"INSERT into {model.__tablename__} returned nothing")
        return row

    async def _update_one(
        self, model: type[Base], values: dict[str, Any], *where: ColumnElement[bool]
    ) -> CoreRow | None:
        """UPDATE ... RETURNING the changed row as stored, or None when nothing matched."""
        return await self._fetch_first(update(model).where(*where).values(values).returning(model))

    async def _next_counter(self, tenant_id: int, counter: Any) -> int:
        """Increment a tenant counter and return its new value (UPDATE ... RETURNING).

        The row lock (PostgreSQL) or the write lock (SQLite) serialises concurrent callers
        until their transaction ends, so two transactions never get the same number.
        """
        value = await self._fetch_scalar(
            update(TenantRow)
            .where(TenantRow.id == tenant_id)
            .values({counter: counter + 1})
            .returning(counter)
        )
        if value is None:
            raise RecordNotFound(f"tenant {tenant_id}")
        return int(value)

    async def _tenant_by_external_id(self, platform: str, external_id: str) -> Tenant | None:
        row = await self._first(
            _TENANT_BY_EXTERNAL_ID, {"platform": platform, "external_id": external_id}
        )
        return None if row is None else tenant_of(row)

    async def _require_tenant(self, tenant_id: int) -> None:
        if await self.get_tenant(tenant_id) is None:
            raise RecordNotFound(f"tenant {tenant_id}")

    async def _member_row(self, tenant_id: int, member_id: int) -> CoreRow | None:
        return await self._first(_MEMBER_BY_ID, {"tenant_id": tenant_id, "id": member_id})

    async def _require_member(self, tenant_id: int, member_id: int) -> CoreRow:
        row = await self._member_row(tenant_id, member_id)
        if row is None:
            raise RecordNotFound(f"member {member_id}")
        return row

    async def _cap_row(self, tenant_id: int, cap_id: int) -> CoreRow | None:
        return await self._fetch_first(
            select(CapVersionRow).where(
                CapVersionRow.tenant_id == tenant_id, CapVersionRow.id == cap_id
            )
        )

    async def _quick_win_row(self, tenant_id: int, quick_win_id: int) -> CoreRow | None:
        return await self._first(_QUICK_WIN_BY_ID, {"tenant_id": tenant_id, "id": quick_win_id})

    @staticmethod
    def _quick_wins_query(tenant_id: int, active_only: bool) -> Select[QuickWinRow]:
        query = select(QuickWinRow).where(QuickWinRow.tenant_id == tenant_id)
        if active_only:
            query = query.where(QuickWinRow.state == QuickWinState.ACTIVE.value)
        return query.order_by(QuickWinRow.number)


@functools.lru_cache(maxsize=64)
def _latest_measurements(quick_wins: int) -> Select[Any]:
    """The latest `:recent` measurements of each of `quick_wins` quick wins (`:qw_0`, `:qw_1`
    …) of tenant `:tenant_id`: one `ORDER BY measured_at DESC LIMIT` per quick win on the
    (quick_win_id, measured_at) index, glued with UNION ALL. Built once per count (and
    compiled once per dialect), since building the union costs more than running it."""
    table = MeasurementRow.__table__
    latest_each = [
        select(table)
        .where(
            table.c.tenant_id == bindparam("tenant_id"),
            table.c.quick_win_id == bindparam(f"qw_{i}"),
        )
        .order_by(table.c.measured_at.desc(), table.c.id.desc())
        .limit(bindparam("recent", type_=Integer))
        .subquery()
        for i in range(quick_wins)
    ]
    latest = union_all(*(select(*part.c) for part in latest_each)).subquery()
    return select(latest).order_by(latest.c.quick_win_id, latest.c.measured_at, latest.c.id)


_OuterCap = aliased(CapVersionRow)

# The reads and inserts of every command, as plain Core statements built once: no ORM entity
# to load or flush, and no cache key to compute again for each call.
_TENANT = Base.metadata.tables[TenantRow.__tablename__]
_MEMBER = Base.metadata.tables[MemberRow.__tablename__]
_QUICK_WIN = Base.metadata.tables[QuickWinRow.__tablename__]
_MEASUREMENT = Base.metadata.tables[MeasurementRow.__tablename__]
_TENANT_BY_ID = select(_TENANT).where(_TENANT.c.id == bindparam("tenant_id"))
_TENANT_BY_EXTERNAL_ID = select(_TENANT).where(
    _TENANT.c.platform == bindparam("platform"), _TENANT.c.external_id == bindparam("external_id")
)


@functools.cache
def _claim_for_tenant(dialect: str) -> Executable:
    """INSERT a processed request for the active tenant (platform, external_id) ON CONFLICT
    DO NOTHING RETURNING its key: nothing when the key was claimed or there is no such
    tenant."""
    requests = Base.metadata.tables[ProcessedRequestRow.__tablename__]
    tenant = select(
        _TENANT.c.id,
        bindparam("key", type_=requests.c.key.type),
        bindparam("created_at", type_=requests.c.created_at.type),
    ).where(
        _TENANT.c.platform == bindparam("platform"),
        _TENANT.c.external_id == bindparam("external_id"),
        _TENANT.c.active.is_(True),
    )
    statement = (
        upsert_insert(dialect, requests)
        .from_select(["tenant_id", "key", "created_at"], tenant)
        .on_conflict_do_nothing(index_elements=["tenant_id", "key"])
    )
    built: Executable = statement.returning(requests.c.key)
    return built


def _tenant_and_member(row: CoreRow | None) -> tuple[Tenant | None, Member | None]:
    """A `_TENANT_AND_MEMBER` row as the tenant and the member it found (None for either)."""
    if row is None:
        return None, None
    tenant = tenant_of(row)
    if row.member_id is None:
        return tenant, None
    member = Member(
        id=row.member_id,
        tenant_id=tenant.id,
        external_id=row.member_external_id,
        display_name=row.member_display_name,
        role=Role(row.member_role),
    )
    return tenant, member


_TENANT_AND_MEMBER = (
    select(*_TENANT.c, *(column.label(f"member_{column.name}") for column in _MEMBER.c))
    .select_from(
        _TENANT.outerjoin(
            _MEMBER,
            and_(
                _MEMBER.c.tenant_id == _TENANT.c.id,
                _MEMBER.c.external_id == bindparam("member_external_id"),
            ),
        )
    )
    .where(
        _TENANT.c.platform == bindparam("platform"),
        _TENANT.c.external_id == bindparam("external_id"),
    )
)
_QUICK_WIN_BY_TENANT_REF = (
    select(_QUICK_WIN)
    .join(_TENANT, _TENANT.c.id == _QUICK_WIN.c.tenant_id)
    .where(
        _TENANT.c.platform == bindparam("platform"),
        _TENANT.c.external_id == bindparam("external_id"),
        _QUICK_WIN.c.number == bindparam("number"),
    )
)
_MEMBER_BY_EXTERNAL_ID = select(_MEMBER).where(
    _MEMBER.c.tenant_id == bindparam("tenant_id"),
    _MEMBER.c.external_id == bindparam("external_id"),
)
_MEMBER_BY_ID = select(_MEMBER).where(
    _MEMBER.c.tenant_id == bindparam("tenant_id"), _MEMBER.c.id == bindparam("id")
)
_MEMBERS = (
    select(_MEMBER).where(_MEMBER.c.tenant_id == bindparam("tenant_id")).order_by(_MEMBER.c.id)
)
_MEMBERS_WITH_ROLE = _MEMBERS.where(_MEMBER.c.role == bindparam("role"))
_QUICK_WIN_BY_NUMBER = select(_QUICK_WIN).where(
    _QUICK_WIN.c.tenant_id == bindparam("tenant_id"), _QUICK_WIN.c.number == bindparam("number")
)
_QUICK_WIN_BY_ID = select(_QUICK_WIN).where(
    _QUICK_WIN.c.tenant_id == bindparam("tenant_id"), _QUICK_WIN.c.id == bindparam("id")
)
_LATEST_MEASUREMENTS = (
    select(_MEASUREMENT)
    .where(
        _MEASUREMENT.c.tenant_id == bindparam("tenant_id"),
        _MEASUREMENT.c.quick_win_id == bindparam("quick_win_id"),
    )
    .order_by(_MEASUREMENT.c.measured_at.desc(), _MEASUREMENT.c.id.desc())
    .limit(bindparam("limit", type_=Integer))
)


def _add_measurement() -> Executable:
    """INSERT a measurement only if its quick win and author are its tenant's, RETURNING it."""
    names = ("tenant_id", "quick_win_id", "value", "note", "author_id", "measured_at")
    given = {name: bindparam(name, type_=_MEASUREMENT.c[name].type) for name in names}
    source = select(*(given[name].label(name) for name in names)).where(
        exists().where(
            _QUICK_WIN.c.tenant_id == given["tenant_id"], _QUICK_WIN.c.id == given["quick_win_id"]
        ),
        exists().where(
            _MEMBER.c.tenant_id == given["tenant_id"], _MEMBER.c.id == given["author_id"]
        ),
    )
    return insert(_MEASUREMENT).from_select(list(names), source).returning(*_MEASUREMENT.c)


_ADD_MEASUREMENT = _add_measurement()


@functools.cache
def _inserting(table: str) -> Executable:
    """INSERT into `table` RETURNING the row; the values come as the execution's parameters."""
    columns = Base.metadata.tables[table]
    return insert(columns).returning(*columns.c)


def _member(row: MemberRow | Row[Any]) -> Member:
    return Member(
        id=row.id,
        tenant_id=row.tenant_id,
        external_id=row.external_id,
        display_name=row.display_name,
        role=Role(row.role),
    )


def _cap(row: CapVersionRow | Row[Any]) -> CapVersion:
    return CapVersion(
        id=row.id,
        tenant_id=row.tenant_id,
        version=row.version,
        text=row.text,
        author_id=row.author_id,
        created_at=row.created_at,
    )


def _quick_win(row: QuickWinRow | Row[Any]) -> QuickWin:
    return QuickWin(
        id=row.id,
        tenant_id=row.tenant_id,
        number=row.number,
        title=row.title,
        kpi=row.kpi,
        unit=row.unit,
        baseline=row.baseline,
        target=row.target,
        due=row.due,
        owner_id=row.owner_id,
        created_by=row.created_by,
        created_at=row.created_at,
        state=QuickWinState(row.state),
        closed_at=row.closed_at,
        celebrated_at=row.celebrated_at,
    )


def _measurement_values(
    tenant_id: int, quick_win_id: int, value: Decimal, note: str, author_id: int, at: datetime
) -> dict[str, Any]:
    """The parameters of `_ADD_MEASUREMENT`."""
    return {
        "tenant_id": tenant_id,
        "quick_win_id": quick_win_id,
        "value": value,
        "note": note,
        "author_id": author_id,
        "measured_at": at,
    }


def _measurement_not_added(quick_win_id: int, author_id: int) -> RecordNotFound:
    return RecordNotFound(f"quick win {quick_win_id} or member {author_id}")


def _measurement(row: MeasurementRow | Row[Any]) -> Measurement:
    return Measurement(
        id=row.id,
        tenant_id=row.tenant_id,
        quick_win_id=row.quick_win_id,
        value=row.value,
        note=row.note,
        author_id=row.author_id,
        measured_at=row.measured_at,
    )


def _retex(row: RetexRow | Row[Any]) -> Retex:
    return Retex(
        id=row.id,
        tenant_id=row.tenant_id,
        text=row.text,
        author_id=row.author_id,
        anonymous=row.anonymous,
        quick_win_id=row.quick_win_id,
        created_at=row.created_at,
    )


if TYPE_CHECKING:

    def _implements_repository(repository: SqlRepository) -> Repository:
        return repository
