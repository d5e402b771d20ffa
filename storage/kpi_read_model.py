"""Read models in one SQL Core statement each: a tenant's `KpiSnapshot`, a person's `HomeSnapshot`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    FromClause,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType, TypeEngine

from bot.i18n import CATALOGUE, translate
from bot.kpi_snapshot import HomeSnapshot, KpiSnapshot
from bot.model import (
    CapVersion,
    Locale,
    Measurement,
    QuickWin,
    QuickWinSnapshot,
    QuickWinState,
    Retex,
    Role,
)
from storage.models import (
    CapAckRow,
    CapVersionRow,
    MeasurementRow,
    MemberRow,
    QuickWinRow,
    RetexRow,
    TenantRow,
)
from storage.one_trip import read_in_one_trip
from storage.ritual_models import RitualOccurrenceRow
from storage.types import ExactDecimal, UtcDateTime

_TENANT = TenantRow.__table__
_MEMBER = MemberRow.__table__
_CAP = CapVersionRow.__table__
_ACK = CapAckRow.__table__
_QUICK_WIN = QuickWinRow.__table__
_MEASUREMENT = MeasurementRow.__table__
_RETEX = RetexRow.__table__
_OCCURRENCE = RitualOccurrenceRow.__table__

# Each statement is a UNION ALL of kinds of rows sharing untyped columns ("slots"):
#   HEADER       one row: t1 locale, i1 cap id, i2 cap version, t2 cap text, i3 cap author,
#                at1 cap time, then counts: for the KPI summary i4 managers, i5 managers who
#                acknowledged the cap, i6 retex count; for a home i4 1 if its person did
#   QUICK_WIN    one per active quick win: i1 id, i2 number, t1 title, t2 kpi, t3 unit,
#                n1 baseline, n2 target, day due, i3 owner, i4 created by, at1 created at,
#                t4 state, at2 closed at, at3 celebrated at
#   MEASUREMENT  the latest `recent` of each active quick win: i1 quick win id, i2 id,
#                n1 value, t1 note, i3 author, at1 measured at
#   RETEX        the newest `highlights` since `since`: i1 id, t1 text, i2 author, flag
#                anonymous, i3 quick win id, at1 created at, t2 author's display name
#   MISSED       ritual occurrences missed since `since`: i1 id, t1 ritual kind, at1 time
# A home has the HEADER, and the QUICK_WIN and MEASUREMENT rows of its person's quick wins.
# The slots carry no SQLAlchemy result type, so no result processor runs on the many NULL cells:
# decimals, dates, times and flags are decoded in `_snapshot`, only where a kind has them,
# by the result processors of the column types (`_Decoders`).
HEADER, QUICK_WIN, MEASUREMENT, RETEX, MISSED = range(5)
_SLOTS: dict[str, TypeEngine[Any]] = {
    **{f"i{n}": Integer() for n in range(1, 7)},
    **{f"t{n}": Text() for n in range(1, 5)},
    **{f"n{n}": ExactDecimal() for n in range(1, 3)},
    "day": Date(),
    **{f"at{n}": UtcDateTime() for n in range(1, 4)},
    "flag": Boolean(),
}
"""Each slot's SQL type, for its NULLs: PostgreSQL matches the types of a UNION pairwise."""


@dataclass(frozen=True, slots=True)
class _Decoders:
    """How one dialect's raw values become exact decimals, dates, aware UTC times, booleans."""

    decimal: Callable[[Any], Any]
    day: Callable[[Any], Any]
    moment: Callable[[Any], Any]
    flag: Callable[[Any], Any]


@functools.lru_cache(maxsize=8)
def _decoders(dialect: Dialect) -> _Decoders:
    """The column types' own result processing, for this dialect: the driver-level conversion
    of the plain SQL type (SQLite keeps dates and times as text, booleans as 0/1; asyncpg needs
    none) and the `storage.types` decorators (exact decimals, aware UTC times)."""

    def processor(type_: TypeEngine[Any]) -> Callable[[Any], Any]:
        process = type_.dialect_impl(dialect).result_processor(dialect, None)
        return process if process is not None else _unchanged

    return _Decoders(
        decimal=ExactDecimal.decoder(dialect),  # (a driver's numeric processor wants a column)
        day=processor(Date()),
        moment=processor(UtcDateTime()),
        flag=processor(Boolean()),
    )


