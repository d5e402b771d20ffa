"""What each authenticated turn stores (conversation, people), and when a repeat skips it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.teams.recent_writes import RecentWrites
from adapters.teams.references import REMEMBER_REFRESH, ConversationStore
from bot.delivery import DeliveryStatus
from storage.teams_models import TeamsConversationRow, TeamsMemberRow
from tests.support.clock import FakeClock
from tests.teams.activities import (
    TEAM_CHANNEL,
    TENANT_A,
    channel_message,
    personal_install,
    personal_message,
)
from tests.teams.conftest import TeamsServer
from tests.teams.test_messenger import MARIE_DM, RITUAL, TEAMS_A

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_recent_writes_are_fresh_only_for_the_same_fingerprint_within_the_window() -> None:
    recent = RecentWrites(timedelta(seconds=60), capacity=2)
    recent.put("a", ("ref", 1), T0)

    assert recent.fresh("a", ("ref", 1), T0 + timedelta(seconds=59))
    assert not recent.fresh("a", ("ref", 1), T0 + timedelta(seconds=60))
    assert not recent.fresh("a", ("ref", 2), T0 + timedelta(seconds=1))
    assert not recent.fresh("a", ("ref", 1), T0 - timedelta(seconds=1))  # clock went back
    assert not recent.fresh("b", ("ref", 1), T0)
    recent.pop("a")
    assert not recent.fresh("a", ("ref", 1), T0)


def test_recent_writes_keep_at_most_capacity_dropping_the_oldest_write() -> None:
    recent = RecentWrites(timedelta(seconds=60), capacity=2)
    for key in ("a", "b", "c"):
        recent.put(key, key, T0)
    recent.put("b", "b", T0)  # rewritten: now the newest

    assert len(recent) == 2
    assert not recent.fresh("a", "a", T0)
    assert recent.fresh("b", "b", T0) and recent.fresh("c", "c", T0)
    with pytest.raises(ValueError):
        RecentWrites(timedelta(seconds=1), capacity=0)


def test_recent_writes_drop_what_is_past_the_window() -> None:
    """Past `refresh_after` a write skips nothing: it is forgotten at the next write, so the
    memory holds one window's writes, not `capacity` of them for ever."""
    recent = RecentWrites(timedelta(seconds=60), capacity=1000)
    for second in range(10):
        recent.put(f"early-{second}", "fp", T0 + timedelta(seconds=second))
    assert len(recent) == 10
    recent.put("later", "fp", T0 + timedelta(seconds=65))  # early-0 … early-5 are past
    assert len(recent) == 5
    assert recent.fresh("early-6", "fp", T0 + timedelta(seconds=65))
    assert not recent.fresh("early-5", "fp", T0 + timedelta(seconds=65))
    recent.put("back in time", "fp", T0)  # a clock set back forgets nothing it should keep
    assert len(recent) == 6


async def stored_times(server: TeamsServer) -> tuple[list[datetime], list[datetime]]:
    engine = server.adapter.conversations._engine
    personal = TeamsConversationRow.conversation_type == "personal"
    async with engine.connect() as connection:
        conversations = (
            await connection.execute(select(TeamsConversationRow.updated_at).where(personal))
        ).scalars()
        members = (await connection.execute(select(TeamsMemberRow.updated_at))).scalars()
        return [_utc(t) for t in conversations], [_utc(t) for t in members]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def test_a_repeated_turn_is_stored_once_per_window(
    teams: TeamsServer, clock: FakeClock
) -> None:
    status, _ = await teams.post(personal_install(teams.service_url))
    assert status in (200, 202)
    await teams.post(personal_message(teams.service_url, "aide"))
    first = clock.now()

    clock.advance(timedelta(seconds=10))
    await teams.post(personal_message(teams.service_url, "qw liste"))
    assert await stored_times(teams) == ([first], [first])  # the same reference: skipped

    clock.advance(REMEMBER_REFRESH)
    await teams.post(personal_message(teams.service_url, "aide"))
    later = clock.now()
    assert await stored_times(teams) == ([later], [later])


async def stored_references(server: TeamsServer) -> list[str]:
    engine = server.adapter.conversations._engine
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(TeamsConversationRow.reference).order_by(TeamsConversationRow.conversation_id)
        )
        return list(rows.scalars())


def renamed(person: dict[str, Any]) -> dict[str, Any]:
    """A copy of `person` under a new name (the builders share their people's dicts)."""
    return {**person, "name": "Marie Curie-Skłodowska"}


