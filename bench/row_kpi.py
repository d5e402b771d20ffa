"""Row 3: the `kpi` summary of one tenant (bot.summaries.kpi_summary in a store transaction)
against one hand-written SQL aggregate over the same data, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

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

#: What a developer would write by hand for the same figures: each active quick win with its
#: latest measurement and its number of measurements, plus the tenant's recent retex count.
HAND_WRITTEN = sa.text(
    """
    SELECT q.number, q.title, q.baseline, q.target, q.due,
           (SELECT m.value FROM measurement m WHERE m.quick_win_id = q.id
             ORDER BY m.measured_at DESC, m.id DESC LIMIT 1) AS latest,
           (SELECT m.measured_at FROM measurement m WHERE m.quick_win_id = q.id
             ORDER BY m.measured_at DESC, m.id DESC LIMIT 1) AS latest_at,
           (SELECT count(*) FROM measurement m WHERE m.quick_win_id = q.id) AS measurements,
           (SELECT count(*) FROM retex r WHERE r.tenant_id = q.tenant_id
             AND r.created_at >= :since) AS retex
      FROM quick_win q
     WHERE q.tenant_id = :tenant AND q.state = 'active'
     ORDER BY q.number
    """
)


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def compare(database: Database, tenant_id: int, repeats: int) -> tuple[float, float, int]:
    """Median seconds of (kpi summary, hand-written query), alternating; active quick wins."""

    async def summary() -> object:
        async with database.store.transaction() as repo:
            tenant = await repo.get_tenant(tenant_id)
            assert tenant is not None
            return await kpi_summary(repo, tenant, NOW)

    rows: list[object] = []

    async def by_hand() -> object:
        async with database.engine.connect() as connection:
            result = await connection.execute(
                HAND_WRITTEN, {"tenant": tenant_id, "since": NOW - RETEX_WINDOW}
            )
            rows[:] = result.all()
        return rows

    await summary()  # warm: connections, statement caches
    await by_hand()
    ours: list[float] = []
    theirs: list[float] = []
    for index in range(repeats):
        pair = [(summary, ours), (by_hand, theirs)]
        for action, times in reversed(pair) if index % 2 else pair:
            times.append(await timed(action))
    return median(ours), median(theirs), len(rows)


def lines_for(engine_name: str, sizes: Sizes, ours: float, theirs: float, note: str) -> Line:
    return Line(
        "3",
        f"KPI summary, {engine_name}",
        "one tenant's summary",
        "ms",
        value=1000 * ours,
        baseline=1000 * theirs,
        target=ratio_at_most(2.0),
        note=f"{sizes.label()}; baseline: one hand-written SQL aggregate{note}",
    )


async def on_sqlite(sizes: Sizes, options: Options, tenant_id: int) -> Line:
    path, reused = await sqlite_database(sizes)
    database = Database.from_url(f"sqlite:///{path}")
    try:
        ours, theirs, active = await compare(database, tenant_id, options.kpi_repeats)
    finally:
        await database.dispose()
    cached = " (cached file)" if reused else ""
    return lines_for("SQLite", sizes, ours, theirs, f"; {active} active quick wins{cached}")


async def on_postgres(sizes: Sizes, options: Options, tenant_id: int) -> Line:
    url = normalise_url(options.postgres_url)
    admin = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    schema = f"bench_kpi_{uuid.uuid4().hex[:12]}"
    try:
        try:
            connection = await asyncio.wait_for(admin.connect(), CONNECT_SECONDS)
        except (OSError, TimeoutError, DBAPIError) as error:
            reason = str(error).splitlines()[0][:120]
            return missing_line("3", "KPI summary, PostgreSQL", f"unreachable ({reason})")
        try:
            await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            try:
                database = Database.from_url(options.postgres_url, schema=schema)
                try:
                    await load_postgres(database, sizes)
                    ours, theirs, active = await compare(database, tenant_id, options.kpi_repeats)
                finally:
                    await database.dispose()
            finally:
                await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await connection.close()
    finally:
        await admin.dispose()
    return lines_for("PostgreSQL", sizes, ours, theirs, f"; {active} active quick wins")


async def run(options: Options) -> list[Line]:
    sizes = Sizes(options.kpi_tenants, options.kpi_quick_wins, options.kpi_measurements)
    tenant_id = (sizes.tenants + 1) // 2
    return [
        await on_sqlite(sizes, options, tenant_id),
        await on_postgres(sizes, options, tenant_id),
    ]