def _unchanged(value: Any) -> Any:
    return value


async def read_kpi_snapshot(
    connection: AsyncConnection, tenant_id: int, *, recent: int, since: datetime, highlights: int
) -> KpiSnapshot:
    """The figures of `bot.summaries.kpi_summary` for one tenant, in one statement.

    The tenant's language, current cap, managers and acknowledgements, retex count; each
    active quick win; the latest `recent` measurements of each (one `ORDER BY measured_at
    DESC, id DESC LIMIT recent` range of the (quick_win_id, measured_at) index per quick
    win); the newest `highlights` retex since
    `since` with their authors' names; the ritual occurrences missed since `since`.

    A plain Core statement on the transaction's connection: no ORM entity is loaded (the
    repository writes with statements, so there is never anything to flush first).
    Measurements are matched on `quick_win_id` alone, which keeps the lookups on the index:
    the composite foreign key (tenant_id, quick_win_id) makes them the quick win's tenant's.
    """
    rows = await _run(
        connection,
        functools.partial(_statement, recent=max(recent, 0), highlights=max(highlights, 0)),
        {"tenant_id": tenant_id, "since": since},
    )
    if rows.locale is None:  # no such tenant
        return KpiSnapshot(None, 0, 0, (), 0, (), {}, ())
    managers_total, managers_acked, retex_count = rows.counts
    return KpiSnapshot(
        cap=rows.cap,
        managers_acked=managers_acked,
        managers_total=managers_total,
        quick_wins=rows.quick_win_snapshots(),
        retex_count=retex_count,
        retex=tuple(sorted(rows.retex, key=_CREATED, reverse=True)),
        author_names=rows.names,
        missed=tuple((_kind_name(rows.locale, name), at) for at, _, name in sorted(rows.missed)),
    )


async def read_home_snapshot(
    connection: AsyncConnection, tenant_id: int, member_id: int, *, recent: int
) -> HomeSnapshot:
    """The figures of `bot.home.home_message` for one person, in one statement: the current
    cap, whether they acknowledged it, and their own active quick wins, each with its latest
    `recent` measurements (read as for the KPI summary)."""
    rows = await _run(
        connection,
        functools.partial(_home_statement, recent=max(recent, 0)),
        {"tenant_id": tenant_id, "member_id": member_id},
    )
    return HomeSnapshot(
        cap=rows.cap, acknowledged=rows.counts[0] > 0, quick_wins=rows.quick_win_snapshots()
    )


async def _run(
    connection: AsyncConnection, statement_for: Callable[[str], Any], parameters: dict[str, Any]
) -> _Rows:
    """Run the dialect's statement on the transaction's connection; its rows sorted out."""
    statement = statement_for(connection.dialect.name)
    tenant_id, decode = parameters["tenant_id"], _decoders(connection.dialect)
    read = await read_in_one_trip(
        connection, statement, parameters, lambda rows: _Rows.read(tenant_id, rows, decode)
    )
    if read is not None:
        return read
    result = await connection.execute(statement, parameters)
    return _Rows.read(tenant_id, result.all(), decode)