async def test_a_turn_saying_something_new_is_stored_at_once(
    teams: TeamsServer, clock: FakeClock
) -> None:
    """Within the window, whatever the stored reference is made of counts: the person's name,
    the bot's, the conversation's own fields, the locale. The activity's id does not."""
    await teams.post(personal_message(teams.service_url, "aide"))
    stored = await stored_references(teams)
    assert len(stored) == 1 and '"name":"Marie Curie"' in stored[0]
    changes: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
        ("Marie Curie-Skłodowska", lambda a: a.update({"from": renamed(a["from"])})),
        ("Boussole (test)", lambda a: a["recipient"].update(name="Boussole (test)")),
        ('"name":"Pilotage"', lambda a: a["conversation"].update(name="Pilotage")),
        ('"locale":"en-GB"', lambda a: a.update(locale="en-GB")),
    ]
    for made in range(1, len(changes) + 1):  # each turn adds one change to the last one's
        clock.advance(timedelta(seconds=1))
        activity = personal_message(teams.service_url, "aide")
        for _, change in changes[:made]:
            change(activity)
        await teams.post(activity)
        shown = changes[made - 1][0]
        stored = await stored_references(teams)
        assert len(stored) == 1 and shown in stored[0], shown
        assert await stored_times(teams) == ([clock.now()], [clock.now()]), shown
    clock.advance(timedelta(seconds=1))
    again = personal_message(teams.service_url, "aide")  # a new id, the same rest
    for _, change in changes:
        change(again)
    await teams.post(again)
    assert (await stored_times(teams))[0] == [clock.now() - timedelta(seconds=1)]


async def test_the_threads_of_a_channel_are_one_write_per_window(
    teams: TeamsServer, clock: FakeClock
) -> None:
    await teams.post(channel_message(teams.service_url, "aide"))
    first = clock.now()
    for thread in ("1700000000001", "1700000000002"):
        clock.advance(timedelta(seconds=1))
        activity = channel_message(teams.service_url, "aide")
        activity["conversation"]["id"] = f"{TEAM_CHANNEL};messageid={thread}"
        await teams.post(activity)
    engine = teams.adapter.conversations._engine
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(TeamsConversationRow.conversation_id, TeamsConversationRow.updated_at)
            )
        ).all()
    assert [(row.conversation_id, _utc(row.updated_at)) for row in rows] == [(TEAM_CHANNEL, first)]


async def test_a_chat_blocked_by_another_process_is_unblocked_within_the_window(
    teams: TeamsServer, clock: FakeClock
) -> None:
    """The clock process marks a chat blocked; the web process learns it when its memory of
    the last write expires: the user's next message after that unblocks the chat."""
    status, _ = await teams.post(personal_install(teams.service_url))
    assert status in (200, 202)
    engine = teams.adapter.conversations._engine
    other_process = ConversationStore(engine)
    async with engine.connect() as connection:
        conversation_id = (
            await connection.execute(
                select(TeamsConversationRow.conversation_id).where(
                    TeamsConversationRow.conversation_type == "personal"
                )
            )
        ).scalar_one()
    await other_process.mark_blocked(TENANT_A, conversation_id, clock.now())

    clock.advance(timedelta(seconds=5))
    await teams.post(personal_message(teams.service_url, "aide"))
    blocked = await teams.adapter.messenger.send(TEAMS_A, MARIE_DM, RITUAL, delivery_key="r1")
    assert blocked.status is DeliveryStatus.BLOCKED

    clock.advance(REMEMBER_REFRESH)
    await teams.post(personal_message(teams.service_url, "aide"))
    sent = await teams.adapter.messenger.send(TEAMS_A, MARIE_DM, RITUAL, delivery_key="r2")
    assert sent.status is DeliveryStatus.SENT


async def test_a_chat_blocked_by_this_process_is_unblocked_by_the_next_message(
    teams: TeamsServer, clock: FakeClock
) -> None:
    status, _ = await teams.post(personal_install(teams.service_url))
    assert status in (200, 202)
    teams.connector.block_writes()
    blocked = await teams.adapter.messenger.send(TEAMS_A, MARIE_DM, RITUAL, delivery_key="r1")
    assert blocked.status is DeliveryStatus.BLOCKED

    clock.advance(timedelta(seconds=1))
    await teams.post(personal_message(teams.service_url, "aide"))

    engine = teams.adapter.conversations._engine
    async with engine.connect() as connection:
        flags = (await connection.execute(select(TeamsConversationRow.blocked))).scalars().all()
    assert flags == [False]


def test_the_stored_reference_is_the_channel_s_and_leaves_the_turn_s_untouched() -> None:
    """What is stored: the channel (not the thread), no activity or request id; the turn's own
    reference, which the SDK goes on using, keeps them."""
    from microsoft_agents.activity import Activity, ConversationReference

    from adapters.teams.references import _storable

    activity = Activity.model_validate(
        {
            "type": "message",
            "id": "1700000000001",
            "serviceUrl": "https://smba.trafficmanager.net/emea/",
            "channelId": "msteams",
            "from": {"id": "29:marie", "name": "Marie", "aadObjectId": "aad-marie"},
            "recipient": {"id": "28:bot", "name": "Boussole"},
            "conversation": {"id": "19:channel@thread.tacv2;messageid=1700000000000"},
            "locale": "fr-FR",
        }
    )
    reference = activity.get_conversation_reference()
    reference.request_id = "request-1"
    before = reference.model_dump_json()
    stored = _storable(reference)
    assert isinstance(stored, ConversationReference)
    assert stored.conversation.id == "19:channel@thread.tacv2"
    assert stored.activity_id is None and stored.request_id is None
    assert (stored.user, stored.agent, stored.service_url, stored.locale) == (
        reference.user,
        reference.agent,
        reference.service_url,
        reference.locale,
    )
    assert reference.model_dump_json() == before  # the turn's reference is unchanged
    assert reference.conversation.id.endswith(";messageid=1700000000000")
    assert reference.activity_id == "1700000000001"
