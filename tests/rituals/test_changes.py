"""Changing a ritual while its occurrence is pending, and a tenant that uninstalled the bot."""

from __future__ import annotations

import pytest

from rituals.sender import SendReport
from tests.rituals.support import Harness, paris


async def queue_monday_reminder(harness: Harness) -> None:
    """The Monday 09:00 cap reminder claimed and queued (two messages), not sent yet."""
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    await harness.clock_a.planner.plan(harness.clock.now())
    harness.clock.set(paris(2026, 3, 9, 9, 0, 5))
    await harness.clock_a.planner.plan(harness.clock.now())
    assert [row.status for row in await harness.outbox()] == ["pending", "pending"]


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("rituel pause 1", "mis en pause. 2 message(s) en attente de l'ancien réglage annulé(s)."),
        ("rituel supprimer 1", "supprimé. 2 message(s) en attente"),
        ("rituel modifier 1 mardi 9h", "chaque mardi à 09:00"),
        ("rituel modifier 1 cible=direction", "✉️ direction en privé"),
    ],
)
async def test_a_change_while_an_occurrence_is_pending_cancels_its_messages(
    harness: Harness, command: str, answer: str
) -> None:
    await queue_monday_reminder(harness)

    reply = await harness.say("claire", command)
    await harness.run()

    assert answer in reply
    assert harness.messenger.posts == []
    assert [row.status for row in await harness.outbox()] == ["cancelled", "cancelled"]
    if "supprimer" not in command:  # the occurrence stays claimed: it is never posted later
        assert [o.status for o in await harness.occurrences(1)] == ["queued"]


async def test_an_edited_schedule_runs_at_its_new_time_only(harness: Harness) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    await harness.say("claire", "rituel modifier 1 mardi 9h")

    harness.clock.set(paris(2026, 3, 9, 9, 0, 5))
    await harness.run()
    assert harness.messenger.posts == []
    harness.clock.set(paris(2026, 3, 10, 9, 0, 5))
    await harness.run()
    assert len(harness.messenger.of_kind("ritual.cap_reminder")) == 2


async def test_a_pause_is_not_missed_and_a_resume_starts_from_now(harness: Harness) -> None:
    harness.clock.set(paris(2026, 3, 6, 12, 0))
    await harness.company()
    await harness.say("claire", "rituel pause 1")
    harness.clock.set(paris(2026, 3, 16, 12, 0))  # two Mondays pass while paused
    await harness.run()
    answer = await harness.say("claire", "rituel reprendre 1")
    harness.clock.set(paris(2026, 3, 23, 9, 0, 5))
    await harness.run()

    assert "Prochain : lundi 23 mars à 09:00 (dans 7 jours)" in answer
    assert len(harness.messenger.of_kind("ritual.cap_reminder")) == 2
    assert [o.status for o in await harness.occurrences(1)] == ["queued"]


async def test_a_tenant_that_uninstalled_the_bot_gets_no_posts(harness: Harness) -> None:
    await queue_monday_reminder(harness)

    await harness.uninstall()
    await harness.run()
    harness.clock.set(paris(2026, 3, 16, 9, 0, 5))  # and nothing the week after either
    await harness.run()

    assert harness.messenger.posts == []
    assert [row.status for row in await harness.outbox()] == ["cancelled", "cancelled"]
    assert [o.status for o in await harness.occurrences(1)] == ["queued"]  # no new claim


async def test_a_row_claimed_after_the_tenant_uninstalled_is_cancelled_not_posted(
    harness: Harness,
) -> None:
    """A drain sweeps uninstalled tenants' rows on its first claim only: a tenant uninstalled
    during the drain has its rows cancelled as their turn comes."""
    await queue_monday_reminder(harness)
    sender = harness.clock_a.sender
    await harness.uninstall()

    claimed = await sender.claim(10, sweep=False)  # a later claim of a running drain
    report = SendReport()
    for message, tenant in claimed:
        await sender.deliver(message, tenant, report)

    assert len(claimed) == 2 and all(tenant is not None for _, tenant in claimed)
    assert (report.cancelled, report.sent) == (2, 0)
    assert harness.messenger.posts == []
    assert [row.status for row in await harness.outbox()] == ["cancelled", "cancelled"]