@dataclass(slots=True)
class _Rows:
    """A statement's rows, sorted out by kind and decoded (whatever order they came in)."""

    locale: Locale | None = None
    cap: CapVersion | None = None
    counts: tuple[int, int, int] = (0, 0, 0)
    quick_wins: list[QuickWin] = field(default_factory=list)
    recent: dict[int, tuple[tuple[Decimal, ...], Measurement]] = field(default_factory=dict)
    """Per quick win with measurements: its latest values, oldest first, and the latest one."""
    retex: list[Retex] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    missed: list[tuple[datetime, int, str]] = field(default_factory=list)

    @classmethod
    def read(cls, tenant_id: int, rows: Iterable[Any], decode: _Decoders) -> _Rows:
        decimal, moment = decode.decimal, decode.moment
        found = cls()
        measurements: dict[int, list[tuple[Any, int, Decimal, int, str]]] = {}
        for row in rows:
            kind, i1, i2, i3, i4, i5, i6, t1, t2, t3, t4, n1, n2, day, at1, at2, at3, flag = row
            if kind == MEASUREMENT:  # the hot path: only the value is decoded here
                entry = (at1, i2, decimal(n1), i3, t1)
                if i1 in measurements:
                    measurements[i1].append(entry)
                else:
                    measurements[i1] = [entry]
            elif kind == QUICK_WIN:
                found.quick_wins.append(
                    QuickWin(
                        id=i1,
                        tenant_id=tenant_id,
                        number=i2,
                        title=t1,
                        kpi=t2,
                        unit=t3,
                        baseline=decimal(n1),
                        target=decimal(n2),
                        due=decode.day(day),
                        owner_id=i3,
                        created_by=i4,
                        created_at=moment(at1),
                        state=QuickWinState(t4),
                        closed_at=moment(at2),
                        celebrated_at=moment(at3),
                    )
                )
            elif kind == HEADER:
                found.locale = Locale(t1)
                if i1 is not None:
                    found.cap = CapVersion(i1, tenant_id, i2, t2, i3, moment(at1))
                found.counts = (int(i4 or 0), int(i5 or 0), int(i6 or 0))
            elif kind == RETEX:
                found.retex.append(
                    Retex(i1, tenant_id, t1, i2, bool(decode.flag(flag)), i3, moment(at1))
                )
                if i2 is not None and t2 is not None:
                    found.names[i2] = t2
            else:
                found.missed.append((moment(at1), i1, t1))
        for quick_win_id, entries in measurements.items():
            # Oldest first, as stored: the time as the driver gives it (SQLite's fixed-width
            # UTC text, or a datetime) then the id; only the latest is decoded whole.
            entries.sort()
            at, measurement_id, value, author_id, note = entries[-1]
            latest = Measurement(
                measurement_id, tenant_id, quick_win_id, value, note, author_id, moment(at)
            )
            found.recent[quick_win_id] = (tuple(entry[2] for entry in entries), latest)
        return found

    def quick_win_snapshots(self) -> tuple[QuickWinSnapshot, ...]:
        """The quick wins in number order, each with its latest values, oldest first."""
        snapshots = []
        for qw in sorted(self.quick_wins, key=_NUMBER):
            values, latest = self.recent.get(qw.id, _NO_MEASUREMENT)
            snapshots.append(QuickWinSnapshot(qw, values, latest))
        return tuple(snapshots)


_NUMBER = attrgetter("number")
_CREATED = attrgetter("created_at", "id")
"""Sort keys: quick wins by number, retex by time then id."""

_NO_MEASUREMENT: tuple[tuple[Decimal, ...], Measurement | None] = ((), None)


