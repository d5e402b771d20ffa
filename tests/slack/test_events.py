"""Events API over loopback: URL verification, the App Home tab, and uninstall / token
revocation switching only that workspace's tenant off."""

from __future__ import annotations

from sqlalchemy import select

from bot.model import Locale
from storage.database import Database
from storage.slack_models import slack_bots, slack_installations
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import MakeHarness
from tests.slack.harness import (
    TEAM_A,
    TEAM_B,
    SlackHarness,
    command_payload,
    event_payload,
    install,
    load,
    tenant_of,
)


async def tenant_active(database: Database, team: str) -> bool:
    return (await tenant_of(database, team)).active


async def installed_teams(database: Database) -> tuple[list[str], list[str]]:
    async with database.engine.connect() as connection:
        installs = (await connection.execute(select(slack_installations.c.team_id))).scalars()
        bots = (await connection.execute(select(slack_bots.c.team_id))).scalars()
        return sorted(installs), sorted(bots)


async def test_url_verification_echoes_the_challenge(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    payload = load("url_verification")

    reply = await slack.event(payload)

    assert reply.status == 200
    assert reply.json() == {"challenge": payload["challenge"]}
    assert slack_api.calls == []


async def test_opening_the_home_tab_publishes_the_home_view(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    await slack.command(command_payload(slack_api, "définir Cap clair et partagé"))
    await slack.drain()
    before = slack_api.count("views.publish")

    reply = await slack.event(event_payload("app_home_opened", user="U0MARIE"))
    messages_tab = await slack.event(
        event_payload("app_home_opened", user="U0MARIE", tab="messages", event_id="Ev2")
    )
    await slack.drain()

    assert reply.status == messages_tab.status == 200
    published = slack_api.of("views.publish")[before:]
    assert len(published) == 1
    assert published[0].params["user_id"] == "U0MARIE"
    view = published[0].params["view"]
    assert view["type"] == "home"
    assert len(view["blocks"]) <= 100
    texts = " ".join(str(b) for b in view["blocks"])
    assert "Cap clair et partagé" in texts
    action_ids = [
        e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert action_ids == ["cap.ack", "quickwin.log.open", "retex.open"]


async def test_a_command_that_changes_data_publishes_the_refreshed_home_once(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    await slack.command(command_payload(slack_api, "définir Premier cap"))
    await slack.drain()
    before = slack_api.count("views.publish")

    await slack.command(command_payload(slack_api, "définir Deuxième cap, plus clair"))
    await slack.command(command_payload(slack_api, "voir", hook="cmd2"))  # changes nothing
    await slack.drain()

    published = slack_api.of("views.publish")[before:]
    assert [call.params["user_id"] for call in published] == ["U0CLAIRE"]
    texts = " ".join(str(b) for b in published[0].params["view"]["blocks"])
    assert "Deuxième cap, plus clair" in texts and "Premier cap" not in texts


async def test_changes_made_while_the_home_is_being_published_merge_into_one_more_publish(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    """Three changes land while Slack holds the first `views.publish`: one more publish follows
    it, with the state after the last change (not three, each with its own state)."""
    await slack.command(command_payload(slack_api, "voir"))  # Claire is known, no change
    await slack.drain()
    held = slack_api.hold("views.publish")
    await slack.command(command_payload(slack_api, "définir Cap un", trigger="t1", hook="h1"))
    await slack_api.wait_for("views.publish")
    announced = slack_api.count("chat.postMessage")
    for number, name in ((2, "deux"), (3, "trois"), (4, "quatre")):
        text = f"définir Cap {name}"
        await slack.command(
            command_payload(slack_api, text, trigger=f"t{number}", hook=f"h{number}")
        )
    await slack_api.wait_for("chat.postMessage", announced + 3)  # each stored and announced
    held.set()
    await slack.drain()

    published = slack_api.of("views.publish")
    assert len(published) == 2, [call.params["user_id"] for call in published]
    first, last = (" ".join(str(b) for b in call.params["view"]["blocks"]) for call in published)
    assert "Cap un" in first
    assert "Cap quatre" in last and "Cap trois" not in last


async def test_home_keeps_the_name_a_command_gave(
    slack: SlackHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    await slack.command(command_payload(slack_api, "voir", user="U0MARIE", user_name="marie"))
    await slack.event(event_payload("app_home_opened", user="U0MARIE"))
    await slack.drain()

    async with database.store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("slack", TEAM_A, "", Locale.FR, "Europe/Paris")
        member = await repo.get_member(tenant.id, "U0MARIE")
    assert member is not None and member.display_name == "marie"


async def test_uninstall_disables_only_that_workspace(
    make_harness: MakeHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    slack = await make_harness(multi=True)
    await install(slack, TEAM_A)
    await install(slack, TEAM_B)
    for team in (TEAM_A, TEAM_B):
        await slack.command(command_payload(slack_api, "voir", team=team, hook=team))
    await slack.drain()
    calls_before = len(slack_api.calls)

    reply = await slack.event(event_payload("app_uninstalled", team=TEAM_A))
    retried = await slack.event(
        event_payload("app_uninstalled", team=TEAM_A),
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    await slack.drain()

    assert reply.status == retried.status == 200
    assert slack_api.calls[calls_before:] == []  # no auth.test, nothing posted
    assert await tenant_active(database, TEAM_A) is False
    assert await tenant_active(database, TEAM_B) is True
    assert await installed_teams(database) == ([TEAM_B], [TEAM_B])

    await slack.command(
        command_payload(slack_api, "voir", team=TEAM_B, hook="b-after", trigger="after")
    )
    await slack.drain()
    assert slack_api.of("response_url")[-1].path == "/hooks/b-after"


async def test_revoked_bot_token_disables_the_workspace(
    make_harness: MakeHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    slack = await make_harness(multi=True)
    await install(slack, TEAM_A)
    await install(slack, TEAM_B)
    await slack.command(command_payload(slack_api, "voir", team=TEAM_A))
    await slack.drain()

    reply = await slack.event(event_payload("tokens_revoked", team=TEAM_A))
    await slack.drain()

    assert reply.status == 200
    assert await tenant_active(database, TEAM_A) is False
    installs, bots = await installed_teams(database)
    assert bots == [TEAM_B]
    assert installs == [TEAM_A, TEAM_B]  # the installer's record stays; its bot token is gone


async def test_single_workspace_uninstall_disables_the_tenant(
    slack: SlackHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    await slack.command(command_payload(slack_api, "voir"))
    await slack.drain()

    await slack.event(event_payload("app_uninstalled"))
    await slack.drain()
    await slack.command(command_payload(slack_api, "voir", trigger="after", hook="after"))
    await slack.drain()

    assert await tenant_active(database, TEAM_A) is False
    answer = slack_api.of("response_url")[-1]
    assert answer.path == "/hooks/after"
    assert "désactivé" in answer.params["text"]
