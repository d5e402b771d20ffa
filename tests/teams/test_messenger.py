"""Proactive posts (rituals) through TeamsMessenger: references, back-off, blocked chats, splits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from adapters.teams.render import render_message
from bot.delivery import DeliveryStatus, Target, TargetKind
from bot.messages import Button, Buttons, Heading, Message, Paragraph, Visibility
from bot.model import Locale, Tenant
from storage.database import Database
from storage.teams_models import TeamsConversationRow
from tests.fakes.identity import FakeIdentity
from tests.fakes.teams_connector import FakeTeamsConnector
from tests.support.clock import FakeClock
from tests.teams.activities import (
    MARIE,
    TEAM_CHANNEL,
    TENANT_A,
    TENANT_B,
    bot_added_to_team,
    personal_conversation,
    personal_install,
    personal_message,
)
from tests.teams.card_schema import validate_card
from tests.teams.conftest import TeamsServer, make_config, start_server

TEAMS_A = Tenant(1, "teams", TENANT_A, "A", Locale.FR, "Europe/Paris")
TEAMS_B = Tenant(2, "teams", TENANT_B, "B", Locale.FR, "Europe/Paris")
CHANNEL = Target(TargetKind.CHANNEL, TEAM_CHANNEL)
MARIE_DM = Target(TargetKind.MEMBER, "aad-marie")
PAUL_DM = Target(TargetKind.MEMBER, "aad-paul")
RITUAL = Message(
    "Rituel du lundi\nOù en sont vos quick wins ?",
    (
        Heading("Rituel du lundi"),
        Paragraph("Où en sont vos quick wins ?"),
        Buttons((Button("Saisir un résultat", "quickwin.log.open"),)),
    ),
    visibility=Visibility.CHANNEL,
    kind="ritual",
)


@pytest.fixture
async def installed(teams: TeamsServer) -> TeamsServer:
    """The bot was added to a team and installed by Marie in her personal scope."""
    for activity in (bot_added_to_team(teams.service_url), personal_install(teams.service_url)):
        status, body = await teams.post(activity)
        assert status in (200, 202), body
    assert teams.connector.attempts == []
    return teams


async def test_posts_in_a_channel(installed: TeamsServer) -> None:
    delivery = await installed.adapter.messenger.send(TEAMS_A, CHANNEL, RITUAL, delivery_key="r1")
    assert delivery.status is DeliveryStatus.SENT
    assert delivery.platform_message_id == "activity-1"
    [sent] = installed.connector.attempts
    assert sent.kind == "send" and sent.conversation_id == TEAM_CHANNEL
    assert sent.body["from"]["id"] == "28:boussole-bot"
    assert sent.authorization.startswith("Bearer bot-token-")
    validate_card(sent.cards[0])
    assert "Rituel du lundi" in sent.cards[0]["fallbackText"]


async def test_posts_in_a_personal_chat(installed: TeamsServer) -> None:
    delivery = await installed.adapter.messenger.send(TEAMS_A, MARIE_DM, RITUAL, delivery_key="r1")
    assert delivery.status is DeliveryStatus.SENT
    [sent] = installed.connector.attempts
    assert sent.conversation_id == personal_conversation(MARIE)["id"]


async def test_opens_a_personal_chat_with_a_team_member(installed: TeamsServer) -> None:
    messenger = installed.adapter.messenger
    first = await messenger.send(TEAMS_A, PAUL_DM, RITUAL, delivery_key="r1")
    assert first.status is DeliveryStatus.SENT
    create, sent = installed.connector.attempts
    assert create.kind == "create"
    assert create.body["members"][0]["id"] == "29:aad-paul"
    assert create.body["bot"]["id"] == "28:boussole-bot"
    assert sent.kind == "send" and sent.conversation_id == create.answered_id
    second = await messenger.send(TEAMS_A, PAUL_DM, RITUAL, delivery_key="r2")
    assert second.status is DeliveryStatus.SENT
    assert [a.kind for a in installed.connector.attempts] == ["create", "send", "send"]


async def test_unknown_targets_fail_without_any_request(installed: TeamsServer) -> None:
    messenger = installed.adapter.messenger
    stranger = Target(TargetKind.MEMBER, "aad-stranger")
    other_channel = Target(TargetKind.CHANNEL, "19:elsewhere@thread.tacv2")
    for target in (stranger, other_channel):
        delivery = await messenger.send(TEAMS_A, target, RITUAL, delivery_key=f"k-{target.id}")
        assert delivery.status is DeliveryStatus.FAILED
    slack = Tenant(3, "slack", TENANT_A, "S", Locale.FR, "Europe/Paris")
    assert (await messenger.send(slack, CHANNEL, RITUAL, delivery_key="s")).status is (
        DeliveryStatus.FAILED
    )
    assert installed.connector.attempts == []


async def test_tenants_are_isolated(installed: TeamsServer) -> None:
    """Tenant B cannot reach tenant A's channel or members, even knowing their ids."""
    messenger = installed.adapter.messenger
    for target in (CHANNEL, MARIE_DM, PAUL_DM):
        delivery = await messenger.send(TEAMS_B, target, RITUAL, delivery_key=f"b-{target.id}")
        assert delivery.status is DeliveryStatus.FAILED
    assert installed.connector.attempts == []