@functools.lru_cache(maxsize=8)
def _statement(dialect: str, *, recent: int, highlights: int) -> Any:
    """The KPI summary's UNION ALL of the five kinds of rows (built once per dialect and
    limits, which are written into it: see `_limit`; parameters `tenant_id` and `since`)."""
    tenant_id = bindparam("tenant_id", type_=Integer)
    since = bindparam("since", type_=UtcDateTime())
    is_manager = _MEMBER.c.role == Role.MANAGER.value

    managers = (
        select(func.count())
        .select_from(_MEMBER)
        .where(_MEMBER.c.tenant_id == tenant_id, is_manager)
        .scalar_subquery()
    )
    acked = (
        select(func.count())
        .select_from(
            _ACK.join(
                _MEMBER,
                and_(_MEMBER.c.tenant_id == _ACK.c.tenant_id, _MEMBER.c.id == _ACK.c.member_id),
            )
        )
        .where(_ACK.c.tenant_id == tenant_id, _ACK.c.cap_id == _CAP.c.id, is_manager)
        .scalar_subquery()
    )
    retex_count = (
        select(func.count())
        .select_from(_RETEX)
        .where(_RETEX.c.tenant_id == tenant_id, _RETEX.c.created_at >= since)
        .scalar_subquery()
    )
    header = _header(tenant_id, {"i4": managers, "i5": acked, "i6": retex_count})
    active = and_(
        _QUICK_WIN.c.tenant_id == tenant_id,
        _QUICK_WIN.c.state == QuickWinState.ACTIVE.value,
    )

    newest_retex = (
        select(
            _RETEX.c.id,
            _RETEX.c.text,
            _RETEX.c.author_id,
            _RETEX.c.anonymous,
            _RETEX.c.quick_win_id,
            _RETEX.c.created_at,
            _MEMBER.c.display_name,
        )
        .select_from(
            _RETEX.outerjoin(
                _MEMBER,
                and_(
                    _MEMBER.c.tenant_id == _RETEX.c.tenant_id,
                    _MEMBER.c.id == _RETEX.c.author_id,
                ),
            )
        )
        .where(_RETEX.c.tenant_id == tenant_id, _RETEX.c.created_at >= since)
        .order_by(_RETEX.c.created_at.desc(), _RETEX.c.id.desc())
        .limit(_limit(highlights))
        .subquery("newest_retex")
    )
    retex = _branch(
        RETEX,
        {
            "i1": newest_retex.c.id,
            "t1": newest_retex.c.text,
            "i2": newest_retex.c.author_id,
            "flag": newest_retex.c.anonymous,
            "i3": newest_retex.c.quick_win_id,
            "at1": newest_retex.c.created_at,
            "t2": newest_retex.c.display_name,
        },
    )

    missed = _branch(
        MISSED,
        {
            "i1": _OCCURRENCE.c.id,
            "t1": _OCCURRENCE.c.kind,
            "at1": _OCCURRENCE.c.scheduled_at,
        },
    ).where(
        _OCCURRENCE.c.tenant_id == tenant_id,
        _OCCURRENCE.c.status == "missed",
        _OCCURRENCE.c.scheduled_at >= since,
    )
    return union_all(header, *_quick_wins(dialect, active, recent), retex, missed)


@functools.lru_cache(maxsize=8)
def _home_statement(dialect: str, *, recent: int) -> Any:
    """A home's UNION ALL: the header (with i4, whether `member_id` acknowledged the cap),
    then that person's active quick wins and their latest measurements (built once per
    dialect and limit; parameters `tenant_id` and `member_id`)."""
    tenant_id = bindparam("tenant_id", type_=Integer)
    member_id = bindparam("member_id", type_=Integer)
    acknowledged = (
        select(func.count())
        .select_from(_ACK)
        .where(
            _ACK.c.tenant_id == tenant_id,
            _ACK.c.cap_id == _CAP.c.id,
            _ACK.c.member_id == member_id,
        )
        .scalar_subquery()
    )
    own_active = and_(
        _QUICK_WIN.c.tenant_id == tenant_id,
        _QUICK_WIN.c.state == QuickWinState.ACTIVE.value,
        _QUICK_WIN.c.owner_id == member_id,
    )
    return union_all(
        _header(tenant_id, {"i4": acknowledged}), *_quick_wins(dialect, own_active, recent)
    )


def _header(tenant_id: ColumnElement[int], counts: Mapping[str, ColumnElement[Any]]) -> Any:
    """The HEADER row: the tenant's language, its current cap (if any), then `counts`."""
    latest_version = (
        select(func.max(_CAP.c.version)).where(_CAP.c.tenant_id == tenant_id).scalar_subquery()
    )
    header = _branch(
        HEADER,
        {
            "t1": _TENANT.c.locale,
            "i1": _CAP.c.id,
            "i2": _CAP.c.version,
            "t2": _CAP.c.text,
            "i3": _CAP.c.author_id,
            "at1": _CAP.c.created_at,
            **counts,
        },
    ).select_from(
        _TENANT.outerjoin(
            _CAP, and_(_CAP.c.tenant_id == _TENANT.c.id, _CAP.c.version == latest_version)
        )
    )
    return header.where(_TENANT.c.id == tenant_id)


