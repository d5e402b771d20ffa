"""The KPI benchmark's database: tenants, people, caps, quick wins, a long measurement history and
retex, bulk-loaded (executemany on SQLite, COPY on PostgreSQL); the SQLite file is cached."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from storage.database import Database, head_revisions
from storage.models import Base

DATA_VERSION = 1
"""Bump when the generated data changes, so cached files are rebuilt."""
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
"""The fixed 'now' of the data and of every timed summary (a Monday morning)."""
MANAGERS = 5
MEMBERS = 4
RETEX_PER_TENANT = 20
CHUNK = 50_000
TABLES = Base.metadata.tables
CAP_TEXT = "Devenir la PME de référence à l'export d'ici 2028, sans perdre nos clients locaux."


@dataclass(frozen=True)
class Sizes:
    tenants: int
    quick_wins: int
    measurements: int

    @property
    def quick_wins_per_tenant(self) -> int:
        return max(1, self.quick_wins // self.tenants)

    @property
    def measurements_per_quick_win(self) -> int:
        return max(1, self.measurements // (self.tenants * self.quick_wins_per_tenant))

    def label(self) -> str:
        return f"{self.measurements:,} measurements, {self.tenants} tenants, " + (
            f"{self.tenants * self.quick_wins_per_tenant} quick wins"
        )


def _people(tenant: int) -> tuple[int, list[int]]:
    """(director id, manager ids) of a tenant; ids are dense and predictable."""
    first = tenant * 100
    return first, [first + 1 + i for i in range(MANAGERS)]


def _active(number: int) -> bool:
    return number % 5 != 0  # four quick wins in five are still running


def table_rows(sizes: Sizes) -> Iterator[tuple[sa.Table, list[dict[str, Any]]]]:
    """Every row to load, table by table (parents first), measurements in chunks."""
    tenants = range(1, sizes.tenants + 1)
    per_tenant = sizes.quick_wins_per_tenant
    created = NOW - timedelta(days=3 * 365)
    yield (
        TABLES["tenant"],
        [
            {
                "id": t,
                "platform": "slack",
                "external_id": f"T{t:06d}",
                "name": f"PME {t}",
                "locale": "fr",
                "timezone": "Europe/Paris",
                "active": True,
                "created_at": created,
                "last_quick_win_number": per_tenant,
                "last_cap_version": 1,
            }
            for t in tenants
        ],
    )
    members: list[dict[str, Any]] = []
    for t in tenants:
        director, managers = _people(t)
        roles = [(director, "director")] + [(m, "manager") for m in managers]
        roles += [(director + 1 + MANAGERS + i, "member") for i in range(MEMBERS)]
        for member_id, role in roles:
            name = f"Personne {member_id}"
            members.append(
                {
                    "id": member_id,
                    "tenant_id": t,
                    "external_id": f"U{member_id:08d}",
                    "display_name": name,
                    "name_key": name.casefold(),
                    "role": role,
                }
            )
    yield TABLES["member"], members
    yield (
        TABLES["cap_version"],
        [
            {
                "id": t,
                "tenant_id": t,
                "version": 1,
                "text": CAP_TEXT,
                "author_id": _people(t)[0],
                "created_at": NOW - timedelta(days=42),
            }
            for t in tenants
        ],
    )
    yield (
        TABLES["cap_ack"],
        [
            {
                "id": t * 10 + i,
                "tenant_id": t,
                "cap_id": t,
                "member_id": m,
                "acked_at": NOW - timedelta(days=40),
            }
            for t in tenants
            for i, m in enumerate(_people(t)[1][:3])
        ],
    )
    quick_wins: list[dict[str, Any]] = []
    for t in tenants:
        director, managers = _people(t)
        for number in range(1, per_tenant + 1):
            active = _active(number)
            quick_wins.append(
                {
                    "id": (t - 1) * per_tenant + number,
                    "tenant_id": t,
                    "number": number,
                    "title": f"Quick win {number} de la PME {t}",
                    "kpi": "Délai de paiement",
                    "unit": "jours",
                    "baseline": Decimal(52),
                    "target": Decimal(10),
                    "due": date(2027, 6, 30),
                    "owner_id": managers[number % MANAGERS],
                    "created_by": director,
                    "created_at": created,
                    "state": "active" if active else "done",
                    "closed_at": None if active else NOW - timedelta(days=30),
                    "celebrated_at": None,
                }
            )
    yield TABLES["quick_win"], quick_wins
    yield (
        TABLES["retex"],
        [
            {
                "id": t * RETEX_PER_TENANT + i,
                "tenant_id": t,
                "text": f"Retour d'expérience {i} : former deux champions métier avant le déploiement.",
                "author_id": None if i % 3 == 0 else _people(t)[1][i % MANAGERS],
                "anonymous": i % 3 == 0,
                "quick_win_id": (t - 1) * per_tenant + 1 + i % per_tenant,
                "created_at": NOW - timedelta(days=3 * i, hours=1),
            }
            for t in tenants
            for i in range(RETEX_PER_TENANT)
        ],
    )
    yield from _measurements(sizes)


def _measurements(sizes: Sizes) -> Iterator[tuple[sa.Table, list[dict[str, Any]]]]:
    """One measurement a day per quick win, going back from yesterday, 52 days → 10 days."""
    per_qw = sizes.measurements_per_quick_win
    step = timedelta(days=1) if per_qw <= 1000 else timedelta(days=1000) / per_qw
    chunk: list[dict[str, Any]] = []
    next_id = 1
    for qw in range(1, sizes.tenants * sizes.quick_wins_per_tenant + 1):
        tenant = (qw - 1) // sizes.quick_wins_per_tenant + 1
        managers = _people(tenant)[1]
        for k in range(per_qw):
            age = per_qw - k  # the last one is the most recent
            chunk.append(
                {
                    "id": next_id,
                    "tenant_id": tenant,
                    "quick_win_id": qw,
                    "value": Decimal(52 - (40 * k) // per_qw) - Decimal("0.5") * (k % 2),
                    "note": "relances envoyées" if k % 4 == 0 else "",
                    "author_id": managers[k % MANAGERS],
                    "measured_at": NOW - age * step,
                }
            )
            next_id += 1
            if len(chunk) >= CHUNK:
                yield TABLES["measurement"], chunk
                chunk = []
    if chunk:
        yield TABLES["measurement"], chunk


def cache_path(sizes: Sizes, heads: tuple[str, ...]) -> Path:
    key = hashlib.sha256(f"{DATA_VERSION}:{sizes}:{','.join(heads)}".encode()).hexdigest()[:16]
    directory = Path(tempfile.gettempdir()) / "boussole-bench-cache"
    directory.mkdir(exist_ok=True)
    return directory / (
        f"kpi-{sizes.tenants}t-{sizes.quick_wins}q-{sizes.measurements}m-{key}.sqlite"
    )


async def sqlite_database(sizes: Sizes) -> tuple[Path, bool]:
    """The cached SQLite file for these sizes (built first when missing); True if reused."""
    path = cache_path(sizes, await head_revisions())
    if path.exists():
        return path, True
    building = path.with_suffix(f".{os.getpid()}.building")
    for leftover in building.parent.glob(building.name + "*"):
        leftover.unlink()
    database = Database.from_url(f"sqlite:///{building}")
    try:
        await database.upgrade()
    finally:
        await database.dispose()
    engine = sa.create_engine(f"sqlite:///{building}")
    try:
        with engine.begin() as connection:
            for table, rows in table_rows(sizes):
                connection.execute(sa.insert(table), rows)
            connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    building.rename(path)
    return path, False


async def load_postgres(database: Database, sizes: Sizes) -> None:
    """Migrate the (empty, schema-confined) database, COPY the rows in, ANALYZE."""
    await database.upgrade()
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        for table, rows in table_rows(sizes):
            columns = [c.name for c in table.columns]
            await driver.copy_records_to_table(
                table.name,
                records=[tuple(row.get(c) for c in columns) for row in rows],
                columns=columns,
                schema_name=database.schema,
            )
        await driver.execute("ANALYZE")
        await connection.commit()
