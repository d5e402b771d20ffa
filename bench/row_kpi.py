"""Row 3: the `kpi` summary of one tenant (bot.summaries.kpi_summary in a store transaction,
given the tenant as the command holds it) against one hand-written SQL aggregate over the same
data, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench.kpi_data import NOW, Sizes, load_postgres, sqlite_database
from bench.options import Options
from bench.report import Line, missing_line, ratio_at_most
from bench.stats import median
from bot.summaries import RETEX_WINDOW, kpi_summary
from storage.database import Database, normalise_url

CONNECT_SECONDS = 5.0

_LATEST_AND_RETEX = """
           (SELECT m.value FROM measurement m WHERE m.quick_win_id = q.id
             ORDER BY m.measured_at DESC, m.id DESC LIMIT 1) AS latest,
           (SELECT m.measured_at FROM measurement m WHERE m.quick_win_id = q.id
             ORDER BY m.measured_at DESC, m.id DESC LIMIT 1) AS latest_at,
           (SELECT count(*) FROM retex r WHERE r.tenant_id = q.tenant_id
             AND r.created_at >= :since) AS retex
      FROM quick_win q
     WHERE q.tenant_id = :tenant AND q.state = 'active'
     ORDER BY q.number
"""

#: What a developer would write by hand for the same figures: each active quick win with its
#: latest measurement and its number of measurements, plus the tenant's recent retex count.
HAND_WRITTEN = sa.text(
    "SELECT q.number, q.title, q.baseline, q.target, q.due,"
    " (SELECT count(*) FROM measurement m WHERE m.quick_win_id = q.id) AS measurements,"
    + _LATEST_AND_RETEX
)

#: The same without the number of measurements, which the summary no longer reads (nothing
#: shows it): measured alongside, so the row's ratio is also given against the figures the
#: summary reads.
HAND_WRITTEN_WITHOUT_COUNT = sa.text(
    "SELECT q.number, q.title, q.baseline, q.target, q.due," + _LATEST_AND_RETEX
)


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Timings:
    """Median seconds of the summary (and of it with a tenant read first) and of each
    hand-written query; active quick wins."""

    ours: float
    ours_reading_the_tenant: float
    by_hand: float
    by_hand_without_count: float
    active: int


async def compare(database: Database, tenant_id: int, repeats: int) -> Timings:
    """The summary, the summary reading its tenant first, and the two hand-written queries,
    each run in turn (the order rotating).

    The summary is given the tenant as the `kpi` command holds it: every command reads its
    tenant and member in its first statement (`find_tenant_and_member`), which a hand-written
    command would make too, and the summary reads no tenant. Reading it again first, as the
    row did up to `88874c5`, is measured alongside and given in the line's note."""
    async with database.store.transaction() as repo:
        tenant = await repo.get_tenant(tenant_id)
    assert tenant is not None

    async def summary() -> object:
        async with database.store.transaction() as repo:
            return await kpi_summary(repo, tenant, NOW)

    async def summary_reading_the_tenant() -> object:
        async with database.store.transaction() as repo:
            read = await repo.get_tenant(tenant_id)
            assert read is not None
            return await kpi_summary(repo, read, NOW)

    rows: list[object] = []

    def by_hand(query: sa.TextClause) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            async with database.engine.connect() as connection:
                result = await connection.execute(
                    query, {"tenant": tenant_id, "since": NOW - RETEX_WINDOW}
                )
                rows[:] = result.all()
            return rows

        return run

    actions = [
        summary,
        summary_reading_the_tenant,
        by_hand(HAND_WRITTEN),
        by_hand(HAND_WRITTEN_WITHOUT_COUNT),
    ]
    times: list[list[float]] = [[] for _ in actions]
    for action in actions:  # warm: connections, statement caches
        await action()
    for index in range(repeats):
        for turn in range(len(actions)):
            which = (index + turn) % len(actions)
            times[which].append(await timed(actions[which]))
    ours, reading, theirs, without_count = (median(each) for each in times)
    return Timings(ours, reading, theirs, without_count, len(rows))


def lines_for(engine_name: str, sizes: Sizes, timings: Timings, note: str) -> list[Line]:
    """The row's line against the hand-written query, then against it without the count."""
    common = f"{sizes.label()}; {timings.active} active quick wins{note}"
    reading = timings.ours_reading_the_tenant

    def with_a_tenant_read(baseline: float) -> str:
        return (
            f"; reading the tenant first as well: {1000 * reading:.2f} ms "
            f"({reading / baseline:.2f}×)"
        )

    against = [
        (
            "one tenant's summary",
            timings.by_hand,
            f"one hand-written SQL aggregate; {common}",
        ),
        (
            "same, baseline without the count",
            timings.by_hand_without_count,
            "the same aggregate without each quick win's number of measurements,"
            " which the summary no longer reads",
        ),
    ]
    return [
        Line(
            "3",
            f"KPI summary, {engine_name}",
            measure,
            "ms",
            value=1000 * timings.ours,
            baseline=1000 * baseline,
            target=ratio_at_most(2.0),
            note=f"baseline: {what}{with_a_tenant_read(baseline)}",
        )
        for measure, baseline, what in against
    ]


async def on_sqlite(sizes: Sizes, options: Options, tenant_id: int) -> list[Line]:
    path, reused = await sqlite_database(sizes)
    database = Database.from_url(f"sqlite:///{path}")
    try:
        timings = await compare(database, tenant_id, options.kpi_repeats)
    finally:
        await database.dispose()
    return lines_for("SQLite", sizes, timings, " (cached file)" if reused else "")


async def on_postgres(sizes: Sizes, options: Options, tenant_id: int) -> list[Line]:
    url = normalise_url(options.postgres_url)
    admin = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    schema = f"bench_kpi_{uuid.uuid4().hex[:12]}"
    try:
        try:
            connection = await asyncio.wait_for(admin.connect(), CONNECT_SECONDS)
        except (OSError, TimeoutError, DBAPIError) as error:
            reason = str(error).splitlines()[0][:120]
            return [missing_line("3", "KPI summary, PostgreSQL", f"unreachable ({reason})")]
        try:
            await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            try:
                database = Database.from_url(options.postgres_url, schema=schema)
                try:
                    await load_postgres(database, sizes)
                    timings = await compare(database, tenant_id, options.kpi_repeats)
                finally:
                    await database.dispose()
            finally:
                await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await connection.close()
    finally:
        await admin.dispose()
    return lines_for("PostgreSQL", sizes, timings, "")


async def run(options: Options) -> list[Line]:
    sizes = Sizes(options.kpi_tenants, options.kpi_quick_wins, options.kpi_measurements)
    tenant_id = (sizes.tenants + 1) // 2
    return [
        *await on_sqlite(sizes, options, tenant_id),
        *await on_postgres(sizes, options, tenant_id),
    ]
