"""The Monday cap reminder: the same message (one payload) for the managers who have not read
the cap, a note for the one who has."""

from __future__ import annotations

from sqlalchemy import select

from rituals import codec
from storage.ritual_models import RitualOutboxRow
from tests.rituals.support import Harness, paris

MANAGERS = ("marie", "karim", "lea")


async def test_one_reminder_for_those_who_have_not_read_it_and_a_note_for_who_has(
    harness: Harness,
) -> None:
    harness.clock.set(paris(2026, 3, 6, 10, 0))
    await harness.company(MANAGERS)
    assert "⚠️" not in await harness.say("marie", "cap lu")
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.clock_a.planner.plan(harness.clock.now())
    harness.clock.set(paris(2026, 3, 9, 9, 0, 30))

    await harness.run()

    by_member = {post.target.id: post.message for post in harness.messenger.posts}
    assert sorted(by_member) == sorted(MANAGERS)
    assert by_member["karim"] == by_member["lea"]
    assert "lu le 06/03/2026" not in by_member["karim"].text
    assert "lu le 06/03/2026" in by_member["marie"].text
    # The outbox rows carry the payloads they were sent from: one encoding each.
    async with harness.database.engine.connect() as connection:
        rows = (await connection.execute(select(RitualOutboxRow))).all()
    payloads = {row.target_id: row.payload for row in rows}
    assert payloads["karim"] == payloads["lea"] == codec.dumps(by_member["karim"])
    assert payloads["marie"] == codec.dumps(by_member["marie"])
