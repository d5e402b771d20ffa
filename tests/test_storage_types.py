"""The SQLite fast paths of the column types decode exactly as the general path does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite

from storage.types import DECIMAL_SCALE, UtcDateTime, shortest_decimal, unscaled

SQLITE = sqlite.dialect()


def slow_unscaled(scaled: int) -> Decimal:
    return shortest_decimal(Decimal(scaled).scaleb(-DECIMAL_SCALE))


def test_unscaled_is_the_shortest_exact_decimal() -> None:
    edges = [0, 1, -1, 5, -5, 10, 9999, 10_000, -10_000, 385_000, -385_001, 10**17, -(10**17)]
    rng = random.Random(20261127)
    values = edges + [rng.randint(-(10**18), 10**18) for _ in range(5000)]
    values += [rng.randint(-(10**6), 10**6) for _ in range(5000)]
    for value in values:
        fast, slow = unscaled(value), slow_unscaled(value)
        assert (fast, str(fast)) == (slow, str(slow)), value
    assert [str(unscaled(v)) for v in (385_000, 1_000_000, -5, 0)] == [
        "38.5",
        "100",
        "-0.0005",
        "0",
    ]


def general_sqlite_read(text: str | None) -> datetime | None:
    """SQLAlchemy's own text-to-datetime for SQLite, then the decorator's UTC attachment."""
    driver = DateTime(timezone=True).dialect_impl(SQLITE).result_processor(SQLITE, None)
    assert driver is not None
    return UtcDateTime().process_result_value(driver(text), SQLITE)


@pytest.mark.parametrize(
    "stored",
    [
        "2026-03-29 01:59:59.999999",
        "1999-12-31 23:59:59.000000",
        "2026-11-02 08:00:00",
        "2026-11-02",  # not what we write: read the general way
        None,
    ],
)
def test_sqlite_times_read_straight_to_aware_utc(stored: str | None) -> None:
    read = UtcDateTime().dialect_impl(SQLITE).result_processor(SQLITE, None)
    assert read is not None

    value = read(stored)

    assert value == general_sqlite_read(stored)
    if stored is not None:
        assert value is not None and value.tzinfo is UTC


def test_postgresql_keeps_the_general_path() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    read = UtcDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert read is not None
    at = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))

    value = read(at)

    assert value == at and value.tzinfo is UTC and value.hour == 10
