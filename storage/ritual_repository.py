"""SQL access of the rituals layer: rituals, occurrence claims, the outbox with leases, the clock lease."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Row

from bot.i18n import CATALOGUE, translate
from bot.model import Locale, Tenant
from storage.chunks import in_chunks
from storage.models import TenantRow, tenant_of
from storage.on_connection import OnConnection
from storage.ritual_models import (
    RitualOccurrenceRow,
    RitualOutboxRow,
    RitualRow,
    RitualTenantRow,
    SchedulerLeaseRow,
)
from storage.upserts import insert_unless_taken

SCAN_WINDOWS = 4
"""Windows of due rows one claim looks through at most for rows within their tenants' quota
(a claim's cost stays bounded however many rows one tenant has waiting)."""


@dataclass(frozen=True, slots=True)
class RitualDraft:
    """A ritual as the rituals layer defines it, before it gets its number."""

    kind: str
    schedule: str
    target_kind: str
    target: str
    timezone: str | None = None
    enabled: bool = True
    skip_holidays: bool = True
    holiday_country: str | None = None


class WatermarkRead(Protocol):
    """A ritual's watermark as read (a `RitualRecord` is one), to move it only if unchanged."""

    @property
    def id(self) -> int: ...
    @property
    def checked_until(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class RitualRecord:
    id: int
    tenant_id: int
    number: int
    kind: str
    schedule: str
    timezone: str | None
    target_kind: str
    target: str
    enabled: bool
    skip_holidays: bool
    holiday_country: str | None
    skip_local: datetime | None
    checked_until: datetime
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class OccurrenceRecord:
    id: int
    tenant_id: int
    ritual_id: int
    kind: str
    scheduled_local: datetime
    scheduled_at: datetime
    status: str
    late: bool
    manual: bool
    reason: str
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class OccurrenceClaim:
    """What the planner decided about one occurrence; stored once per (ritual, local time)."""

    ritual_id: int
    kind: str
    scheduled_local: datetime
    scheduled_at: datetime
    status: str
    late: bool = False
    manual: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OutboxDraft:
    platform: str
    target_kind: str
    target_id: str
    payload: str


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """An outbox row leased to one sender. `reclaimed`: a previous sender's lease expired while
    it was sending, so the message may already be on the platform (reconcile first)."""

    id: int
    tenant_id: int
    platform: str
    target_kind: str
    target_id: str
    payload: str
    delivery_key: str
    attempt: int
    reclaimed: bool
    available_at: datetime
    """When it may be sent (a sender claims it up to `RitualConfig.send_ahead` before)."""


@dataclass(frozen=True, slots=True)
class OutboxOutcome:
    """What became of one leased row (see `RitualRepository.finish_outbox`)."""

    message: ClaimedMessage
    status: str
    now: datetime
    platform_message_id: str = ""
    detail: str = ""
    retry_at: datetime | None = None
    uncertain: bool = False

    def parameters(self, owner: str) -> dict[str, Any]:
        """The parameters of `_RECORD_OUTCOME` for this outcome: the lease is always cleared;
        a sent row gets its time and message id, a pending one its next attempt's time (None
        keeps the column as it is). An uncertain retry stays "sending" with an unowned lease
        that ends at `retry_at`."""
        sent = self.status == "sent"
        pending = self.status == "pending"
        uncertain = pending and self.uncertain
        return {
            "row_id": self.message.id,
            "owner": owner,
            "attempt": self.message.attempt,
            "new_status": "sending" if uncertain else self.status,
            "new_lease_expires_at": (self.retry_at or self.now) if uncertain else None,
            "new_detail": self.detail[:2000],
            "new_sent_at": self.now if sent else None,
            "new_platform_message_id": self.platform_message_id if sent else None,
            "new_available_at": (self.retry_at or self.now) if pending else None,
        }


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: int
    tenant_id: int
    occurrence_id: int
    target_kind: str
    target_id: str
    status: str
    attempts: int
    delivery_key: str


class RitualRepository(OnConnection):
    """Ritual tables, inside the caller's transaction. Every write is race-safe: unique keys
    and conditional updates decide, never a read followed by a blind write."""

    # ------------------------------------------------------------------ tenants

    async def tenant_ids(self) -> list[int]:
        return await self._fetch_scalars(select(TenantRow.id).order_by(TenantRow.id))

    async def tenants(self, ids: Iterable[int]) -> dict[int, Tenant]:
        """The tenants with these ids (missing ones left out), in one query."""
        found: dict[int, Tenant] = {}
        table = TenantRow.__table__
        for chunk in in_chunks(ids):
            rows = await self._connection.execute(select(table).where(table.c.id.in_(chunk)))
            for row in rows:
                found[row.id] = tenant_of(row)
        return found

    async def tenants_without_rituals(self) -> list[int]:
        """Active tenants the rituals layer has never seen."""
        query = (
            select(TenantRow.id)
            .outerjoin(RitualTenantRow, RitualTenantRow.tenant_id == TenantRow.id)
            .where(RitualTenantRow.tenant_id.is_(None), TenantRow.active.is_(True))
            .order_by(TenantRow.id)
        )
        return await self._fetch_scalars(query)

    async def first_seen(self, tenant_id: int, now: datetime) -> bool:
        """Record that the rituals layer saw this tenant; True only for the first caller ever."""
        inserted = await self._insert_ignoring_conflict(
            RitualTenantRow,
            {"tenant_id": tenant_id, "last_number": 0, "created_at": now},
            conflict=("tenant_id",),
            returning="tenant_id",
        )
        return inserted is not None

    # ------------------------------------------------------------------ rituals

    async def add_ritual(self, tenant_id: int, draft: RitualDraft, now: datetime) -> RitualRecord:
        """Store a ritual with the tenant's next number (1, 2, ...; race-safe).

        The tenant must have been seen first (`first_seen`), which is when defaults are made.
        """
        number = await self._fetch_scalar(
            update(RitualTenantRow)
            .where(RitualTenantRow.tenant_id == tenant_id)
            .values(last_number=RitualTenantRow.last_number + 1)
            .returning(RitualTenantRow.last_number)
        )
        if number is None:
            raise LookupError(f"ritual state of tenant {tenant_id}: call first_seen first")
        row = await self._fetch_first(
            insert(RitualRow)
            .values(
                tenant_id=tenant_id,
                number=int(number),
                kind=draft.kind,
                schedule=draft.schedule,
                timezone=draft.timezone,
                target_kind=draft.target_kind,
                target=draft.target,
                enabled=draft.enabled,
                skip_holidays=draft.skip_holidays,
                holiday_country=draft.holiday_country,
                skip_local=None,
                checked_until=now,
                created_at=now,
                updated_at=now,
                deleted_at=None,
            )
            .returning(RitualRow)
        )
        if row is None:  # pragma: no cover - an INSERT returns its row or raises
            raise RuntimeError("INSERT into ritual returned nothing")
        return _ritual(row)

    async def list_rituals(self, tenant_id: int) -> list[RitualRecord]:
        """The tenant's rituals that are not deleted, in number order."""
        rows = await self._fetch_all(
            select(RitualRow)
            .where(RitualRow.tenant_id == tenant_id, RitualRow.deleted_at.is_(None))
            .order_by(RitualRow.number)
        )
        return [_ritual(row) for row in rows]

    async def live_rituals(
        self, *, after_id: int = 0, limit: int | None = None
    ) -> list[RitualRecord]:
        """The rituals that are not deleted (enabled or paused), by id: those after `after_id`,
        `limit` at most (a page; all by default).

        A clock reads every ritual at every run (5,000 at 1,000 tenants): a page at a time."""
        table = RitualRow.__table__
        rows = await self._connection.execute(
            select(table)
            .where(table.c.deleted_at.is_(None), table.c.id > after_id)
            .order_by(table.c.id)
            .limit(limit)
        )
        return [_ritual(row) for row in rows]

    async def get_ritual(self, tenant_id: int, number: int) -> RitualRecord | None:
        row = await self._fetch_first(
            select(RitualRow).where(
                RitualRow.tenant_id == tenant_id,
                RitualRow.number == number,
                RitualRow.deleted_at.is_(None),
            )
        )
        return None if row is None else _ritual(row)

    async def lock_ritual(self, ritual_id: int) -> RitualRecord | None:
        """Read a ritual and hold its row until the transaction ends (`FOR UPDATE` on
        PostgreSQL; SQLite's writer lock already serialises): a change made meanwhile by the
        `rituel` command waits, and a planner that waited reads the changed ritual."""
        row = await self._fetch_first(
            select(RitualRow).where(RitualRow.id == ritual_id).with_for_update()
        )
        return None if row is None else _ritual(row)

    async def lock_rituals(self, ritual_ids: Sequence[int]) -> dict[int, RitualRecord]:
        """`lock_ritual` for several rituals in one statement (locked in id order)."""
        rows = await self._fetch_all(
            select(RitualRow)
            .where(RitualRow.id.in_(sorted(set(ritual_ids))))
            .order_by(RitualRow.id)
            .with_for_update()
        )
        return {row.id: _ritual(row) for row in rows}

    async def update_ritual(
        self, tenant_id: int, ritual_id: int, now: datetime, **changes: Any
    ) -> RitualRecord:
        """Change columns of a ritual (names as in `RitualRecord`); `updated_at` becomes `now`."""
        allowed = {
            "schedule",
            "timezone",
            "target_kind",
            "target",
            "enabled",
            "skip_holidays",
            "holiday_country",
            "skip_local",
            "checked_until",
            "deleted_at",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"not a ritual setting: {sorted(unknown)}")
        row = await self._fetch_first(
            update(RitualRow)
            .where(RitualRow.tenant_id == tenant_id, RitualRow.id == ritual_id)
            .values({**changes, "updated_at": now})
            .returning(RitualRow)
        )
        if row is None:
            raise LookupError(f"ritual {ritual_id}")
        return _ritual(row)

    async def unplan_ahead(self, ritual_id: int, now: datetime) -> None:
        """Undo what was planned ahead for this ritual (`RitualConfig.lead`): its occurrences
        due after `now`, and their messages still pending, none of which can have been sent
        (not due yet), are forgotten and its watermark goes back to `now`, so that the next
        tick plans them again under the ritual's current setting. Messages a sender claimed
        already (`RitualConfig.send_ahead`) stay, and so does their occurrence: it is on its
        way, and is not planned twice."""
        ahead = select(RitualOccurrenceRow.id).where(
            RitualOccurrenceRow.ritual_id == ritual_id,
            RitualOccurrenceRow.scheduled_at > now,
            RitualOccurrenceRow.manual.is_(False),
        )
        await self._connection.execute(
            delete(RitualOutboxRow).where(
                RitualOutboxRow.occurrence_id.in_(ahead),
                RitualOutboxRow.status == "pending",
                RitualOutboxRow.attempts == 0,
            )
        )
        still_queued = select(RitualOutboxRow.id).where(
            RitualOutboxRow.occurrence_id == RitualOccurrenceRow.id
        )
        await self._connection.execute(
            delete(RitualOccurrenceRow).where(
                RitualOccurrenceRow.id.in_(ahead), ~still_queued.exists()
            )
        )
        await self._connection.execute(
            update(RitualRow)
            .where(RitualRow.id == ritual_id, RitualRow.checked_until > now)
            .values(checked_until=now)
        )

    async def set_channel(self, tenant_id: int, old: str, new: str, now: datetime) -> int:
        """Point every live channel ritual posting to `old` (or to no channel yet) at `new`."""
        result = await self._connection.execute(
            update(RitualRow)
            .where(
                RitualRow.tenant_id == tenant_id,
                RitualRow.deleted_at.is_(None),
                RitualRow.target_kind == "channel",
                RitualRow.target.in_(sorted({old, ""})),
            )
            .values(target=new, updated_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def advance_watermarks(self, records: Sequence[WatermarkRead], until: datetime) -> None:
        """`advance_watermark` for rituals read earlier without a lock (one batched statement),
        each only if it has not changed since (same watermark and `updated_at`, not deleted):
        a ritual changed meanwhile keeps its watermark and is planned again on the next run."""
        if not records:
            return
        table = cast(Table, RitualRow.__table__)
        statement = (
            update(table)
            .where(
                table.c.id == bindparam("ritual_id"),
                table.c.checked_until == bindparam("read_until"),
                table.c.updated_at == bindparam("read_updated_at"),
                table.c.checked_until < until,
                table.c.deleted_at.is_(None),
            )
            .values(checked_until=until)
        )
        await self._connection.execute(
            statement,
            [
                {
                    "ritual_id": record.id,
                    "read_until": record.checked_until,
                    "read_updated_at": record.updated_at,
                }
                for record in records
            ],
        )

    async def advance_watermark_of(self, ritual_ids: Sequence[int], until: datetime) -> None:
        """`advance_watermark` for several rituals (locked by the caller) in one statement."""
        if ritual_ids:
            await self._connection.execute(
                update(RitualRow)
                .where(RitualRow.id.in_(sorted(set(ritual_ids))), RitualRow.checked_until < until)
                .values(checked_until=until)
            )

    async def advance_watermark(self, ritual_id: int, until: datetime) -> None:
        """Every occurrence up to `until` is dealt with (never moves the watermark back)."""
        await self._connection.execute(
            update(RitualRow)
            .where(RitualRow.id == ritual_id, RitualRow.checked_until < until)
            .values(checked_until=until)
        )

    # ------------------------------------------------------------------ occurrences

    async def claim_occurrence(
        self, tenant_id: int, claim: OccurrenceClaim, now: datetime
    ) -> OccurrenceRecord | None:
        """Store the occurrence unless (ritual, local time) is already claimed: then None."""
        stored = await self.claim_occurrences([(tenant_id, claim)], now)
        return stored.get((claim.ritual_id, claim.scheduled_local))

    async def claim_occurrences(
        self, claims: Sequence[tuple[int, OccurrenceClaim]], now: datetime
    ) -> dict[tuple[int, datetime], OccurrenceRecord]:
        """`claim_occurrence` for several (tenant id, claim): one prebuilt INSERT … ON CONFLICT
        DO NOTHING RETURNING run for them all (SQLAlchemy batches it into multi-row INSERTs);
        the ones stored, by (ritual id, scheduled local time); those already claimed are left
        out."""
        if not claims:
            return {}
        rows = [
            {
                "tenant_id": tenant_id,
                "ritual_id": claim.ritual_id,
                "kind": claim.kind,
                "scheduled_local": claim.scheduled_local,
                "scheduled_at": claim.scheduled_at,
                "status": claim.status,
                "late": claim.late,
                "manual": claim.manual,
                "reason": claim.reason,
                "claimed_at": now,
            }
            for tenant_id, claim in claims
        ]
        claiming = insert_unless_taken(
            self._dialect, RitualOccurrenceRow.__tablename__, _OCCURRENCE_KEY, _OCCURRENCE_COLUMNS
        )
        result = await self._connection.execute(claiming, rows)
        records = (_occurrence(row) for row in result)
        return {(record.ritual_id, record.scheduled_local): record for record in records}

    async def occurrences(self, ritual_id: int) -> list[OccurrenceRecord]:
        rows = await self._fetch_all(
            select(RitualOccurrenceRow)
            .where(RitualOccurrenceRow.ritual_id == ritual_id)
            .order_by(RitualOccurrenceRow.scheduled_at, RitualOccurrenceRow.id)
        )
        return [_occurrence(row) for row in rows]

    async def last_posted(self, ritual_id: int, before: datetime) -> OccurrenceRecord | None:
        """The latest occurrence of this ritual whose messages were queued, before `before`."""
        row = await self._fetch_first(
            select(RitualOccurrenceRow)
            .where(
                RitualOccurrenceRow.ritual_id == ritual_id,
                RitualOccurrenceRow.status == "queued",
                RitualOccurrenceRow.scheduled_at < before,
            )
            .order_by(RitualOccurrenceRow.scheduled_at.desc())
            .limit(1)
        )
        return None if row is None else _occurrence(row)

    async def last_posted_each(
        self, wanted: Sequence[tuple[int, datetime]]
    ) -> dict[tuple[int, datetime], OccurrenceRecord | None]:
        """`last_posted(ritual_id, before)` for each (ritual_id, before) pair, in one statement
        per `_UNION_CHUNK` pairs."""
        found: dict[tuple[int, datetime], OccurrenceRecord | None] = dict.fromkeys(wanted)
        pairs = list(found)
        for start in range(0, len(pairs), _UNION_CHUNK):
            chunk = pairs[start : start + _UNION_CHUNK]
            params: dict[str, Any] = {}
            for index, (ritual_id, before) in enumerate(chunk):
                params[f"ritual_{index}"], params[f"before_{index}"] = ritual_id, before
            for row in await self._all(_last_posted_union(len(chunk)), params):
                found[chunk[row.pair]] = _occurrence(row)
        return found

    async def missed_occurrences(
        self, tenant_id: int, since: datetime
    ) -> list[tuple[str, datetime]]:
        """(ritual name, scheduled time) of occurrences recorded as missed since `since`.

        The name is the ritual kind in the tenant's language when the rituals layer has
        registered its texts (`ritual.kind.<kind>`), the raw kind otherwise.
        """
        stored = await self._fetch_scalar(select(TenantRow.locale).where(TenantRow.id == tenant_id))
        locale = Locale(stored) if stored is not None else Locale.FR
        rows = await self._connection.execute(
            select(RitualOccurrenceRow.kind, RitualOccurrenceRow.scheduled_at)
            .where(
                RitualOccurrenceRow.tenant_id == tenant_id,
                RitualOccurrenceRow.status == "missed",
                RitualOccurrenceRow.scheduled_at >= since,
            )
            .order_by(RitualOccurrenceRow.scheduled_at, RitualOccurrenceRow.id)
        )
        return [(_kind_name(locale, kind), at) for kind, at in rows.all()]

    # ------------------------------------------------------------------ outbox

    async def add_outbox(
        self,
        tenant_id: int,
        occurrence_id: int,
        drafts: Sequence[OutboxDraft],
        now: datetime,
        *,
        due: datetime | None = None,
    ) -> None:
        """Queue messages of an occurrence, to be sent from `due` on (default, and at the
        earliest, `now`); their delivery keys are stable and unique."""
        dues = {} if due is None else {occurrence_id: due}
        await self.add_outboxes([(tenant_id, occurrence_id, drafts)], now, due=dues)

    async def add_outboxes(
        self,
        queued: Sequence[tuple[int, int, Sequence[OutboxDraft]]],
        now: datetime,
        *,
        due: Mapping[int, datetime] | None = None,
    ) -> None:
        """`add_outbox` for several (tenant id, occurrence id, drafts) in one statement; `due`:
        occurrence id → when its messages may be sent (an occurrence planned ahead)."""
        due = due or {}
        rows = [
            {
                "tenant_id": tenant_id,
                "occurrence_id": occurrence_id,
                "platform": draft.platform,
                "target_kind": draft.target_kind,
                "target_id": draft.target_id,
                "payload": draft.payload,
                "delivery_key": f"boussole-ritual-{occurrence_id}-{index}",
                "status": "pending",
                "attempts": 0,
                "available_at": max(now, due.get(occurrence_id, now)),
                "lease_owner": None,
                "lease_expires_at": None,
                "sent_at": None,
                "platform_message_id": "",
                "detail": "",
                "created_at": now,
            }
            for tenant_id, occurrence_id, drafts in queued
            for index, draft in enumerate(drafts, start=1)
        ]
        if rows:
            await self._connection.execute(_QUEUE_MESSAGE, rows)

    async def outbox(self, tenant_id: int | None = None) -> list[OutboxRecord]:
        """Outbox rows, oldest first (optionally of one tenant)."""
        query = select(RitualOutboxRow).order_by(RitualOutboxRow.id)
        if tenant_id is not None:
            query = query.where(RitualOutboxRow.tenant_id == tenant_id)
        rows = await self._fetch_all(query)
        return [
            OutboxRecord(
                id=row.id,
                tenant_id=row.tenant_id,
                occurrence_id=row.occurrence_id,
                target_kind=row.target_kind,
                target_id=row.target_id,
                status=row.status,
                attempts=row.attempts,
                delivery_key=row.delivery_key,
            )
            for row in rows
        ]

    async def cancel_pending(
        self, *, tenant_id: int | None = None, ritual_id: int | None = None, reason: str
    ) -> int:
        """Cancel messages not yet handed to a sender, of a tenant or of one ritual."""
        conditions: list[ColumnElement[bool]] = [RitualOutboxRow.status == "pending"]
        if tenant_id is not None:
            conditions.append(RitualOutboxRow.tenant_id == tenant_id)
        if ritual_id is not None:
            conditions.append(
                RitualOutboxRow.occurrence_id.in_(
                    select(RitualOccurrenceRow.id).where(RitualOccurrenceRow.ritual_id == ritual_id)
                )
            )
        result = await self._connection.execute(
            update(RitualOutboxRow)
            .where(*conditions)
            .values(status="cancelled", detail=reason, lease_owner=None, lease_expires_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def cancel_pending_of_tenants(self, tenant_ids: Sequence[int], *, reason: str) -> int:
        """`cancel_pending` for several tenants at once."""
        cancelled = 0
        for chunk in in_chunks(tenant_ids):
            result = await self._connection.execute(
                update(RitualOutboxRow)
                .where(
                    RitualOutboxRow.status == "pending",
                    RitualOutboxRow.tenant_id.in_(chunk),
                )
                .values(status="cancelled", detail=reason, lease_owner=None, lease_expires_at=None)
            )
            cancelled += int(getattr(result, "rowcount", 0) or 0)
        return cancelled

    async def cancel_for_inactive_tenants(self, now: datetime) -> int:
        """Cancel every message of uninstalled tenants that no live sender holds."""
        inactive = select(TenantRow.id).where(TenantRow.active.is_(False))
        result = await self._connection.execute(
            update(RitualOutboxRow)
            .where(RitualOutboxRow.tenant_id.in_(inactive), _claimable(now, now))
            .values(
                status="cancelled",
                detail="tenant inactive",
                lease_owner=None,
                lease_expires_at=None,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def claim_outbox(
        self,
        owner: str,
        platforms: Iterable[str],
        now: datetime,
        lease: timedelta,
        limit: int,
        *,
        skip_tenants: Collection[int] = (),
        quota: Callable[[int, str], int] | None = None,
        scan: int | None = None,
        due_by: datetime | None = None,
    ) -> list[ClaimedMessage]:
        """Lease up to `limit` messages due by `due_by` (default `now`) to `owner`, oldest
        first; none of `skip_tenants`, and at most `quota(tenant_id, platform)` of one tenant
        (the sender's room for it), looking through the due rows `scan` at a time (default
        `limit`), `SCAN_WINDOWS` times at most, for them: a Monday's 5,000 reminders to 1,000
        workspaces, five each in a row, give one per workspace in one claim, not 320 per claim
        with a pause in between.

        PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` then one UPDATE, so concurrent senders
        take disjoint rows without waiting. SQLite: one UPDATE of the chosen rows that checks
        again that each is claimable (SQLite has one writer at a time), and a row whose attempt
        count moved since it was read is treated as taken over (reconciled before sending).
        """
        names = sorted(set(platforms))
        if not names or limit <= 0:
            return []
        claimable = _claimable(now, now if due_by is None else max(due_by, now))
        conditions = [RitualOutboxRow.platform.in_(names), claimable]
        if skip_tenants:
            conditions.append(RitualOutboxRow.tenant_id.not_in(sorted(set(skip_tenants))))
        window = max(scan or limit, limit)
        seen: list[Any] = []
        taken: dict[int, int] = {}
        after = 0
        for _ in range(SCAN_WINDOWS):
            candidates = (
                select(
                    RitualOutboxRow.id,
                    RitualOutboxRow.tenant_id,
                    RitualOutboxRow.platform,
                    RitualOutboxRow.status,
                    RitualOutboxRow.attempts,
                )
                .where(*conditions, RitualOutboxRow.id > after)
                .order_by(RitualOutboxRow.id)
                .limit(window)
            )
            if self._dialect == "postgresql":
                candidates = candidates.with_for_update(skip_locked=True)
            rows = await self._fetch_all(candidates)
            seen += _within_quota(rows, quota, limit - len(seen), taken)
            if len(seen) >= limit or len(rows) < window:
                break
            after = rows[-1].id
        lease_values = {"status": "sending", "lease_owner": owner, "lease_expires_at": now + lease}
        if not seen:
            return []
        previous = {row.id: (row.status, row.attempts) for row in seen}
        statement = update(_OUTBOX).where(_OUTBOX.c.id.in_(list(previous)))
        if self._dialect != "postgresql":
            statement = statement.where(claimable)
        claimed = await self._fetch_all(
            statement.values(**lease_values, attempts=_OUTBOX.c.attempts + 1).returning(
                *_CLAIMED_COLUMNS
            )
        )
        rows = sorted(claimed, key=lambda row: row.id)
        return [
            _claimed(
                row,
                previous[row.id][0] == "sending" or previous[row.id][1] + 1 != row.attempts,
            )
            for row in rows
        ]

    async def defer_pending(
        self, tenant_id: int, platform: str, until: datetime, reason: str
    ) -> int:
        """Make the tenant's pending messages on `platform` wait until `until` (the platform
        refused the workspace for that long)."""
        result = await self._connection.execute(
            update(RitualOutboxRow)
            .where(
                RitualOutboxRow.tenant_id == tenant_id,
                RitualOutboxRow.platform == platform,
                RitualOutboxRow.status == "pending",
                RitualOutboxRow.available_at < until,
            )
            .values(available_at=until, detail=reason[:2000])
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def next_available(
        self, platforms: Iterable[str], now: datetime, ahead: timedelta = timedelta(0)
    ) -> datetime | None:
        """When the earliest message not claimable now becomes claimable (a retry, a lease to
        take over; a pending row `ahead` of its time), or None: when the sender should look
        at the outbox again."""
        names = sorted(set(platforms))
        if not names:
            return None
        pending = await self._fetch_scalar(
            select(func.min(RitualOutboxRow.available_at)).where(
                RitualOutboxRow.platform.in_(names),
                RitualOutboxRow.status == "pending",
                RitualOutboxRow.available_at > now + ahead,
            )
        )
        if pending is not None:
            pending -= ahead
        leased = await self._fetch_scalar(
            select(func.min(RitualOutboxRow.lease_expires_at)).where(
                RitualOutboxRow.platform.in_(names),
                RitualOutboxRow.status == "sending",
                RitualOutboxRow.lease_expires_at > now,
            )
        )
        times = [at for at in (pending, leased) if at is not None]
        return min(times) if times else None

    async def finish_outbox(
        self,
        message: ClaimedMessage,
        owner: str,
        *,
        status: str,
        now: datetime,
        platform_message_id: str = "",
        detail: str = "",
        retry_at: datetime | None = None,
        uncertain: bool = False,
    ) -> bool:
        """Record a send's outcome, only if `owner` still holds this attempt's lease.

        An `uncertain` retry stays "sending" with an expired-at-`retry_at` lease and no owner:
        the next sender takes it over as reclaimed, so it looks for the message first.
        """
        outcome = OutboxOutcome(
            message, status, now, platform_message_id, detail, retry_at, uncertain
        )
        return bool(await self.finish_outboxes(owner, [outcome]))

    async def finish_outboxes(self, owner: str, outcomes: Sequence[OutboxOutcome]) -> set[int]:
        """`finish_outbox` for many rows; the ids of the rows recorded (whose lease `owner`
        still held for that attempt).

        Per `IN_CHUNK` rows: one read of the rows `owner` still holds (locked on PostgreSQL;
        SQLite's write transaction already excludes other writers), then one prebuilt UPDATE
        run once per recorded row (`executemany`), which checks the lease again.
        """
        recorded: set[int] = set()
        by_id = {outcome.message.id: outcome for outcome in outcomes}
        held = _HELD_ROWS_FOR_UPDATE if self._dialect == "postgresql" else _HELD_ROWS
        for ids in in_chunks(by_id):
            rows = await self._connection.execute(held, {"ids": ids, "owner": owner})
            still_held = [
                by_id[row_id]
                for row_id, attempts in rows
                if by_id[row_id].message.attempt == attempts
            ]
            if not still_held:
                continue
            await self._connection.execute(
                _RECORD_OUTCOME, [outcome.parameters(owner) for outcome in still_held]
            )
            recorded.update(outcome.message.id for outcome in still_held)
        return recorded

    # ------------------------------------------------------------------ clock lease

    async def acquire_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the named lease; False while another holder's lease is still valid."""
        inserted = await self._insert_ignoring_conflict(
            SchedulerLeaseRow,
            {"name": name, "holder": holder, "expires_at": now + ttl, "acquired_at": now},
            conflict=("name",),
            returning="name",
        )
        if inserted is not None:
            return True
        renewed = await self._fetch_scalar(
            update(SchedulerLeaseRow)
            .where(
                SchedulerLeaseRow.name == name,
                or_(SchedulerLeaseRow.holder == holder, SchedulerLeaseRow.expires_at <= now),
            )
            .values(holder=holder, expires_at=now + ttl)
            .returning(SchedulerLeaseRow.name)
        )
        return renewed is not None

    async def release_lease(self, name: str, holder: str, now: datetime) -> None:
        """Let another clock take over at once (on a clean stop)."""
        await self._connection.execute(
            update(SchedulerLeaseRow)
            .where(SchedulerLeaseRow.name == name, SchedulerLeaseRow.holder == holder)
            .values(expires_at=now)
        )


_OUTBOX = cast(Table, RitualOutboxRow.__table__)
_HELD_ROWS = select(_OUTBOX.c.id, _OUTBOX.c.attempts).where(
    _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
    _OUTBOX.c.status == "sending",
    _OUTBOX.c.lease_owner == bindparam("owner"),
)
"""Which of these rows `owner` still holds, with the attempt it holds them for."""
_HELD_ROWS_FOR_UPDATE = _HELD_ROWS.with_for_update()
_RECORD_OUTCOME = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("row_id"),
        _OUTBOX.c.status == "sending",
        _OUTBOX.c.lease_owner == bindparam("owner"),
        _OUTBOX.c.attempts == bindparam("attempt"),
    )
    .values(
        status=bindparam("new_status"),
        lease_owner=None,
        lease_expires_at=bindparam("new_lease_expires_at", type_=_OUTBOX.c.lease_expires_at.type),
        detail=bindparam("new_detail"),
        sent_at=func.coalesce(
            bindparam("new_sent_at", type_=_OUTBOX.c.sent_at.type), _OUTBOX.c.sent_at
        ),
        platform_message_id=func.coalesce(
            bindparam("new_platform_message_id", type_=_OUTBOX.c.platform_message_id.type),
            _OUTBOX.c.platform_message_id,
        ),
        available_at=func.coalesce(
            bindparam("new_available_at", type_=_OUTBOX.c.available_at.type),
            _OUTBOX.c.available_at,
        ),
    )
)
"""One outcome (`OutboxOutcome.parameters`), built once: a batch runs it per row."""
_CLAIMED_COLUMNS = tuple(
    _OUTBOX.c[name]
    for name in (
        "id",
        "tenant_id",
        "platform",
        "target_kind",
        "target_id",
        "payload",
        "delivery_key",
        "attempts",
        "available_at",
    )
)
"""What a sender needs of a row it claims (`ClaimedMessage`)."""
_OCCURRENCE_KEY = ("ritual_id", "scheduled_local")
_OCCURRENCE_COLUMNS = tuple(column.name for column in RitualOccurrenceRow.__table__.c)
_QUEUE_MESSAGE = insert(_OUTBOX)
"""One outbox row; `add_outboxes` runs it for many (`executemany`, no ORM bookkeeping)."""


_UNION_CHUNK = 50
"""Lookups glued in one `UNION ALL` statement (each is a `LIMIT 1` range of an index)."""


@functools.lru_cache(maxsize=_UNION_CHUNK)
def _last_posted_union(pairs: int) -> CompoundSelect[Any]:
    """For `pairs` pairs (`:ritual_<i>`, `:before_<i>`): the ritual's latest queued occurrence
    scheduled before that time, with `pair` = i. Built once per count (and compiled once per
    dialect): building the union costs more than running it."""
    table = RitualOccurrenceRow.__table__
    latest_each = [
        select(table, literal(index, Integer).label("pair"))
        .where(
            table.c.ritual_id == bindparam(f"ritual_{index}"),
            table.c.status == "queued",
            table.c.scheduled_at < bindparam(f"before_{index}"),
        )
        .order_by(table.c.scheduled_at.desc())
        .limit(1)
        .subquery()
        for index in range(pairs)
    ]
    return union_all(*(select(*part.c) for part in latest_each))


def _within_quota(
    rows: Sequence[Any],
    quota: Callable[[int, str], int] | None,
    limit: int,
    taken: dict[int, int],
) -> list[Any]:
    """The first `limit` rows, keeping for each tenant no more than its quota (in order),
    counting what `taken` holds already (updated)."""
    if quota is None:
        return list(rows[:limit])
    kept: list[Any] = []
    for row in rows:
        count = taken.get(row.tenant_id, 0)
        if count < quota(row.tenant_id, row.platform):
            taken[row.tenant_id] = count + 1
            kept.append(row)
            if len(kept) >= limit:
                break
    return kept


def _claimable(now: datetime, due_by: datetime) -> ColumnElement[bool]:
    """Due by `due_by` and unleased, or leased by a sender whose lease expired by `now`."""
    return or_(
        and_(RitualOutboxRow.status == "pending", RitualOutboxRow.available_at <= due_by),
        and_(RitualOutboxRow.status == "sending", RitualOutboxRow.lease_expires_at <= now),
    )


def _kind_name(locale: Locale, kind: str) -> str:
    key = f"ritual.kind.{kind}"
    return translate(locale, key) if key in CATALOGUE else kind


def _ritual(row: RitualRow | Row[Any]) -> RitualRecord:
    return RitualRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        number=row.number,
        kind=row.kind,
        schedule=row.schedule,
        timezone=row.timezone,
        target_kind=row.target_kind,
        target=row.target,
        enabled=row.enabled,
        skip_holidays=row.skip_holidays,
        holiday_country=row.holiday_country,
        skip_local=row.skip_local,
        checked_until=row.checked_until,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
    )


def _occurrence(row: RitualOccurrenceRow | Row[Any]) -> OccurrenceRecord:
    return OccurrenceRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        ritual_id=row.ritual_id,
        kind=row.kind,
        scheduled_local=row.scheduled_local,
        scheduled_at=row.scheduled_at,
        status=row.status,
        late=row.late,
        manual=row.manual,
        reason=row.reason,
        claimed_at=row.claimed_at,
    )


def _claimed(row: Row[Any], reclaimed: bool) -> ClaimedMessage:
    return ClaimedMessage(
        id=row.id,
        tenant_id=row.tenant_id,
        platform=row.platform,
        target_kind=row.target_kind,
        target_id=row.target_id,
        payload=row.payload,
        delivery_key=row.delivery_key,
        attempt=row.attempts,
        reclaimed=reclaimed,
        available_at=row.available_at,
    )
