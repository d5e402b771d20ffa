"""OAuth v2 install into many workspaces, through Bolt's flow and slack_sdk's SQLAlchemy stores on
our database; a reinstall switches the tenant back on; tokens are rotated before they expire."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from adapters.slack.tenants import set_tenant_active
from storage.database import Database
from storage.slack_models import slack_installations, slack_oauth_states
from tests.fakes.slack_api import FakeSlackApi, Grant
from tests.slack.conftest import MakeHarness
from tests.slack.harness import CLIENT_ID, TEAM_B, SlackHarness, command_payload, tenant_of


async def start_install(slack: SlackHarness) -> tuple[str, str]:
    """GET /slack/install: the authorize URL's state and the browser cookie."""
    async with slack.client.get("/slack/install") as response:
        assert response.status == 200
        page = await response.text()
        cookie = response.headers["Set-Cookie"]
    url = re.search(r'href="(https://slack\.example/oauth/v2/authorize\?[^"]+)"', page)
    assert url is not None
    query = parse_qs(urlparse(url.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["https://boussole.example.com/slack/oauth_redirect"]
    assert "commands" in query["scope"][0].split(",")
    state = query["state"][0]
    assert f"slack-app-oauth-state={state}" in cookie
    return state, cookie.split(";")[0]


async def finish_install(slack: SlackHarness, code: str, state: str, cookie: str) -> int:
    async with slack.client.get(
        "/slack/oauth_redirect", params={"code": code, "state": state}, headers={"Cookie": cookie}
    ) as response:
        return response.status


async def tenant_active(database: Database, team: str) -> bool:
    return (await tenant_of(database, team)).active


async def test_install_stores_the_installation_and_reactivates_the_tenant(
    make_harness: MakeHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    slack = await make_harness(multi=True)
    await tenant_active(database, TEAM_B)  # the workspace had used Boussole, then uninstalled it
    await set_tenant_active(database.engine, TEAM_B, False)
    slack_api.grant("code-1", Grant(TEAM_B, "bravo", "xoxb-bravo"))

    state, cookie = await start_install(slack)
    status = await finish_install(slack, "code-1", state, cookie)

    assert status == 200
    assert slack_api.count("oauth.v2.access") == 1
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(slack_installations))).mappings().all()
        states = (await connection.execute(select(slack_oauth_states))).all()
    assert [(r["team_id"], r["bot_token"], r["client_id"]) for r in rows] == [
        (TEAM_B, "xoxb-bravo", CLIENT_ID)
    ]
    assert states == []  # consumed
    assert await tenant_active(database, TEAM_B) is True

    await slack.command(command_payload(slack_api, "définir Un cap", team=TEAM_B))
    await slack.drain()
    assert [c.token for c in slack_api.of("chat.postMessage")] == ["xoxb-bravo"]


async def test_a_forged_or_replayed_state_installs_nothing(
    make_harness: MakeHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    slack = await make_harness(multi=True)
    slack_api.grant("code-1", Grant(TEAM_B, "bravo", "xoxb-bravo"))
    state, cookie = await start_install(slack)

    forged = await finish_install(slack, "code-1", "forged", "slack-app-oauth-state=forged")
    assert forged in (400, 401)
    assert await finish_install(slack, "code-1", state, cookie) == 200
    replayed = await finish_install(slack, "code-1", state, cookie)

    assert replayed in (400, 401)
    assert slack_api.count("oauth.v2.access") == 1


async def test_expiring_bot_tokens_are_rotated(
    make_harness: MakeHarness, slack_api: FakeSlackApi
) -> None:
    slack = await make_harness(multi=True, token_rotation=True)
    slack_api.grant(
        "code-1", Grant(TEAM_B, "bravo", "xoxe.xoxb-old", refresh_token="xoxe-1-r1", expires_in=60)
    )
    slack_api.grant(
        "xoxe-1-r1",
        Grant(TEAM_B, "bravo", "xoxe.xoxb-new", refresh_token="xoxe-1-r2", expires_in=43200),
    )
    state, cookie = await start_install(slack)
    assert await finish_install(slack, "code-1", state, cookie) == 200

    await slack.command(command_payload(slack_api, "définir Un cap", team=TEAM_B))
    await slack.drain()

    refreshes = [c for c in slack_api.of("oauth.v2.access") if c.params.get("grant_type")]
    assert [c.params["refresh_token"] for c in refreshes] == ["xoxe-1-r1"]
    assert [c.token for c in slack_api.of("chat.postMessage")] == ["xoxe.xoxb-new"]
