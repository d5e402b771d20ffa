"""Prebuilt statements run outside SQLAlchemy's execution path (in one trip on SQLite, on
asyncpg's own connection on PostgreSQL): the same rows as through SQLAlchemy, parameters bound
as their column types bind them, writes inside their transaction, errors raised as SQLAlchemy
raises them, and the usual path whenever statements are watched."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from storage.database import Database
from storage.one_trip import read_in_one_trip, rows_in_one_trip, rows_of_each_in_one_trip
from storage.sqlite_driver import OneTripConnection
from storage.types import ExactDecimal, UtcDateTime
from storage.upserts import upsert_insert
from tests.conftest import blank_postgres
from tests.support.statements import recorded_statements

METADATA = sa.MetaData()
READING = sa.Table(
    "reading",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("value", ExactDecimal(), nullable=False),
    sa.Column("taken_at", UtcDateTime(), nullable=False),
)
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

#: A literal comparison (`kind = 'kept'`, a bound value the statement carries), parameters
#: used twice, a typed time parameter (bound as UTC text on SQLite) and a LIMIT parameter.
STATEMENT = (
    sa.select(READING.c.id, READING.c.value, READING.c.taken_at)
    .where(
        READING.c.kind == "kept",
        READING.c.taken_at >= sa.bindparam("since", type_=UtcDateTime()),
        READING.c.id > sa.bindparam("above", type_=sa.Integer),
        READING.c.id != sa.bindparam("above", type_=sa.Integer) + 100,
    )
    .order_by(READING.c.id)
    .limit(sa.bindparam("most", type_=sa.Integer))
)
PARAMETERS = {"since": START + timedelta(hours=2), "above": 1, "most": 4}


async def _fill(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
        await connection.execute(
            READING.insert(),
            [
                {
                    "id": n,
                    "kind": "kept" if n % 3 else "other",
                    "value": Decimal(n) / 4,
                    "taken_at": START + timedelta(hours=n),
                }
                for n in range(1, 13)
            ],
        )


@pytest.fixture
async def readings(database: Database) -> AsyncIterator[Database]:
    """The readings table on each database."""
    await _fill(database)
    yield database
    async with database.engine.begin() as connection:
        await connection.run_sync(METADATA.drop_all)


@pytest.fixture
async def sqlite_readings(tmp_path: Path) -> AsyncIterator[Database]:
    """The readings table on SQLite only (what only the one-trip path does)."""
    database = Database.from_url(f"sqlite:///{tmp_path / 'readings.db'}")
    await _fill(database)
    yield database
    await database.dispose()


def raw_rows(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in rows]


async def test_it_reads_the_rows_sqlalchemy_reads(readings: Database) -> None:
    async with readings.engine.connect() as connection:
        through_sqlalchemy = (await connection.execute(STATEMENT, PARAMETERS)).all()
        direct = await read_in_one_trip(connection, STATEMENT, PARAMETERS, raw_rows)
    expected_ids = [2, 4, 5, 7]  # kept (not a multiple of 3), from 10:00 (2 on), at most 4
    assert [row.id for row in through_sqlalchemy] == expected_ids
    assert direct is not None
    assert [row[0] for row in direct] == expected_ids
    if readings.dialect == "postgresql":
        # asyncpg's own values: decimals at the column's scale, aware times.
        assert [row[1] for row in direct] == [row.value for row in through_sqlalchemy]
        assert [row[2] for row in direct] == [row.taken_at for row in through_sqlalchemy]
        return
    # The driver's own values (scaled integers, UTC text), in the same rows and order.
    assert [ExactDecimal().process_result_value(row[1], _sqlite()) for row in direct] == [
        row.value for row in through_sqlalchemy
    ]
    assert [datetime.fromisoformat(row[2]).replace(tzinfo=UTC) for row in direct] == [
        row.taken_at for row in through_sqlalchemy
    ]


async def test_the_rows_are_sorted_out_in_the_connection_s_thread(
    sqlite_readings: Database,
) -> None:
    readings = sqlite_readings
    threads: list[threading.Thread] = []

    def sort_out(rows: Sequence[Any]) -> int:
        threads.append(threading.current_thread())
        return len(rows)

    async with readings.engine.begin() as connection:
        count = await read_in_one_trip(connection, STATEMENT, PARAMETERS, sort_out)
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
    assert count == 4
    assert isinstance(driver, OneTripConnection)
    assert threads == [driver._thread]
    assert threads[0] is not threading.current_thread()


async def test_it_reads_inside_the_open_write_transaction(readings: Database) -> None:
    """A row written earlier in the same transaction is read (on SQLite BEGIN IMMEDIATE rides
    along; on PostgreSQL it runs in the transaction asyncpg holds)."""
    async with readings.engine.begin() as connection:
        await connection.execute(
            READING.insert(),
            {"id": 13, "kind": "kept", "value": Decimal("2.5"), "taken_at": START},
        )
        rows = await read_in_one_trip(
            connection,
            sa.select(READING.c.id).where(READING.c.id == sa.bindparam("id", type_=sa.Integer)),
            {"id": 13},
            raw_rows,
        )
        assert rows == [(13,)]
        await connection.rollback()


async def test_watched_statements_go_through_sqlalchemy(readings: Database) -> None:
    """With a statement listener (here the tests' recorder), SQLAlchemy runs the statement,
    so the listener sees it; `read_in_one_trip` then answers None."""
    async with readings.engine.connect() as connection:
        with recorded_statements(readings.engine) as statements:
            direct = await read_in_one_trip(connection, STATEMENT, PARAMETERS, raw_rows)
    assert direct is None
    assert statements == []  # it ran nothing itself: the caller runs the statement


async def test_echo_also_means_the_usual_path(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'echo.db'}", echo=True)
    try:
        async with database.engine.connect() as connection:
            assert await read_in_one_trip(connection, sa.select(1), {}, raw_rows) is None
        async with database.engine.connect() as connection:
            database.engine.echo = False
            assert await read_in_one_trip(connection, sa.select(1), {}, raw_rows) == [(1,)]
    finally:
        await database.dispose()


async def test_a_listener_removed_restores_the_one_trip_path(sqlite_readings: Database) -> None:
    readings = sqlite_readings

    def listener(*_: object) -> None:
        return None

    async with readings.engine.connect() as connection:
        event.listen(readings.engine.sync_engine, "after_cursor_execute", listener)
        assert await read_in_one_trip(connection, STATEMENT, PARAMETERS, raw_rows) is None
        event.remove(readings.engine.sync_engine, "after_cursor_execute", listener)
        assert await read_in_one_trip(connection, STATEMENT, PARAMETERS, len) == 4


async def test_an_invalidated_connection_is_given_back_by_sqlalchemy(
    sqlite_readings: Database,
) -> None:
    """The driver connection is read directly while SQLAlchemy's is open and valid; once
    invalidated (a broken connection), SQLAlchemy reconnects it first, as for its own path."""
    readings = sqlite_readings
    async with readings.engine.connect() as connection:
        first = await read_in_one_trip(connection, STATEMENT, PARAMETERS, raw_rows)
        before = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
        await connection.invalidate()
        assert connection.invalidated
        again = await read_in_one_trip(connection, STATEMENT, PARAMETERS, raw_rows)
        after = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    assert first == again and first is not None and len(first) == 4
    assert isinstance(after, OneTripConnection) and after is not before


def _sqlite() -> sa.Dialect:
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()


# --- rows_in_one_trip: SQLAlchemy-like rows -------------------------------------------------

TYPED = sa.Table(
    "typed",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime(), nullable=True),
    sa.Column("amount", ExactDecimal(), nullable=True),
    sa.Column("done", sa.Boolean, nullable=True),
    sa.Column("due", sa.Date, nullable=True),
)
TYPED_ROWS = [
    {
        "id": 1,
        "at": START,
        "amount": Decimal("38.5"),
        "done": True,
        "due": date(2027, 3, 31),
    },
    {"id": 2, "at": None, "amount": None, "done": None, "due": None},
]
TYPED_AND_READINGS = (
    sa.select(
        TYPED,
        READING.c.kind.label("reading_kind"),
        READING.c.taken_at.label("reading_at"),
    )
    .select_from(TYPED.outerjoin(READING, READING.c.id == TYPED.c.id))
    .where(TYPED.c.id >= sa.bindparam("first", type_=sa.Integer))
    .order_by(TYPED.c.id)
)


async def _fill_typed(database: Database) -> None:
    async with database.engine.begin() as connection:  # (the table is in METADATA)
        await connection.execute(TYPED.insert(), TYPED_ROWS)


async def test_rows_are_sqlalchemy_s_rows_as_named_tuples(readings: Database) -> None:
    await _fill_typed(readings)
    async with readings.engine.connect() as connection:
        expected = (await connection.execute(TYPED_AND_READINGS, {"first": 1})).all()
        rows = await rows_in_one_trip(connection, TYPED_AND_READINGS, {"first": 1})
    assert rows is not None and len(rows) == 2
    assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
    first, second = rows
    assert first.at == START and first.at.tzinfo is not None  # aware UTC, as the column type
    assert (first.amount, first.done, first.due) == (Decimal("38.5"), True, date(2027, 3, 31))
    assert type(first.amount) is Decimal and type(first.done) is bool
    assert (first.reading_kind, first.reading_at) == ("kept", START + timedelta(hours=1))
    assert (second.at, second.amount, second.done, second.due) == (None, None, None, None)
    assert second.reading_kind == "kept" and second[0] == 2


@pytest.mark.parametrize(
    "statement",
    [
        sa.select(READING.c.id).where(READING.c.id.in_(sa.bindparam("ids", expanding=True))),
        sa.select(READING.c.id.label("_private")),
        sa.select(READING.c.id.label("class")),
    ],
    ids=["in-list", "underscore", "keyword"],
)
async def test_what_named_tuples_cannot_carry_goes_through_sqlalchemy(
    sqlite_readings: Database, statement: sa.Select[Any]
) -> None:
    async with sqlite_readings.engine.connect() as connection:
        assert await rows_in_one_trip(connection, statement, {"ids": [1, 2]}) is None
        # ... and SQLAlchemy runs it as usual
        assert (await connection.execute(statement, {"ids": [1, 2]})).all()


async def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(readings: Database) -> None:
    missing = sa.Table("missing", sa.MetaData(), sa.Column("id", sa.Integer))
    async with readings.engine.connect() as connection:
        with pytest.raises(DBAPIError, match=r"no such table|does not exist") as raised:
            await connection.execute(sa.select(missing.c.id))
        await connection.rollback()  # (PostgreSQL: the failed statement aborted the transaction)
        with pytest.raises(type(raised.value), match=r"no such table|does not exist"):
            await rows_in_one_trip(connection, sa.select(missing.c.id), {})
        await connection.rollback()
        assert await rows_in_one_trip(connection, sa.select(READING.c.id).limit(1), {}) == [(1,)]


class RepositoryPaths:
    """The repositories' one-trip path, recorded (`taken`: whether each call took it), then
    declined on demand so that SQLAlchemy runs every statement."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import storage.on_connection as on_connection

        self.taken: list[bool] = []
        self._monkeypatch = monkeypatch
        self._module = on_connection
        fast = on_connection.rows_in_one_trip

        async def recording(*args: Any) -> Any:
            rows = await fast(*args)
            self.taken.append(rows is not None)
            return rows

        monkeypatch.setattr(on_connection, "rows_in_one_trip", recording)

    def decline(self) -> None:
        async def declining(*_: Any) -> None:
            return None

        self._monkeypatch.setattr(self._module, "rows_in_one_trip", declining)


async def test_repository_reads_give_the_same_records_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every SELECT a command runs (tenant and member, quick win, measurements, members),
    read in one trip and through SQLAlchemy: the same domain records."""
    from bot.engine import Engine
    from bot.requests import Actor, Command, TenantRef
    from tests.support.clock import FakeClock

    database = Database.from_url(f"sqlite:///{tmp_path / 'repo.db'}")
    await database.upgrade()
    clock = FakeClock(START)
    engine = Engine(database.store, clock)
    tenant, actor = TenantRef("slack", "T1", "PME"), Actor("U1", "Marie")
    for number, text in enumerate(
        [
            'qw ajouter "Relances" kpi="Délai" unité=jours base=52 cible=10 échéance=2027-03-31',
            "qw saisir 1 38,5 première mesure",
            "qw saisir 1 30",
        ]
    ):
        await engine.handle(
            Command(tenant, actor, text, START, channel="C1", request_key=f"k{number}")
        )

    async def records() -> tuple[object, ...]:
        async with database.store.transaction() as repo:
            found, member = await repo.find_tenant_and_member("slack", "T1", "U1")
            assert found is not None and member is not None
            quick_win = await repo.get_quick_win(found.id, 1)
            assert quick_win is not None
            return (
                found,
                member,
                await repo.get_tenant(found.id),
                await repo.get_member(found.id, "U1"),
                quick_win,
                await repo.measurements(found.id, quick_win.id, 5),
                await repo.list_members(found.id),
            )

    paths = RepositoryPaths(monkeypatch)
    one_trip = await records()
    assert paths.taken and all(paths.taken)  # every one of those reads took the one-trip path
    paths.decline()
    assert await records() == one_trip
    await database.dispose()


# --- writes RETURNING rows, in one trip inside a transaction ----------------------------------

STAMPED = sa.Table(
    "stamped",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.Text, nullable=False, unique=True),
    sa.Column("amount", ExactDecimal(), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("origin", sa.Text, nullable=False, default="python"),  # computed by SQLAlchemy
)
INSERT_STAMPED = STAMPED.insert().returning(STAMPED.c.id, STAMPED.c.amount, STAMPED.c.at)


@functools.cache
def insert_unless_taken(dialect: str) -> Any:
    """INSERT … ON CONFLICT (label) DO NOTHING RETURNING id, for the database in use."""
    insert = upsert_insert(dialect, STAMPED).on_conflict_do_nothing(index_elements=["label"])
    return insert.returning(STAMPED.c.id)


UNIQUE_REFUSED = r"UNIQUE|duplicate key"


def stamped(label: str, amount: str = "12.25", **extra: Any) -> dict[str, Any]:
    return {"label": label, "amount": Decimal(amount), "at": START, "origin": "test"} | extra


async def _stored(database: Database) -> list[tuple[Any, ...]]:
    """The table as the driver stores it (on SQLite scaled integers, UTC text), in id order."""
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        if database.dialect == "postgresql":
            records = await raw.driver_connection.fetch("SELECT * FROM stamped ORDER BY id")
            return [tuple(record) for record in records]
        cursor = await raw.driver_connection.execute("SELECT * FROM stamped ORDER BY id")
        return list(await cursor.fetchall())


async def test_a_write_returning_rows_runs_in_its_transaction_in_one_trip(
    sqlite_readings: Database, tmp_path: Path
) -> None:
    database = sqlite_readings
    async with database.engine.begin() as connection:
        rows = await rows_in_one_trip(connection, INSERT_STAMPED, stamped("direct"))
        # The write lock is held: BEGIN IMMEDIATE rode with the statement.
        other = sqlite3.connect(tmp_path / "readings.db", timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
        usual = (await connection.execute(INSERT_STAMPED, stamped("usual"))).all()
    assert rows is not None and len(rows) == 1
    row = rows[0]
    assert (row.id, row.amount, row.at) == (1, Decimal("12.25"), START)
    assert type(row.amount) is Decimal and row.at.tzinfo is not None
    assert [tuple(row)[1:] for row in rows] == [tuple(row)[1:] for row in usual]
    direct, through_sqlalchemy = await _stored(database)
    assert direct[2:] == through_sqlalchemy[2:]  # amount, time and origin stored alike


async def test_a_rolled_back_write_leaves_nothing(readings: Database) -> None:
    async with readings.engine.begin() as connection:
        assert await rows_in_one_trip(connection, INSERT_STAMPED, stamped("gone")) is not None
        await connection.rollback()
    assert await _stored(readings) == []


async def test_a_conflict_returns_no_row(readings: Database) -> None:
    insert = insert_unless_taken(readings.dialect)
    async with readings.engine.begin() as connection:
        first = await rows_in_one_trip(connection, insert, stamped("once"))
        again = await rows_in_one_trip(connection, insert, stamped("once", "3"))
    assert first == [(1,)] and again == []
    stored = 122500 if readings.dialect == "sqlite" else Decimal("12.25")  # (scaled on SQLite)
    assert [row[1:3] for row in await _stored(readings)] == [("once", stored)]


async def test_refused_writes_raise_as_sqlalchemy_raises_them(readings: Database) -> None:
    async with readings.engine.begin() as connection:
        await rows_in_one_trip(connection, INSERT_STAMPED, stamped("taken"))
        if readings.dialect == "postgresql":
            savepoint = await connection.begin_nested()  # (a refused write aborts the rest)
            with pytest.raises(IntegrityError, match=UNIQUE_REFUSED):
                await rows_in_one_trip(connection, INSERT_STAMPED, stamped("taken"))
            await savepoint.rollback()
        else:
            with pytest.raises(IntegrityError, match=UNIQUE_REFUSED):
                await rows_in_one_trip(connection, INSERT_STAMPED, stamped("taken"))
        with pytest.raises(StatementError, match="out of range"):
            await rows_in_one_trip(connection, INSERT_STAMPED, stamped("huge", "1E+14"))
        with pytest.raises(StatementError, match="naive"):
            await rows_in_one_trip(
                connection, INSERT_STAMPED, stamped("naive", at=datetime(2026, 1, 1))
            )
    assert [row[1] for row in await _stored(readings)] == ["taken"]


async def test_what_only_sqlalchemy_can_write_goes_through_it(readings: Database) -> None:
    """Outside a transaction, with a column default computed in Python, without RETURNING."""
    async with readings.engine.connect() as connection:
        assert await rows_in_one_trip(connection, INSERT_STAMPED, stamped("outside")) is None
    async with readings.engine.begin() as connection:
        defaulted = stamped("defaulted")
        del defaulted["origin"]
        assert await rows_in_one_trip(connection, INSERT_STAMPED, defaulted) is None
        assert await rows_in_one_trip(connection, STAMPED.insert(), stamped("no returning")) is None
    assert await _stored(readings) == []


async def test_repository_writes_give_the_same_records_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writes of a logged result (the delivery's claim, the measurement), in one trip
    and through SQLAlchemy: the same answers, the same records."""
    from bot.model import Locale, QuickWinDraft, Role

    database = Database.from_url(f"sqlite:///{tmp_path / 'writes.db'}")
    await database.upgrade()
    async with database.store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("slack", "T1", "PME", Locale.FR, "UTC")
        member = await repo.add_member(tenant.id, "U1", "Marie", Role.DIRECTOR)
        quick_win = await repo.add_quick_win(
            QuickWinDraft(
                tenant_id=tenant.id,
                title="Relances",
                kpi="Délai",
                unit="jours",
                baseline=Decimal(52),
                target=Decimal(10),
                due=date(2027, 3, 31),
                owner_id=member.id,
                created_by=member.id,
                created_at=START,
            )
        )

    async def writes(key: str, value: str) -> tuple[object, ...]:
        async with database.store.transaction() as repo:
            claimed = await repo.claim_request(tenant.id, key, START)
            again = await repo.claim_request(tenant.id, key, START)
            measurement = await repo.add_measurement(
                tenant.id, quick_win.id, Decimal(value), "note", member.id, START
            )
        return claimed, again, measurement

    paths = RepositoryPaths(monkeypatch)
    claimed, again, direct = await writes("k1", "38.5")
    assert paths.taken == [True, True, True]  # both claims and the measurement took one trip
    assert (claimed, again) == (True, False)
    paths.decline()
    assert await writes("k2", "38.5") == (True, False, replace(direct, id=direct.id + 1))
    await database.dispose()


# --- several prebuilt statements in one trip ---------------------------------------------------


class CountedTrips:
    """The hand-offs to SQLite's thread, counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        hand_off = OneTripConnection.in_thread

        async def counted(connection: OneTripConnection, function: Any, **options: Any) -> Any:
            self.count += 1
            return await hand_off(connection, function, **options)

        monkeypatch.setattr(OneTripConnection, "in_thread", counted)


async def test_statements_run_in_order_in_one_trip_each_with_its_rows(
    sqlite_readings: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = CountedTrips(monkeypatch)
    async with sqlite_readings.engine.begin() as connection:
        each = await rows_of_each_in_one_trip(
            connection,
            [
                (insert_unless_taken("sqlite"), stamped("claimed")),
                (insert_unless_taken("sqlite"), stamped("claimed")),  # sees the first one's row
                (sa.select(STAMPED.c.label, STAMPED.c.amount), {}),
            ],
        )
    assert trips.count == 2  # the statements, then the COMMIT
    assert each == [[(1,)], [], [("claimed", Decimal("12.25"))]]
    assert each is not None and each[2][0].amount == Decimal("12.25")


async def test_several_statements_fall_back_or_fail_as_one_would(
    readings: Database,
) -> None:
    """Outside a transaction (for writes), or for a statement only SQLAlchemy runs: None, for
    the caller to run them one by one; a failing statement raises as SQLAlchemy raises it,
    and the transaction's rollback takes the others back."""
    select_ids = sa.select(READING.c.id).order_by(READING.c.id)
    expanding = sa.select(READING.c.id).where(READING.c.id.in_([1, 2]))
    async with readings.engine.begin() as connection:
        single = await rows_of_each_in_one_trip(connection, [(select_ids, {})])
        mixed = await rows_of_each_in_one_trip(connection, [(select_ids, {}), (expanding, {})])
        ids = list((await connection.execute(select_ids)).scalars())
    assert mixed is None
    assert single is not None and [row.id for row in single[0]] == ids and len(ids) > 1
    async with readings.engine.connect() as connection:
        outside = await rows_of_each_in_one_trip(connection, [(INSERT_STAMPED, stamped("x"))])
    assert outside is None
    with pytest.raises(IntegrityError, match=UNIQUE_REFUSED):
        async with readings.engine.begin() as connection:
            await rows_of_each_in_one_trip(
                connection,
                [(INSERT_STAMPED, stamped("twice")), (INSERT_STAMPED, stamped("twice"))],
            )
    assert await _stored(readings) == []


async def test_a_command_s_claim_and_first_read_take_one_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.model import Locale, Role

    database = Database.from_url(f"sqlite:///{tmp_path / 'claims.db'}")
    await database.upgrade()
    async with database.store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("slack", "T1", "PME", Locale.FR, "UTC")
        member = await repo.add_member(tenant.id, "U1", "Marie", Role.DIRECTOR)

    trips = CountedTrips(monkeypatch)
    async with database.store.transaction() as repo:
        found = await repo.find_tenant_and_member_claiming("slack", "T1", "U1", "k1", START)
    assert trips.count == 2  # the claim with the read, then the COMMIT
    assert found == (tenant, member, True)
    await database.dispose()


async def test_a_logged_result_takes_two_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request's claim with the tenant, the member and the quick win the command names;
    then the measurement with the latest ones and the COMMIT: a write transaction holds the
    connection for two trips. A result that reaches the target also marks it celebrated,
    after which the COMMIT takes its own trip."""
    from bot.engine import Engine
    from bot.requests import Actor, Command, TenantRef
    from tests.support.clock import FakeClock

    database = Database.from_url(f"sqlite:///{tmp_path / 'logged.db'}")
    await database.upgrade()
    engine = Engine(database.store, FakeClock(START))
    tenant, actor = TenantRef("slack", "T1", "PME"), Actor("U1", "Marie")

    async def say(text: str, key: str) -> str:
        reply = await engine.handle(Command(tenant, actor, text, START, request_key=key))
        return reply.messages[0].text

    await say(
        'qw ajouter "Relances" kpi="Délai" unité=jours base=52 cible=10 échéance=2027-03-31', "a"
    )
    await say("qw saisir 1 40", "b")
    trips = CountedTrips(monkeypatch)
    answer = await say("qw saisir 1 38", "c")
    assert "38" in answer and "QW-1" in answer
    assert trips.count == 2
    trips.count = 0
    reached = await engine.handle(Command(tenant, actor, "qw saisir 1 9", START, request_key="d"))
    assert [message.kind for message in reached.messages] == ["quickwin.logged", "celebration"]
    assert trips.count == 4  # claim and reads; measurement; celebrated mark; COMMIT
    async with database.store.transaction() as repo:
        quick_win = await repo.get_quick_win(1, 1)
        stored = await repo.measurements(1, 1, 10)
    assert quick_win is not None and quick_win.celebrated_at is not None
    assert [measurement.value for measurement in stored] == [40, 38, 9]
    await database.dispose()


INSERT_READING = sa.insert(READING).returning(READING.c.kind)


async def test_rows_of_each_can_commit_with_them(
    readings: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`commit=True`: on SQLite the statements and the COMMIT go in one trip, and the
    block's commit takes none; on PostgreSQL the block commits as usual. Either way the row
    is stored once the block ends."""
    last = {"id": 10_000, "kind": "last", "value": Decimal("1.5"), "taken_at": START}
    trips = CountedTrips(monkeypatch)
    async with readings.engine.begin() as connection:
        each = await rows_of_each_in_one_trip(connection, [(INSERT_READING, last)], commit=True)
        assert each == [[("last",)]]
    assert trips.count == (1 if readings.dialect == "sqlite" else 0)
    async with readings.engine.connect() as connection:
        kinds = (await connection.execute(sa.select(READING.c.kind))).scalars().all()
    assert kinds.count("last") == 1


# --- PostgreSQL: on asyncpg's own connection --------------------------------------------------


@pytest.fixture
async def postgres_readings() -> AsyncIterator[Database]:
    """The readings table on PostgreSQL only."""
    async with blank_postgres() as database:
        await _fill(database)
        yield database


@pytest.mark.postgres
async def test_on_postgresql_the_adapter_s_prepared_statements_are_reused(
    postgres_readings: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statement is prepared once per connection, in SQLAlchemy's own cache, whichever
    path runs it next."""
    import asyncpg

    prepared: list[str] = []
    prepare = asyncpg.Connection.prepare

    async def counted(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        prepared.append(query)
        return await prepare(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "prepare", counted)
    async with postgres_readings.engine.connect() as connection:
        first = await rows_in_one_trip(connection, STATEMENT, PARAMETERS)
        again = await rows_in_one_trip(connection, STATEMENT, {**PARAMETERS, "most": 2})
        through_sqlalchemy = (await connection.execute(STATEMENT, PARAMETERS)).all()
    assert first is not None and again is not None
    assert [row.id for row in first] == [row.id for row in through_sqlalchemy] == [2, 4, 5, 7]
    assert [row.id for row in again] == [2, 4]
    assert len(prepared) == 1 and "FROM reading" in prepared[0]


@pytest.mark.postgres
async def test_on_postgresql_a_schema_change_prepares_the_statement_again(
    postgres_readings: Database,
) -> None:
    """A column's type changed under a prepared statement: that execution fails as through
    SQLAlchemy (the statement's cached plan is stale), and the next one prepares it again."""
    kinds = sa.select(READING.c.id, READING.c.kind).order_by(READING.c.id).limit(2)
    async with postgres_readings.engine.connect() as connection:
        assert await rows_in_one_trip(connection, kinds, {}) == [(1, "kept"), (2, "kept")]
        await connection.commit()
        async with postgres_readings.engine.begin() as other:
            await other.execute(sa.text("ALTER TABLE reading ALTER COLUMN kind TYPE varchar(40)"))
        with pytest.raises(DBAPIError, match=r"InvalidCachedStatement|cached"):
            await rows_in_one_trip(connection, kinds, {})
        await connection.rollback()
        assert await rows_in_one_trip(connection, kinds, {}) == [(1, "kept"), (2, "kept")]


@pytest.mark.postgres
async def test_on_postgresql_a_lost_connection_is_invalidated_as_sqlalchemy_does(
    postgres_readings: Database,
) -> None:
    """The server ended the connection: the statement raises as through SQLAlchemy (the
    connection invalidated), and the next transaction gets a new connection from the pool."""
    ids = sa.select(READING.c.id).order_by(READING.c.id).limit(1)
    async with postgres_readings.engine.connect() as connection:
        assert await rows_in_one_trip(connection, ids, {}) == [(1,)]
        pid = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
        async with postgres_readings.engine.connect() as other:
            await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as lost:
            await rows_in_one_trip(connection, ids, {})
        assert lost.value.connection_invalidated and connection.invalidated
    async with postgres_readings.engine.connect() as connection:
        assert await rows_in_one_trip(connection, ids, {}) == [(1,)]
