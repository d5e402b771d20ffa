"""A workspace client's JSON calls (chat.postMessage, views.publish...) skip slack_sdk's general
request path: the same request on the wire, the same 429 rule, the same errors."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError

from adapters.slack.clients import (
    RATE_LIMIT_RETRIES,
    RateLimited,
    RateLimits,
    SlackApiClient,
    SlackClients,
    TeamWebClient,
)
from adapters.slack.config import SlackConfig

TEAM, TOKEN = "T0JSON", "xoxb-json"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Cap* du lundi"}}]
METADATA = {"event_type": "boussole_delivery", "event_payload": {"delivery_key": "k-1"}}


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Recorder:
    """A loopback Slack Web API that records each request and answers from a script."""

    seen: list[Seen] = field(default_factory=list)
    script: deque[web.Response] = field(default_factory=deque)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.seen.append(Seen(request.path, dict(request.headers), json.loads(raw)))
        if self.script:
            return self.script.popleft()
        return web.json_response({"ok": True, "channel": "C0JSON", "ts": "1700000000.000001"})


class Sleeps:
    def __init__(self) -> None:
        self.slept: list[float] = []
        self.now = 0.0

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
async def recorder(unused_tcp_port: int) -> AsyncIterator[tuple[Recorder, str]]:
    fake = Recorder()
    app = web.Application()
    app.router.add_post("/api/{method}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    yield fake, f"http://127.0.0.1:{unused_tcp_port}/api/"
    await runner.cleanup()


@pytest.fixture
async def clients(recorder: tuple[Recorder, str]) -> AsyncIterator[tuple[SlackClients, Sleeps]]:
    sleeps = Sleeps()
    config = SlackConfig(signing_secret="s", bot_token=TOKEN, api_base_url=recorder[1])
    made = SlackClients(config, RateLimits(sleep=sleeps.sleep, now=sleeps.monotonic))
    yield made, sleeps
    await made.close()


def client(clients: tuple[SlackClients, Sleeps], max_wait: float = 0.0) -> TeamWebClient:
    return clients[0].for_team(TEAM, TOKEN, max_wait=max_wait)


async def test_a_post_goes_out_as_slack_sdk_would_send_it(
    recorder: tuple[Recorder, str], clients: tuple[SlackClients, Sleeps]
) -> None:
    fake, _ = recorder
    team = client(clients)
    fields: dict[str, Any] = {"channel": "C0JSON", "text": "Cap", "blocks": BLOCKS}

    direct = await team.chat_postMessage(**fields, metadata=METADATA, unfurl_links=False)
    through_sdk = await SlackApiClient.api_call(
        team, "chat.postMessage", json={**fields, "metadata": METADATA, "unfurl_links": False}
    )

    first, second = fake.seen
    assert first.path == second.path == "/api/chat.postMessage"
    assert first.body == second.body
    assert first.body["metadata"] == METADATA and first.body["blocks"] == BLOCKS
    for name in ("Authorization", "Content-Type", "User-Agent"):
        assert first.headers[name] == second.headers[name], name
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert direct["ts"] == through_sdk["ts"] == "1700000000.000001"
    assert set(direct.req_args) == {"json"} and "headers" in through_sdk.req_args  # two paths
    assert direct.status_code == 200 and direct.api_url.endswith("/api/chat.postMessage")


async def test_post_message_sends_the_body_slack_sdk_s_chat_post_message_sends(
    recorder: tuple[Recorder, str], clients: tuple[SlackClients, Sleeps]
) -> None:
    fake, _ = recorder
    team = client(clients)
    fields: dict[str, Any] = {
        "channel": "C0JSON",
        "text": "Cap",
        "blocks": BLOCKS,
        "metadata": METADATA,
        "unfurl_links": False,
        "unfurl_media": False,
    }

    ours = await team.post_message(**fields, thread_ts=None)
    theirs = await team.chat_postMessage(**fields)

    first, second = fake.seen
    assert first.path == second.path == "/api/chat.postMessage"
    assert first.body == second.body == fields  # a field left None is not sent
    assert first.headers["Authorization"] == second.headers["Authorization"]
    assert ours["ts"] == theirs["ts"] == "1700000000.000001"


async def test_a_short_429_is_waited_out_and_retried_as_the_retry_handler_does(
    recorder: tuple[Recorder, str], clients: tuple[SlackClients, Sleeps]
) -> None:
    fake, _ = recorder
    fake.script.extend(
        [
            web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "2"}
            )
        ]
    )
    answer = await client(clients, max_wait=5.0).views_publish(user_id="U1", view={"type": "home"})

    assert answer["ok"] is True
    assert len(fake.seen) == 2 and clients[1].slept == [2.0]


async def test_429s_beyond_the_retries_end_in_the_429_error(
    recorder: tuple[Recorder, str], clients: tuple[SlackClients, Sleeps]
) -> None:
    fake, _ = recorder
    for _ in range(RATE_LIMIT_RETRIES + 1):
        fake.script.append(
            web.json_response({"ok": False}, status=429, headers={"Retry-After": "1"})
        )

    with pytest.raises(SlackApiError) as raised:
        await client(clients, max_wait=5.0).chat_postMessage(channel="C0JSON", text="x")

    assert raised.value.response.status_code == 429
    assert len(fake.seen) == RATE_LIMIT_RETRIES + 1


async def test_a_long_429_is_refused_at_once_then_the_workspace_waits_its_turn(
    recorder: tuple[Recorder, str], clients: tuple[SlackClients, Sleeps]
) -> None:
    fake, _ = recorder
    fake.script.append(web.json_response({"ok": False}, status=429, headers={"Retry-After": "30"}))
    team = client(clients)

    with pytest.raises(SlackApiError) as raised:
        await team.chat_postMessage(channel="C0JSON", text="x")
    with pytest.raises(RateLimited) as later:
        await team.chat_postMessage(channel="C0JSON", text="x")

    assert raised.value.response.headers["retry-after"] == "30"  # case-insensitive, as before
    assert later.value.retry_after == 30.0
    assert len(fake.seen) == 1 and clients[1].slept == []


@pytest.mark.parametrize(
    ("answer", "status", "error"),
    [
        (web.json_response({"ok": False, "error": "channel_not_found"}), 200, "channel_not_found"),
        (web.Response(status=502, text="upstream error"), 502, None),
    ],
)
async def test_refusals_are_slack_api_errors_with_the_answer(
    recorder: tuple[Recorder, str],
    clients: tuple[SlackClients, Sleeps],
    answer: web.Response,
    status: int,
    error: str | None,
) -> None:
    recorder[0].script.append(answer)

    with pytest.raises(SlackApiError) as raised:
        await client(clients).chat_postMessage(channel="C0JSON", text="x")

    assert raised.value.response.status_code == status
    assert raised.value.response.get("error") == error
