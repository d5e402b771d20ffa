"""Commands, card clicks and forms through the real SDK endpoint, on the real Engine and database."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot import actions
from storage.teams_models import TeamsConversationRow, TeamsMemberRow
from tests.fakes.teams_connector import Received
from tests.support.clock import FakeClock
from tests.teams.activities import (
    MARIE,
    PAUL,
    TEAM_CHANNEL,
    TENANT_A,
    TENANT_B,
    bot_added_to_team,
    card_click,
    channel_conversation,
    channel_message,
    personal_conversation,
    personal_message,
)
from tests.teams.card_schema import validate_card
from tests.teams.conftest import TeamsServer

QW_ADD = (
    'qw ajouter "Relance factures automatisée" kpi="Délai de paiement" unité=jours '
    "base=52 cible=38 échéance={due} resp=@{owner}"
)


async def said(teams: TeamsServer, activity: dict[str, Any]) -> list[Received]:
    """Post an activity; what the connector received because of it (every card validated)."""
    before = len(teams.connector.received)
    status, body = await teams.post(activity)
    assert status in (200, 202), body
    new = teams.connector.received[before:]
    for received in new:
        assert received.raw_size <= 28_000
        for card in received.cards:
            validate_card(card)
    return new


def texts(received: list[Received]) -> list[str]:
    return [card["fallbackText"] for r in received for card in r.cards]


def submit_actions(received: Received) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(received.cards)
    return found


def button(received: list[Received], action: str) -> tuple[Received, dict[str, Any]]:
    for item in received:
        for submit in submit_actions(item):
            if submit["data"]["boussole"]["action"] == action:
                return item, submit["data"]
    raise AssertionError(f"no {action} button in {texts(received)}")


async def setup_team(teams: TeamsServer) -> None:
    """The bot is added to a team by Paul; Marie, first to speak, becomes director."""
    assert await said(teams, bot_added_to_team(teams.service_url)) == []
    await said(teams, channel_message(teams.service_url, "aide"))
    await said(
        teams,
        channel_message(
            teams.service_url, "boussole role <at>Paul Dupont</at> manager", mentioned=[PAUL]
        ),
    )


async def test_personal_command_gets_cards_in_the_chat(teams: TeamsServer) -> None:
    received = await said(teams, personal_message(teams.service_url, "aide"))
    assert [r.kind for r in received] == ["reply", "reply"]  # welcome, then help
    conversation = personal_conversation(MARIE)["id"]
    assert {r.conversation_id for r in received} == {conversation}
    assert "Bienvenue Marie Curie" in texts(received)[0]
    assert "cap" in texts(received)[1]
    assert all(r.authorization.startswith("Bearer bot-token-") for r in received)
    assert all(r.body.get("summary") for r in received)
    assert len(teams.identity.token_requests) == 1  # the bot token is cached between turns
    assert teams.identity.token_requests[0]["client_id"] == teams.adapter.config.app_id


async def test_channel_command_strips_the_bot_mention_and_resolves_people(
    teams: TeamsServer,
) -> None:
    await setup_team(teams)
    received = await said(teams, channel_message(teams.service_url, "boussole roles"))
    assert len(received) == 1
    assert received[0].conversation_id == f"{TEAM_CHANNEL};messageid=1700000000000"
    listing = texts(received)[0]
    assert "Marie Curie · directeur·rice" in listing
    assert "Paul Dupont · manager" in listing  # @mention of Paul resolved to his Entra id


async def test_same_activity_delivered_twice_is_processed_once(teams: TeamsServer) -> None:
    activity = channel_message(teams.service_url, "cap définir Cap clair et partagé.")
    first = await said(teams, activity)
    assert len(first) == 2  # welcome + the new cap
    again = await said(teams, copy.deepcopy(activity))
    assert again == []
    history = await said(teams, channel_message(teams.service_url, "cap historique"))
    assert len(history) == 1
    assert "v1" in texts(history)[0] and "v2" not in texts(history)[0]


async def test_reading_the_cap_updates_its_card_in_place(teams: TeamsServer) -> None:
    await setup_team(teams)
    posted = await said(
        teams, channel_message(teams.service_url, "cap définir Cap clair et partagé.")
    )
    assert len(posted) == 1
    card_reply, data = button(posted, actions.ACK_CAP)
    assert data["boussole"]["value"].isdigit()
    click = card_click(
        teams.service_url,
        data,
        reply_to=card_reply.answered_id,
        user=PAUL,
        conversation=channel_conversation(thread="1700000000000"),
    )
    received = await said(teams, click)
    assert [r.kind for r in received] == ["update", "reply"]
    update, thanks = received
    assert update.activity_id == card_reply.answered_id
    assert "Lu par 1/1 managers" in texts([update])[0]
    assert "Merci Paul" in texts([thanks])[0]
    # Clicking again: the card is refreshed, Paul is told he already confirmed
    again = await said(teams, copy.deepcopy(click) | {"id": "second-click"})
    assert [r.kind for r in again] == ["update", "reply"]


async def test_log_result_form_validates_in_place_then_records(
    teams: TeamsServer, clock: FakeClock
) -> None:
    await setup_team(teams)
    due = (clock.now() + timedelta(days=70)).date().isoformat()
    added = await said(
        teams, channel_message(teams.service_url, QW_ADD.format(due=due, owner="Paul"))
    )
    assert any("QW-1" in text for text in texts(added))
    listing = await said(teams, personal_message(teams.service_url, "qw liste", user=PAUL))
    listed, opener = button(listing, actions.LOG_RESULT)
    opened = await said(
        teams, card_click(teams.service_url, opener, reply_to=listed.answered_id, user=PAUL)
    )
    assert len(opened) == 1 and opened[0].kind == "reply"
    form_reply, submit = button(opened, actions.SUBMIT_RESULT)
    inputs = [e["id"] for e in form_reply.cards[0]["body"] if e["type"].startswith("Input.")]
    assert inputs == ["quickwin", "value", "note"]

    bad = await said(
        teams,
        card_click(
            teams.service_url,
            submit | {"quickwin": "1", "value": "beaucoup", "note": ""},
            reply_to=form_reply.answered_id,
            user=PAUL,
        ),
    )
    assert [r.kind for r in bad] == ["update"]  # the error shows beside the input
    value_input = next(e for e in bad[0].cards[0]["body"] if e.get("id") == "value")
    assert value_input["value"] == "beaucoup" and value_input["errorMessage"]

    good = await said(
        teams,
        card_click(
            teams.service_url,
            submit | {"quickwin": "1", "value": "47,5", "note": "mi-parcours"},
            reply_to=form_reply.answered_id,
            user=PAUL,
        ),
    )
    assert [r.kind for r in good] == ["reply"]
    assert "47,5 jours" in texts(good)[0]


async def test_retex_form_with_the_anonymous_option(teams: TeamsServer) -> None:
    await setup_team(teams)
    await said(teams, channel_message(teams.service_url, "retex Le premier retex de Marie."))
    listing = await said(teams, personal_message(teams.service_url, "retex liste", user=PAUL))
    listed, opener = button(listing, actions.SHARE_RETEX)
    opened = await said(
        teams, card_click(teams.service_url, opener, reply_to=listed.answered_id, user=PAUL)
    )
    form_reply, submit = button(opened, actions.SUBMIT_RETEX)
    toggle = next(e for e in form_reply.cards[0]["body"] if e["type"] == "Input.Toggle")
    assert toggle["id"] == "anonymous"
    shared = await said(
        teams,
        card_click(
            teams.service_url,
            submit
            | {
                "text": "Les relances *automatiques* ont besoin d'un ton humain.",
                "quickwin": "",
                "anonymous": "true",
            },
            reply_to=form_reply.answered_id,
            user=PAUL,
        ),
    )
    assert len(shared) >= 1
    recent = await said(teams, channel_message(teams.service_url, "retex liste"))
    shown = "\n".join(texts(recent))
    assert "ton humain" in shown and "Paul" not in shown
    assert "une personne de l'équipe" in shown
    body_texts = [e.get("text", "") for r in recent for c in r.cards for e in c["body"]]
    assert any("\\*automatiques\\*" in text for text in body_texts)  # shown literally


async def test_kpi_summary_is_a_valid_card(teams: TeamsServer, clock: FakeClock) -> None:
    await setup_team(teams)
    due = (clock.now() + timedelta(days=70)).date().isoformat()
    await said(teams, channel_message(teams.service_url, QW_ADD.format(due=due, owner="Paul")))
    await said(teams, channel_message(teams.service_url, "qw saisir QW-1 45", user=PAUL))
    summary = await said(teams, channel_message(teams.service_url, "kpi"))
    assert len(summary) == 1
    body_types = {e["type"] for e in summary[0].cards[0]["body"]}
    assert "ColumnSet" in body_types  # the progress bar


async def test_conversations_and_members_are_remembered_per_tenant(teams: TeamsServer) -> None:
    await said(teams, bot_added_to_team(teams.service_url))
    await said(teams, personal_message(teams.service_url, "aide"))
    await said(teams, personal_message(teams.service_url, "aide", tenant=TENANT_B))
    engine = teams.adapter.conversations._engine
    async with engine.connect() as connection:
        conversations = (await connection.execute(select(TeamsConversationRow))).all()
        members = (await connection.execute(select(TeamsMemberRow))).all()
    by_tenant = sorted((c.tenant_external_id, c.conversation_type) for c in conversations)
    assert by_tenant == [(TENANT_A, "channel"), (TENANT_A, "personal"), (TENANT_B, "personal")]
    assert sorted((m.tenant_external_id, m.aad_object_id) for m in members) == [
        (TENANT_A, "aad-marie"),
        (TENANT_A, "aad-paul"),
        (TENANT_B, "aad-marie"),
    ]


async def test_tenants_are_isolated(teams: TeamsServer) -> None:
    await setup_team(teams)
    posted = await said(teams, channel_message(teams.service_url, "cap définir Cap de A."))
    card_reply, data = button(posted, actions.ACK_CAP)
    # Someone of tenant B replays tenant A's button: B has no such cap
    foreign = await said(
        teams,
        card_click(
            teams.service_url,
            data,
            reply_to=card_reply.answered_id,
            user=PAUL,
            tenant=TENANT_B,
        ),
    )
    assert [r.kind for r in foreign] == ["reply"]  # a refusal, and no card update
    assert "⚠️" in texts(foreign)[0]
    shown = await said(teams, channel_message(teams.service_url, "cap"))
    assert "Lu par 0/1 managers" in "\n".join(texts(shown))
    in_b = await said(teams, personal_message(teams.service_url, "cap", tenant=TENANT_B))
    assert "Cap de A" not in "\n".join(texts(in_b))