def _limit(count: int) -> ColumnElement[int]:
    """A LIMIT written into the statement, not bound. With a bound LIMIT, PostgreSQL plans
    the read models anew at each execution (it keeps their custom plans): 0.9 ms of planning
    for a 0.5 ms summary. Written in, the cached generic plan serves every execution."""
    return literal_column(str(int(count)), Integer)


def _quick_wins(dialect: str, active: ColumnElement[bool], recent: int) -> tuple[Any, Any]:
    """The QUICK_WIN rows of the quick wins `active` selects and the MEASUREMENT rows of
    their latest `recent` measurements (no count: nothing shows it, and counting reads every
    measurement of a quick win, a cost that grows with its history)."""
    quick_wins = _branch(
        QUICK_WIN,
        {
            "i1": _QUICK_WIN.c.id,
            "i2": _QUICK_WIN.c.number,
            "t1": _QUICK_WIN.c.title,
            "t2": _QUICK_WIN.c.kpi,
            "t3": _QUICK_WIN.c.unit,
            "n1": _QUICK_WIN.c.baseline,
            "n2": _QUICK_WIN.c.target,
            "day": _QUICK_WIN.c.due,
            "i3": _QUICK_WIN.c.owner_id,
            "i4": _QUICK_WIN.c.created_by,
            "at1": _QUICK_WIN.c.created_at,
            "t4": _QUICK_WIN.c.state,
            "at2": _QUICK_WIN.c.closed_at,
            "at3": _QUICK_WIN.c.celebrated_at,
        },
    ).where(active)

    newest_first = (_MEASUREMENT.c.measured_at.desc(), _MEASUREMENT.c.id.desc())
    latest: FromClause
    if dialect == "postgresql":
        # One index range per quick win, through a LATERAL subquery.
        latest = (
            select(_MEASUREMENT)
            .where(_MEASUREMENT.c.quick_win_id == _QUICK_WIN.c.id)
            .order_by(*newest_first)
            .limit(_limit(recent))
            .lateral("latest")
        )
        measured = _QUICK_WIN.join(latest, true())
    else:
        # SQLite has no LATERAL: the rows whose id is among the quick win's latest ids, a
        # correlated list that SQLite evaluates once per quick win, on the index.
        latest = _MEASUREMENT
        latest_ids = _MEASUREMENT.alias("latest_ids")
        ids = (
            select(latest_ids.c.id)
            .where(latest_ids.c.quick_win_id == _QUICK_WIN.c.id)
            .order_by(latest_ids.c.measured_at.desc(), latest_ids.c.id.desc())
            .limit(_limit(recent))
            .correlate(_QUICK_WIN)
        )
        measured = _QUICK_WIN.join(_MEASUREMENT, _MEASUREMENT.c.id.in_(ids))
    measurements = (
        _branch(
            MEASUREMENT,
            {
                "i1": _QUICK_WIN.c.id,
                "i2": latest.c.id,
                "n1": latest.c.value,
                "t1": latest.c.note,
                "i3": latest.c.author_id,
                "at1": latest.c.measured_at,
            },
        )
        .select_from(measured)
        .where(active)
    )
    return quick_wins, measurements


def _branch(kind: int, values: Mapping[str, ColumnElement[Any]]) -> Select[Any]:
    """One kind of rows: `kind`, then every slot, from `values` (untyped) or NULL."""
    unknown = set(values) - set(_SLOTS)
    if unknown:  # pragma: no cover - a typo in this module
        raise KeyError(f"unknown slots {sorted(unknown)}")
    columns: list[ColumnElement[Any]] = [literal_column(str(kind)).label("kind")]
    for slot, slot_type in _SLOTS.items():
        value = values.get(slot)
        expression: ColumnElement[Any] = cast(null(), slot_type) if value is None else value
        columns.append(type_coerce(expression, NullType()).label(slot))
    return select(*columns)


def _kind_name(locale: Locale, kind: str) -> str:
    """A ritual kind in the tenant's language, as `RitualRepository.missed_occurrences` names it."""
    key = f"ritual.kind.{kind}"
    return translate(locale, key) if key in CATALOGUE else kind
