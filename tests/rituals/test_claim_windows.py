"""A claim with a quota per workspace looks past a first window of rows that all belong to a few
workspaces, a bounded number of windows: a Monday fan-out's first claim takes one row of each
workspace instead of the first few workspaces' rows only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rituals.transactions import transaction
from storage import ritual_repository
from tests.rituals.support import WORKSPACES, Harness, three_reminders_each

LEASE = timedelta(seconds=60)


@pytest.mark.parametrize(("windows", "workspaces"), [(4, 4), (2, 3), (1, 2)])
async def test_a_claim_takes_one_row_per_workspace_through_its_scan_windows(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, windows: int, workspaces: int
) -> None:
    await three_reminders_each(harness)
    monkeypatch.setattr(ritual_repository, "SCAN_WINDOWS", windows)

    async with transaction(harness.database.engine) as work:
        claimed = await work.rituals.claim_outbox(
            "sender", ["console"], harness.clock.now(), LEASE, 4, quota=lambda _t, _p: 1, scan=4
        )
        tenants = await work.rituals.tenants(message.tenant_id for message in claimed)

    # Windows of four rows: alpha 1-3 and beta 4, then beta 5-6 and gamma 7-8, then ...
    names = [tenants[message.tenant_id].external_id for message in claimed]
    assert names == list(WORKSPACES[:workspaces])
    statuses = [row.status for row in await harness.outbox()]
    assert statuses.count("sending") == workspaces
