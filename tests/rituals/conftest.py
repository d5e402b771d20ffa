"""Fixtures of the rituals tests: a harness on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from storage.database import Database
from tests.rituals.support import Harness
from tests.support.clock import FakeClock


@pytest.fixture
def harness(database: Database, clock: FakeClock) -> Harness:
    return Harness(database, clock)