async def test_throttling_backs_off_with_jitter_then_succeeds(installed: TeamsServer) -> None:
    installed.connector.fail_next(429, times=2, headers={"Retry-After": "2"})
    delivery = await installed.adapter.messenger.send(TEAMS_A, CHANNEL, RITUAL, delivery_key="r1")
    assert delivery.status is DeliveryStatus.SENT
    assert len(installed.connector.attempts) == 3
    assert len(installed.connector.received) == 1
    assert len(installed.slept) == 2 and all(seconds >= 2 for seconds in installed.slept)


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_transient_statuses_are_retried(installed: TeamsServer, status: int) -> None:
    installed.connector.fail_next(status)
    delivery = await installed.adapter.messenger.send(TEAMS_A, CHANNEL, RITUAL, delivery_key="r1")
    assert delivery.status is DeliveryStatus.SENT
    assert len(installed.connector.attempts) == 2
    assert len(installed.connector.received) == 1
    assert len(installed.slept) == 1


async def test_persistent_throttling_reports_retry_after_the_allowed_attempts(
    installed: TeamsServer,
) -> None:
    installed.connector.fail_next(429, times=10, headers={"Retry-After": "7"})
    delivery = await installed.adapter.messenger.send(TEAMS_A, CHANNEL, RITUAL, delivery_key="r1")
    assert delivery.status is DeliveryStatus.RETRY
    assert delivery.retry_after == 7
    assert len(installed.connector.attempts) == installed.adapter.config.send_attempts == 4
    assert installed.connector.received == []
    # the jittered delays grow: base 1 s doubling, never below Retry-After
    assert len(installed.slept) == 3


async def test_other_server_errors_are_not_retried_in_place(installed: TeamsServer) -> None:
    installed.connector.fail_next(500)
    delivery = await installed.adapter.messenger.send(TEAMS_A, CHANNEL, RITUAL, delivery_key="r1")
    assert delivery.status is DeliveryStatus.RETRY
    installed.connector.fail_next(404)
    delivery = await installed.adapter.messenger.send(TEAMS_A, CHANNEL, RITUAL, delivery_key="r2")
    assert delivery.status is DeliveryStatus.FAILED
    assert len(installed.connector.attempts) == 2
    assert installed.slept == []


async def test_blocked_chat_is_marked_and_never_retried(installed: TeamsServer) -> None:
    messenger = installed.adapter.messenger
    installed.connector.block_writes()
    delivery = await messenger.send(TEAMS_A, MARIE_DM, RITUAL, delivery_key="r1")
    assert delivery.status is DeliveryStatus.BLOCKED
    assert len(installed.connector.attempts) == 1 and installed.slept == []
    later = await messenger.send(TEAMS_A, MARIE_DM, RITUAL, delivery_key="r2")
    assert later.status is DeliveryStatus.BLOCKED
    assert len(installed.connector.attempts) == 1  # not even tried
    # Marie unblocks the bot and writes to it: the chat is usable again
    status, _ = await installed.post(personal_message(installed.service_url, "aide"))
    assert status == 202
    replies = len(installed.connector.attempts)
    again = await messenger.send(TEAMS_A, MARIE_DM, RITUAL, delivery_key="r3")
    assert again.status is DeliveryStatus.SENT
    assert len(installed.connector.attempts) == replies + 1


async def test_another_403_fails_without_blocking(installed: TeamsServer) -> None:
    installed.connector.fail_next(403, body={"error": {"code": "BotNotInConversationRoster"}})
    delivery = await installed.adapter.messenger.send(TEAMS_A, CHANNEL, RITUAL, delivery_key="r1")
    assert delivery.status is DeliveryStatus.FAILED
    again = await installed.adapter.messenger.send(TEAMS_A, CHANNEL, RITUAL, delivery_key="r2")
    assert again.status is DeliveryStatus.SENT


