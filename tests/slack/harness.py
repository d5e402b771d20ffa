"""Drives the real Slack adapter over loopback HTTP with correctly signed, Slack-shaped requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.oauth.installation_store.models.installation import Installation

from adapters.slack import SlackAdapter, SlackConfig
from bot.engine import Engine
from bot.model import Locale, Tenant
from storage.database import Database
from tests.fakes.slack_api import FakeSlackApi
from tests.support.clock import FakeClock

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM_A, TEAM_B = "T0AAAAAAA", "T0BBBBBBB"
TOKENS = {TEAM_A: "xoxb-team-a", TEAM_B: "xoxb-team-b"}
CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret"
CHANNEL = "C0GENERAL"


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def signature_headers(
    body: str | bytes, *, secret: str = SECRET, at: int | None = None
) -> dict[str, str]:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    timestamp = str(int(time.time()) if at is None else at)
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def command_payload(
    api: FakeSlackApi,
    text: str,
    *,
    command: str = "/cap",
    team: str = TEAM_A,
    user: str = "U0CLAIRE",
    user_name: str = "claire",
    channel: str = CHANNEL,
    trigger: str = "13345224609.738474920.1",
    hook: str = "cmd",
) -> dict[str, str]:
    payload = load("slash_command")
    payload.update(
        team_id=team,
        team_domain=team.lower(),
        user_id=user,
        user_name=user_name,
        channel_id=channel,
        command=command,
        text=text,
        trigger_id=trigger,
        response_url=api.response_url(hook),
    )
    return payload


def action_payload(
    api: FakeSlackApi,
    action_id: str,
    value: str,
    *,
    team: str = TEAM_A,
    user: str = "U0CLAIRE",
    user_name: str = "claire",
    channel: str | None = CHANNEL,
    message_ts: str = "1700000000.000001",
    action_ts: str = "1548426417.840180",
    trigger: str = "12466734323.1395872398",
    hook: str = "act",
) -> dict[str, Any]:
    payload = load("block_actions")
    payload["team"] = {"id": team, "domain": team.lower()}
    payload["user"] = {"id": user, "username": user_name, "name": user_name, "team_id": team}
    payload["trigger_id"] = trigger
    payload["actions"][0].update(action_id=action_id, value=value, action_ts=action_ts)
    if channel is None:  # a button in the App Home tab
        payload["container"] = {"type": "view", "view_id": "VHOME"}
        for key in ("channel", "message", "response_url"):
            payload.pop(key)
    else:
        payload["channel"] = {"id": channel, "name": "general"}
        payload["container"].update(channel_id=channel, message_ts=message_ts)
        payload["message"]["ts"] = message_ts
        payload["response_url"] = api.response_url(hook)
    return payload


def view_payload(
    callback_id: str,
    values: dict[str, dict[str, Any]],
    *,
    team: str = TEAM_A,
    user: str = "U0CLAIRE",
    user_name: str = "claire",
    private_metadata: str = "",
    trigger: str = "12345.98765.1",
    view_id: str = "VNHU13V36",
) -> dict[str, Any]:
    payload = load("view_submission")
    payload["team"] = {"id": team, "domain": team.lower()}
    payload["user"] = {"id": user, "username": user_name, "name": user_name, "team_id": team}
    payload["trigger_id"] = trigger
    view = payload["view"]
    view.update(
        id=view_id,
        team_id=team,
        app_installed_team_id=team,
        callback_id=callback_id,
        private_metadata=private_metadata,
    )
    view["state"] = {"values": {name: {"value": element} for name, element in values.items()}}
    return payload


def text_value(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select_value(value: str | None) -> dict[str, Any]:
    option = (
        None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    )
    return {"type": "static_select", "selected_option": option}


def checkbox_value(checked: bool) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": "x"}, "value": "true"}] if checked else []
    return {"type": "checkboxes", "selected_options": options}


def event_payload(
    name: str, *, team: str = TEAM_A, event_id: str | None = None, **event: Any
) -> dict[str, Any]:
    payload = load(name)
    payload["team_id"] = team
    payload["authorizations"][0]["team_id"] = team
    if event_id is not None:
        payload["event_id"] = event_id
    payload["event"].update(event)
    return payload


@dataclass
class HttpReply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class SlackHarness:
    """The real adapter on a real aiohttp server (127.0.0.1), talking to the fake Slack API."""

    def __init__(
        self,
        adapter: SlackAdapter,
        client: TestClient[web.Request, web.Application],
        api: FakeSlackApi,
    ) -> None:
        self.adapter = adapter
        self.client = client
        self.api = api

    async def post(
        self,
        body: str | bytes,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        path: str = "/slack/events",
    ) -> HttpReply:
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(signature_headers(body))
        all_headers.update(headers or {})
        async with self.client.post(path, data=body, headers=all_headers) as response:
            return HttpReply(response.status, await response.text())

    async def command(self, payload: dict[str, str], **kwargs: Any) -> HttpReply:
        return await self.post(urlencode(payload), **kwargs)

    async def interact(self, payload: dict[str, Any], **kwargs: Any) -> HttpReply:
        return await self.post(urlencode({"payload": json.dumps(payload)}), **kwargs)

    async def event(self, payload: dict[str, Any], **kwargs: Any) -> HttpReply:
        return await self.post(json.dumps(payload), content_type="application/json", **kwargs)

    async def drain(self) -> None:
        await self.adapter.drain()


def slack_config(api: FakeSlackApi, *, multi: bool = False, **overrides: Any) -> SlackConfig:
    base = SlackConfig(
        signing_secret=SECRET,
        bot_token=None if multi else TOKENS[TEAM_A],
        client_id=CLIENT_ID if multi else None,
        client_secret=CLIENT_SECRET if multi else None,
        public_base_url="https://boussole.example.com",
        api_base_url=api.base_url,
    )
    return replace(base, **overrides)


async def start_harness(
    config: SlackConfig, engine: Engine, database: Database, clock: FakeClock, api: FakeSlackApi
) -> SlackHarness:
    adapter = SlackAdapter(
        config,
        engine,
        database,
        clock,
        authorization_url="https://slack.example/oauth/v2/authorize",
    )
    web_app = web.Application()
    adapter.attach(web_app)
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    return SlackHarness(adapter, client, api)


async def install(harness: SlackHarness, team: str) -> None:
    """An OAuth installation of the app in `team`, as the OAuth flow would have saved it."""
    store = harness.adapter.installation_store
    assert store is not None
    harness.api.add_team(team, TOKENS[team])
    await store.async_save(
        Installation(
            app_id="A0BOUSSOLE",
            team_id=team,
            team_name=team.lower(),
            bot_token=TOKENS[team],
            bot_id=f"B{team}",
            bot_user_id=f"UBOT{team}",
            bot_scopes="commands,chat:write",
            user_id="U0INSTALL",
        )
    )


async def tenant_of(database: Database, team: str) -> Tenant:
    """The tenant of a Slack workspace (created, as the engine would, if new)."""
    async with database.store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("slack", team, "", Locale.FR, "Europe/Paris")
        return tenant
