"""What reaches /slack/events unsigned, stale, too big or malformed gets 401, 413 or 400 (never
500), and nothing of it reaches the core or Slack."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack.http import SIGNATURE_WINDOW_SECONDS
from storage.database import Database
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import MakeHarness
from tests.slack.harness import SlackHarness, command_payload, load, signature_headers

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
async def blank_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    """One SQLite database is enough here: every refusal happens before any query."""
    path = tmp_path_factory.mktemp("sqlite") / "boussole.db"
    database = Database.from_url(f"sqlite:///{path}")
    try:
        yield database
    finally:
        await database.dispose()


def command_body(api: FakeSlackApi) -> str:
    return urlencode(command_payload(api, "voir"))


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-headers"),
        pytest.param({"X-Slack-Request-Timestamp": None}, id="no-timestamp"),
        pytest.param({"X-Slack-Signature": None}, id="no-signature"),
        pytest.param({"X-Slack-Request-Timestamp": "abc"}, id="word-timestamp"),
        pytest.param({"X-Slack-Request-Timestamp": "1e9"}, id="float-timestamp"),
        pytest.param({"X-Slack-Request-Timestamp": "-1"}, id="negative-timestamp"),
        pytest.param({"X-Slack-Request-Timestamp": "9" * 40}, id="huge-timestamp"),
        pytest.param({"X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠"}, id="arabic-digits"),
        pytest.param({"X-Slack-Signature": "v1=abc"}, id="other-scheme"),
        pytest.param({"X-Slack-Signature": "v0=" + "Z" * 64}, id="not-hex"),
        pytest.param({"X-Slack-Signature": ""}, id="empty-signature"),
    ],
)
async def test_missing_or_malformed_signature_headers_get_401(
    slack: SlackHarness, slack_api: FakeSlackApi, headers: dict[str, str | None]
) -> None:
    body = command_body(slack_api)
    merged = {**signature_headers(body), **headers} if headers else {}
    present = {name: value for name, value in merged.items() if value is not None}
    reply = await slack.post(body, headers=present, signed=False)

    assert reply.status == 401
    assert slack_api.calls == []


@pytest.mark.parametrize("offset", [-SIGNATURE_WINDOW_SECONDS - 5, SIGNATURE_WINDOW_SECONDS + 5])
async def test_a_timestamp_outside_the_five_minute_window_gets_401(
    slack: SlackHarness, slack_api: FakeSlackApi, offset: int
) -> None:
    body = command_body(slack_api)
    headers = signature_headers(body, at=int(time.time()) + offset)  # correctly signed, but old

    reply = await slack.post(body, headers=headers, signed=False)

    assert reply.status == 401
    assert slack_api.calls == []


async def test_a_tampered_body_or_another_secret_gets_401(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    body = command_body(slack_api)
    tampered = await slack.post(
        body.replace("voir", "historique"), headers=signature_headers(body), signed=False
    )
    foreign = await slack.post(body, headers=signature_headers(body, secret="other"), signed=False)

    assert tampered.status == foreign.status == 401
    assert slack_api.calls == []


async def test_an_oversized_body_gets_413_before_it_is_read(
    make_harness: MakeHarness, slack_api: FakeSlackApi
) -> None:
    slack = await make_harness(max_body_bytes=4096)
    big = "text=" + "x" * 5000

    declared = await slack.post(big)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 1000

    async with slack.client.post(
        "/slack/events",
        data=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as streamed:
        streamed_status = streamed.status

    assert declared.status == streamed_status == 413
    assert slack_api.calls == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param("{", "application/json", id="broken-json"),
        pytest.param("[1, 2]", "application/json", id="json-array"),
        pytest.param("{}", "application/json", id="empty-object"),
        pytest.param("", "application/x-www-form-urlencoded", id="empty"),
        pytest.param("payload=not-json", "application/x-www-form-urlencoded", id="payload-text"),
        pytest.param("payload=%5B1%5D", "application/x-www-form-urlencoded", id="payload-array"),
        pytest.param("a&b", "application/x-www-form-urlencoded", id="not-a-form"),
        pytest.param(
            json.dumps({"type": "event_callback", "team_id": "T1", "event": "app_home_opened"}),
            "application/json",
            id="event-not-object",
        ),
        pytest.param(
            "payload=" + json.dumps({"type": "block_actions", "actions": "cap.ack"}),
            "application/x-www-form-urlencoded",
            id="actions-not-list",
        ),
        pytest.param(
            "payload=" + json.dumps({"type": "view_submission", "view": []}),
            "application/x-www-form-urlencoded",
            id="view-not-object",
        ),
    ],
)
async def test_a_signed_but_malformed_body_gets_400(
    slack: SlackHarness, slack_api: FakeSlackApi, body: str, content_type: str
) -> None:
    reply = await slack.post(body, content_type=content_type)

    assert reply.status == 400
    assert slack_api.calls == []


async def test_a_body_that_is_not_utf8_gets_400(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    reply = await slack.post(b"text=\xff\xfe", content_type="application/x-www-form-urlencoded")

    assert reply.status == 400
    assert slack_api.calls == []


@FUZZ
@given(timestamp=st.text(max_size=30), signature=st.text(max_size=80))
async def test_any_signature_header_values_get_401_never_500(
    slack: SlackHarness, slack_api: FakeSlackApi, timestamp: str, signature: str
) -> None:
    body = command_body(slack_api)
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    safe = {k: v for k, v in headers.items() if v.isprintable() and v.isascii()}

    reply = await slack.post(body, headers=safe, signed=False)

    assert reply.status == 401
    assert slack_api.calls == []


SLACK_KEYS = [
    "type",
    "team",
    "team_id",
    "user",
    "user_id",
    "channel",
    "event",
    "view",
    "actions",
    "container",
    "authorizations",
    "enterprise",
    "command",
    "callback_id",
    "api_app_id",
    "is_enterprise_install",
    "state",
    "values",
    "id",
    "tab",
    "tokens",
]
TYPES = [
    "event_callback",
    "block_actions",
    "view_submission",
    "view_closed",
    "url_verification",
    "shortcut",
    "message_action",
    "block_suggestion",
    "app_home_opened",
    "app_uninstalled",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(TYPES) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(SLACK_KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
slack_like = st.dictionaries(st.sampled_from(SLACK_KEYS), json_values, min_size=1, max_size=6)


@FUZZ
@given(payload=slack_like, as_form=st.booleans())
async def test_any_signed_payload_is_answered_without_a_server_error(
    slack: SlackHarness, slack_api: FakeSlackApi, payload: dict[str, Any], as_form: bool
) -> None:
    if as_form:
        reply = await slack.post(urlencode({"payload": json.dumps(payload)}))
    else:
        reply = await slack.post(json.dumps(payload), content_type="application/json")
    await slack.drain()

    assert reply.status in (200, 400, 401, 404), (reply.status, reply.text, payload)


async def test_a_real_payload_passes_the_checks(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    payload = load("url_verification")

    reply = await slack.event(payload)

    assert reply.status == 200