def long_message() -> Message:
    paragraphs = tuple(Paragraph(f"Paragraphe {i} " + "é" * 1900) for i in range(16))
    return Message("Compte rendu", (Heading("Compte rendu"), *paragraphs), kind="ritual")


async def test_long_content_is_split_into_several_activities(installed: TeamsServer) -> None:
    delivery = await installed.adapter.messenger.send(
        TEAMS_A, CHANNEL, long_message(), delivery_key="long"
    )
    assert delivery.status is DeliveryStatus.SENT
    sent = installed.connector.received
    assert len(sent) == len(render_message(long_message())) >= 3
    for item in sent:
        assert item.raw_size <= 28_000
        validate_card(item.cards[0])
    assert delivery.platform_message_id == sent[0].answered_id
    found = await installed.adapter.messenger.find_sent(TEAMS_A, CHANNEL, "long")
    assert found is not None and found.platform_message_id == sent[0].answered_id


async def test_a_retried_delivery_sends_only_what_is_missing(installed: TeamsServer) -> None:
    messenger = installed.adapter.messenger
    first = await messenger.send(TEAMS_A, CHANNEL, long_message(), delivery_key="long")
    assert first.status is DeliveryStatus.SENT
    parts = len(render_message(long_message()))
    assert len(installed.connector.received) == parts
    again = await messenger.send(TEAMS_A, CHANNEL, long_message(), delivery_key="long")
    assert again.status is DeliveryStatus.SENT
    assert again.platform_message_id == first.platform_message_id
    assert len(installed.connector.attempts) == parts  # nothing sent twice


async def test_a_partly_sent_message_resumes_where_it_stopped(installed: TeamsServer) -> None:
    messenger = installed.adapter.messenger
    connector = installed.connector
    connector.succeed_next(1)
    connector.fail_next(500)
    first = await messenger.send(TEAMS_A, CHANNEL, long_message(), delivery_key="long")
    assert first.status is DeliveryStatus.RETRY
    assert len(connector.received) == 1
    resumed = await messenger.send(TEAMS_A, CHANNEL, long_message(), delivery_key="long")
    assert resumed.status is DeliveryStatus.SENT
    assert len(connector.received) == len(render_message(long_message()))  # the rest only
    assert len(connector.attempts) == len(connector.received) + 1  # one failed attempt
    assert resumed.platform_message_id == connector.received[0].answered_id


@pytest.fixture
async def other_server(
    installed: TeamsServer,
    database: Database,
    clock: FakeClock,
    identity: FakeIdentity,
    connector: FakeTeamsConnector,
) -> AsyncIterator[TeamsServer]:
    """A second process on the same database (a restart, or another web worker)."""
    server, runner = await start_server(make_config(identity), database, clock, identity, connector)
    try:
        yield server
    finally:
        await server.http.close()
        await runner.cleanup()


async def test_references_survive_a_restart(other_server: TeamsServer) -> None:
    delivery = await other_server.adapter.messenger.send(
        TEAMS_A, CHANNEL, RITUAL, delivery_key="after-restart"
    )
    assert delivery.status is DeliveryStatus.SENT
    assert len(other_server.connector.received) == 1


async def test_hosts_removed_from_the_allow_list_are_not_contacted(
    installed: TeamsServer,
    database: Database,
    clock: FakeClock,
    identity: FakeIdentity,
    connector: FakeTeamsConnector,
) -> None:
    config = make_config(identity, allowed_service_hosts=("smba.trafficmanager.net",))
    server, runner = await start_server(config, database, clock, identity, connector)
    try:
        delivery = await server.adapter.messenger.send(TEAMS_A, CHANNEL, RITUAL, delivery_key="x")
        assert delivery.status is DeliveryStatus.FAILED
        assert connector.attempts == []
    finally:
        await server.http.close()
        await runner.cleanup()


async def test_blocked_flag_is_stored(installed: TeamsServer) -> None:
    installed.connector.block_writes()
    await installed.adapter.messenger.send(TEAMS_A, MARIE_DM, RITUAL, delivery_key="r1")
    engine = installed.adapter.conversations._engine
    async with engine.connect() as connection:
        rows = (await connection.execute(select(TeamsConversationRow))).all()
    blocked = {(r.conversation_type, r.blocked) for r in rows}
    assert blocked == {("channel", False), ("personal", True)}
