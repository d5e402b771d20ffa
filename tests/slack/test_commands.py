"""Slash commands over loopback on the real engine, SQLite and PostgreSQL: ack first, then the
answer (ephemeral) or the channel post; retries never apply twice; the database never delays
the acknowledgement."""

from __future__ import annotations

import json

from sqlalchemy import text

from bot.model import Locale, Role
from bot.requests import Command, Reply
from storage.database import Database
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi
from tests.slack.conftest import MakeHarness
from tests.slack.harness import CHANNEL, TEAM_A, SlackHarness, command_payload, install

CAP_TEXT = "Devenir la PME de référence à l'export d'ici 2028"


async def member_role(database: Database, user: str) -> Role | None:
    async with database.store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("slack", TEAM_A, "", Locale.FR, "Europe/Paris")
        member = await repo.get_member(tenant.id, user)
        return member.role if member else None


async def cap_versions(database: Database) -> int:
    async with database.store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("slack", TEAM_A, "", Locale.FR, "Europe/Paris")
        return len(await repo.cap_history(tenant.id, 50))


async def test_a_command_is_acknowledged_empty_then_answered_ephemerally(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    reply = await slack.command(command_payload(slack_api, "aide", command="/boussole"))

    assert (reply.status, reply.text) == (200, "")
    await slack.drain()
    answers = slack_api.of(RESPONSE_URL)
    assert [a.params["response_type"] for a in answers] == ["ephemeral", "ephemeral"]
    assert all(a.params["replace_original"] is False for a in answers)
    assert all(a.params["text"] and a.params["blocks"] for a in answers)
    assert slack_api.count("chat.postMessage") == 0
    assert slack_api.count("auth.test") == 1


async def test_a_team_visible_result_is_posted_in_the_channel(
    slack: SlackHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    await slack.command(command_payload(slack_api, f"définir {CAP_TEXT}"))
    await slack.drain()

    posts = slack_api.of("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].params["channel"] == CHANNEL
    assert posts[0].team_id == TEAM_A
    assert CAP_TEXT.replace("'", "'") in posts[0].params["text"]
    buttons = [
        element
        for block in posts[0].params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [b["action_id"] for b in buttons] == ["cap.ack"]
    assert await cap_versions(database) == 1


async def test_a_retried_or_duplicated_command_is_applied_and_posted_once(
    slack: SlackHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    payload = command_payload(slack_api, f"définir {CAP_TEXT}")
    first = await slack.command(payload)
    again = await slack.command(
        payload, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    await slack.drain()

    assert first.status == again.status == 200
    assert slack_api.count("chat.postMessage") == 1
    assert await cap_versions(database) == 1


async def test_typing_the_same_command_again_is_a_new_request(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    await slack.command(command_payload(slack_api, "voir", trigger="1.1.a"))
    await slack.command(command_payload(slack_api, "voir", trigger="1.1.b"))
    await slack.drain()

    texts = [c.params["text"] for c in slack_api.of(RESPONSE_URL)]
    assert len(texts) == 3  # welcome + cap, then cap again
    assert texts[1] == texts[2]


async def test_mentions_reach_the_core_as_ids_with_names(
    slack: SlackHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    await slack.command(command_payload(slack_api, "aide", command="/boussole"))
    await slack.command(
        command_payload(
            slack_api, "role <@U0MARIE|marie> manager", command="/boussole", trigger="2"
        )
    )
    await slack.drain()

    assert await member_role(database, "U0MARIE") is Role.MANAGER
    assert "marie" in slack_api.of(RESPONSE_URL)[-1].params["text"]


async def test_command_text_containing_the_word_payload_is_not_lost(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    await slack.command(
        command_payload(slack_api, "Le payload des relances doit rester court", command="/retex")
    )
    await slack.drain()

    posts = slack_api.of("chat.postMessage")
    assert len(posts) == 1
    assert "payload des relances" in posts[0].params["text"]


async def test_command_names_are_configurable(
    make_harness: MakeHarness, slack_api: FakeSlackApi
) -> None:
    slack = await make_harness(command_names={"/bsl-cap": "cap", "/qw": "quickwin"})

    renamed = await slack.command(command_payload(slack_api, "voir", command="/bsl-cap"))
    other = await slack.command(command_payload(slack_api, "voir", command="/cap", trigger="9"))
    await slack.drain()

    assert renamed.status == other.status == 200
    answers = slack_api.of(RESPONSE_URL)
    assert len(answers) == 2  # welcome + cap for /bsl-cap; nothing for the unknown /cap
    assert all(a.path == "/hooks/cmd" for a in answers)


async def test_the_ack_never_waits_for_a_busy_database(
    make_harness: MakeHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    slack = await make_harness(multi=True, ack_deadline_seconds=0.3)
    await install(slack, TEAM_A)
    payload = command_payload(slack_api, "aide", command="/boussole")

    async with database.engine.connect() as blocker:
        transaction = await blocker.begin()  # SQLite: holds the one pooled connection
        if database.dialect == "postgresql":
            await blocker.execute(
                text("LOCK TABLE slack_installations, tenant IN ACCESS EXCLUSIVE MODE")
            )
        reply = await slack.command(payload)  # answered while the database is locked
        assert (reply.status, reply.text) == (200, "")
        assert slack_api.count("auth.test") == 0  # Bolt is still waiting for the installation
        assert slack_api.count(RESPONSE_URL) == 0
        await transaction.rollback()

    await slack.drain()
    answers = slack_api.of(RESPONSE_URL)
    assert len(answers) == 2
    assert all(a.params["response_type"] == "ephemeral" for a in answers)


async def test_an_internal_failure_is_told_to_the_person(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    async def broken(_command: Command) -> Reply:
        raise RuntimeError("boom")

    slack.adapter.engine.handle = broken  # type: ignore[method-assign, assignment]
    await slack.command(command_payload(slack_api, "voir"))
    await slack.drain()

    answers = slack_api.of(RESPONSE_URL)
    assert len(answers) == 1
    assert "erreur interne" in answers[0].params["text"]
    assert json.dumps(answers[0].params).count("boom") == 0
