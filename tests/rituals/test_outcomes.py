"""Recording send outcomes in a batch: each row gets its own columns, and a row whose lease
passed to another sender is left as that sender has it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Row

from rituals.transactions import transaction
from storage import chunks
from storage.ritual_models import RitualOutboxRow
from storage.ritual_repository import ClaimedMessage, OutboxOutcome
from tests.rituals.support import Harness, queue_monday_reminders

MANAGERS = tuple(f"manager{n}" for n in range(5))
LEASE = timedelta(seconds=60)


async def claim(harness: Harness, owner: str, limit: int = 10) -> list[ClaimedMessage]:
    async with transaction(harness.database.engine) as work:
        return await work.rituals.claim_outbox(
            owner, ["console"], harness.clock.now(), LEASE, limit
        )


async def rows_by_id(harness: Harness) -> dict[int, Row[Any]]:
    async with harness.database.engine.connect() as connection:
        rows = (await connection.execute(select(RitualOutboxRow))).all()
        return {row.id: row for row in rows}


@pytest.mark.parametrize("ids_per_read", [500, 2])
async def test_a_batch_records_each_outcome_and_skips_a_row_taken_over(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, ids_per_read: int
) -> None:
    monkeypatch.setattr(chunks, "IN_CHUNK", ids_per_read)  # several reads and UPDATE batches
    await queue_monday_reminders(harness, MANAGERS)
    taken_over, sent, retried, uncertain, failed = await claim(harness, "sender-1")
    # sender-1 stalls past its lease; sender-2 takes the oldest row over (attempt 2).
    harness.clock.advance(LEASE + timedelta(seconds=1))
    (second,) = await claim(harness, "sender-2", limit=1)
    assert (second.id, second.attempt, second.reclaimed) == (taken_over.id, 2, True)
    now = harness.clock.now()
    retry_at = now + timedelta(seconds=30)

    async with transaction(harness.database.engine) as work:
        recorded = await work.rituals.finish_outboxes(
            "sender-1",
            [
                OutboxOutcome(sent, "sent", now, platform_message_id="D1:1.5", detail="ok"),
                OutboxOutcome(retried, "pending", now, detail="429", retry_at=retry_at),
                OutboxOutcome(uncertain, "pending", now, retry_at=retry_at, uncertain=True),
                OutboxOutcome(failed, "failed", now, detail="x" * 3000),
                OutboxOutcome(taken_over, "sent", now, platform_message_id="D5:9.9"),
            ],
        )

    assert recorded == {sent.id, retried.id, uncertain.id, failed.id}
    rows = await rows_by_id(harness)
    row = rows[sent.id]
    assert (row.status, row.lease_owner, row.lease_expires_at, row.platform_message_id) == (
        "sent",
        None,
        None,
        "D1:1.5",
    )
    assert (row.sent_at, row.detail) == (now, "ok")
    row = rows[retried.id]
    assert (row.status, row.lease_owner, row.available_at, row.sent_at, row.detail) == (
        "pending",
        None,
        retry_at,
        None,
        "429",
    )
    row = rows[uncertain.id]  # left for a takeover at retry_at, which looks for it first
    assert (row.status, row.lease_owner, row.lease_expires_at, row.available_at) == (
        "sending",
        None,
        retry_at,
        retry_at,
    )
    row = rows[failed.id]
    assert (row.status, row.lease_owner, row.platform_message_id) == ("failed", None, "")
    assert row.detail == "x" * 2000
    row = rows[taken_over.id]  # as sender-2 holds it
    assert (row.status, row.lease_owner, row.attempts, row.sent_at) == (
        "sending",
        "sender-2",
        2,
        None,
    )


async def test_outcomes_of_rows_another_sender_already_finished_are_not_recorded(
    harness: Harness,
) -> None:
    await queue_monday_reminders(harness, MANAGERS[:2])
    first, other = await claim(harness, "sender-1")
    now = harness.clock.now()
    async with transaction(harness.database.engine) as work:
        assert await work.rituals.finish_outboxes(
            "sender-1", [OutboxOutcome(first, "sent", now, platform_message_id="A")]
        ) == {first.id}
    later = now + timedelta(seconds=5)

    async with transaction(harness.database.engine) as work:
        recorded = await work.rituals.finish_outboxes(
            "sender-1",
            [
                OutboxOutcome(first, "failed", later, detail="late echo"),
                OutboxOutcome(other, "sent", later, platform_message_id="B"),
            ],
        )
        assert await work.rituals.finish_outboxes("sender-2", []) == set()

    assert recorded == {other.id}
    rows = await rows_by_id(harness)
    assert (rows[first.id].status, rows[first.id].sent_at) == ("sent", now)
    assert (rows[other.id].status, rows[other.id].platform_message_id) == ("sent", "B")
