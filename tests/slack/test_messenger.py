"""SlackMessenger against the fake Slack API: delivery keys in metadata, reconciliation after a
dropped connection (never two visible posts), 429 honoured per workspace, errors classified."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Bot, Installation

from adapters.slack.clients import RateLimits, SlackClients
from adapters.slack.config import SlackConfig
from adapters.slack.messenger import DELIVERY_EVENT_TYPE, SlackMessenger
from adapters.slack.render import MAX_BLOCKS_PER_MESSAGE
from adapters.slack.tokens import BotTokens
from bot.delivery import DeliveryStatus, Target, TargetKind
from bot.messages import Message, Paragraph
from bot.model import Locale, Tenant
from storage.database import Database
from tests.fakes.slack_api import FakeSlackApi, Fault
from tests.slack.conftest import MakeHarness
from tests.slack.harness import SECRET, TEAM_A, TEAM_B, TOKENS, SlackHarness, install

CHANNEL = Target(TargetKind.CHANNEL, "C0RITUAL")
MESSAGE = Message("Rituel du lundi : 3 quick wins actifs", (Paragraph("3 quick wins actifs"),))


def tenant(team: str = TEAM_A, *, active: bool = True) -> Tenant:
    return Tenant(1, "slack", team, team.lower(), Locale.FR, "Europe/Paris", active)


class ManualClock:
    """Monotonic time and sleep under the test's control: a sleep waits to be released."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.release = asyncio.Event()
        self.release.set()
        self.sleeping = asyncio.Event()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.sleeping.set()
        await self.release.wait()
        self.now += seconds


@pytest.fixture
def manual() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def messenger(slack_api: FakeSlackApi, manual: ManualClock) -> AsyncIterator[SlackMessenger]:
    slack_api.add_team(TEAM_B, TOKENS[TEAM_B])
    config = SlackConfig(signing_secret=SECRET, bot_token="unused", api_base_url=slack_api.base_url)
    clients = SlackClients(config, RateLimits(sleep=manual.sleep, now=manual.monotonic))

    class PerTeamTokens(BotTokens):
        async def bot_token(self, team_id: str) -> str | None:
            return TOKENS.get(team_id)

    yield SlackMessenger(clients, PerTeamTokens(config, None))
    await clients.close()


async def test_a_message_is_posted_once_with_its_delivery_key(
    messenger: SlackMessenger, slack_api: FakeSlackApi
) -> None:
    delivery = await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key="occ-1")

    assert delivery.status is DeliveryStatus.SENT
    posts = slack_api.of("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].params["channel"] == "C0RITUAL"
    assert posts[0].params["metadata"] == {
        "event_type": DELIVERY_EVENT_TYPE,
        "event_payload": {"delivery_key": "occ-1"},
    }
    assert delivery.platform_message_id == f"C0RITUAL:{slack_api.history['C0RITUAL'][0]['ts']}"
    found = await messenger.find_sent(tenant(), CHANNEL, "occ-1")
    assert found is not None and found.platform_message_id == delivery.platform_message_id
    assert await messenger.find_sent(tenant(), CHANNEL, "occ-2") is None


async def test_a_connection_dropped_after_slack_posted_is_reconciled_not_reposted(
    messenger: SlackMessenger, slack_api: FakeSlackApi
) -> None:
    slack_api.fail("chat.postMessage", Fault(drop=True, record_first=True))

    delivery = await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key="occ-1")

    assert delivery.status is DeliveryStatus.SENT
    assert slack_api.count("chat.postMessage") == 1
    assert slack_api.count("conversations.history") == 1
    assert len(slack_api.history["C0RITUAL"]) == 1


async def test_a_connection_dropped_before_slack_posted_is_posted_again_once(
    messenger: SlackMessenger, slack_api: FakeSlackApi
) -> None:
    slack_api.fail("chat.postMessage", Fault(drop=True))

    delivery = await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key="occ-1")

    assert delivery.status is DeliveryStatus.SENT
    assert slack_api.count("chat.postMessage") == 2
    assert slack_api.count("conversations.history") == 1
    assert len(slack_api.history["C0RITUAL"]) == 1


async def test_connection_lost_twice_asks_for_a_retry(
    messenger: SlackMessenger, slack_api: FakeSlackApi
) -> None:
    slack_api.fail("chat.postMessage", Fault(drop=True), Fault(drop=True))

    delivery = await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key="occ-1")

    assert delivery.status is DeliveryStatus.RETRY
    assert slack_api.count("chat.postMessage") == 2
    assert slack_api.history["C0RITUAL"] == []


async def test_a_slow_slack_is_treated_as_a_lost_connection(
    slack_api: FakeSlackApi, manual: ManualClock
) -> None:
    slack_api.hold("chat.postMessage")  # never answers in time
    config = SlackConfig(
        signing_secret=SECRET,
        bot_token=TOKENS[TEAM_A],
        api_base_url=slack_api.base_url,
        http_timeout_seconds=1,
    )
    clients = SlackClients(config, RateLimits(sleep=manual.sleep, now=manual.monotonic))
    try:
        slow = SlackMessenger(clients, BotTokens(config, None))
        delivery = await slow.send(tenant(), CHANNEL, MESSAGE, delivery_key="occ-1")
    finally:
        await clients.close()

    assert delivery.status is DeliveryStatus.SENT
    assert slack_api.count("chat.postMessage") == 2
    assert slack_api.count("conversations.history") == 1


async def test_a_long_message_is_split_and_a_retry_resumes_where_it_stopped(
    messenger: SlackMessenger, slack_api: FakeSlackApi
) -> None:
    long = Message(
        "long", tuple(Paragraph(f"ligne {i}") for i in range(MAX_BLOCKS_PER_MESSAGE + 5))
    )
    slack_api.fail("chat.postMessage", Fault(ok=True), Fault(503))  # part 1 posts, part 2 fails

    first = await messenger.send(tenant(), CHANNEL, long, delivery_key="occ-1")
    second = await messenger.send(tenant(), CHANNEL, long, delivery_key="occ-1")

    assert first.status is DeliveryStatus.RETRY
    assert second.status is DeliveryStatus.SENT
    keys = [m["metadata"]["event_payload"]["delivery_key"] for m in slack_api.history["C0RITUAL"]]
    assert keys == ["occ-1", "occ-1#2"]
    assert slack_api.count("chat.postMessage") == 3  # part 1, part 2 (503), part 2 again


async def test_a_429_is_handed_back_to_the_outbox_however_short(
    messenger: SlackMessenger, slack_api: FakeSlackApi, manual: ManualClock
) -> None:
    slack_api.rate_limit("chat.postMessage", retry_after="7")

    delivery = await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key="occ-1")

    # The rituals' sender requeues the row at Retry-After: nothing waits while holding a slot.
    assert delivery.status is DeliveryStatus.RETRY
    assert delivery.retry_after == 7.0
    assert manual.sleeps == []
    assert slack_api.count("chat.postMessage") == 1
    assert slack_api.history["C0RITUAL"] == []


async def test_a_rate_limited_workspace_is_refused_at_once_and_does_not_delay_another(
    messenger: SlackMessenger, slack_api: FakeSlackApi, manual: ManualClock
) -> None:
    slack_api.rate_limit("chat.postMessage", retry_after="20")

    limited = await messenger.send(tenant(TEAM_A), CHANNEL, MESSAGE, delivery_key="a-1")
    same_team = await messenger.send(tenant(TEAM_A), CHANNEL, MESSAGE, delivery_key="a-2")
    other = await messenger.send(tenant(TEAM_B), CHANNEL, MESSAGE, delivery_key="b-1")

    assert (limited.status, limited.retry_after) == (DeliveryStatus.RETRY, 20.0)
    assert same_team.status is DeliveryStatus.RETRY  # not asked: Slack said 20 s
    assert same_team.retry_after is not None and 0 < same_team.retry_after <= 20.0
    assert other.status is DeliveryStatus.SENT
    assert manual.sleeps == []
    assert slack_api.count("chat.postMessage", team_id=TEAM_A) == 1  # only the 429
    assert slack_api.count("chat.postMessage", team_id=TEAM_B) == 1

    manual.now += 20  # once Retry-After has passed, team A is asked again
    again = await messenger.send(tenant(TEAM_A), CHANNEL, MESSAGE, delivery_key="a-2")
    assert again.status is DeliveryStatus.SENT
    assert slack_api.count("chat.postMessage", team_id=TEAM_A) == 2


async def test_a_long_retry_after_is_handed_back_to_the_outbox(
    messenger: SlackMessenger, slack_api: FakeSlackApi, manual: ManualClock
) -> None:
    slack_api.rate_limit("chat.postMessage", retry_after="120")

    delivery = await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key="occ-1")

    assert delivery.status is DeliveryStatus.RETRY
    assert delivery.retry_after == 120.0
    assert manual.sleeps == []
    assert slack_api.count("chat.postMessage") == 1


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        pytest.param(Fault(error="invalid_auth"), DeliveryStatus.FAILED, id="invalid_auth"),
        pytest.param(Fault(error="channel_not_found"), DeliveryStatus.FAILED, id="no-channel"),
        pytest.param(Fault(error="not_in_channel"), DeliveryStatus.BLOCKED, id="not-in-channel"),
        pytest.param(Fault(error="is_archived"), DeliveryStatus.BLOCKED, id="archived"),
        pytest.param(Fault(503), DeliveryStatus.RETRY, id="503"),
        pytest.param(Fault(500), DeliveryStatus.RETRY, id="500"),
        pytest.param(Fault(error="internal_error"), DeliveryStatus.RETRY, id="internal_error"),
    ],
)
async def test_slack_errors_are_classified(
    messenger: SlackMessenger, slack_api: FakeSlackApi, fault: Fault, status: DeliveryStatus
) -> None:
    slack_api.fail("chat.postMessage", fault)

    delivery = await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key="occ-1")

    assert delivery.status is status
    assert slack_api.count("chat.postMessage") == 1
    assert slack_api.history["C0RITUAL"] == []


async def test_a_member_gets_a_direct_message(
    messenger: SlackMessenger, slack_api: FakeSlackApi
) -> None:
    member = Target(TargetKind.MEMBER, "U0MARIE")

    delivery = await messenger.send(tenant(), member, MESSAGE, delivery_key="dm-1")
    found = await messenger.find_sent(tenant(), member, "dm-1")

    assert delivery.status is DeliveryStatus.SENT
    assert found == delivery
    # Posted to the member's id (Slack answers with the DM channel, remembered for the lookup):
    # no conversations.open.
    assert slack_api.of("conversations.open") == []
    assert slack_api.of("chat.postMessage")[0].params["channel"] == "U0MARIE"
    assert delivery.platform_message_id.startswith("D0MARIE:")


async def test_dm_channels_are_remembered_per_member_and_forgotten_after_channel_not_found(
    messenger: SlackMessenger, slack_api: FakeSlackApi
) -> None:
    marie, karim = Target(TargetKind.MEMBER, "U0MARIE"), Target(TargetKind.MEMBER, "U0KARIM")
    for key, who in (("1", marie), ("2", karim), ("3", marie), ("4", karim)):
        assert (await messenger.send(tenant(), who, MESSAGE, delivery_key=key)).status is (
            DeliveryStatus.SENT
        )
    slack_api.fail("chat.postMessage", Fault(200, "channel_not_found"))
    failed = await messenger.send(tenant(), marie, MESSAGE, delivery_key="5")
    again = await messenger.send(tenant(), marie, MESSAGE, delivery_key="6")

    assert (failed.status, again.status) == (DeliveryStatus.FAILED, DeliveryStatus.SENT)
    assert [c.params["channel"] for c in slack_api.of("chat.postMessage")] == [
        "U0MARIE",
        "U0KARIM",
        "D0MARIE",
        "D0KARIM",
        "D0MARIE",  # channel_not_found: forgotten...
        "U0MARIE",  # ...so posted to the member again
    ]
    assert slack_api.of("conversations.open") == []


async def test_a_long_message_to_a_new_member_opens_the_dm_to_skip_parts_already_there(
    messenger: SlackMessenger, slack_api: FakeSlackApi
) -> None:
    marie = Target(TargetKind.MEMBER, "U0MARIE")
    long = Message(
        "long", tuple(Paragraph(f"ligne {n}") for n in range(MAX_BLOCKS_PER_MESSAGE + 5))
    )

    delivery = await messenger.send(tenant(), marie, long, delivery_key="long-1")

    assert delivery.status is DeliveryStatus.SENT
    assert [c.params["users"] for c in slack_api.of("conversations.open")] == ["U0MARIE"]
    assert {c.params["channel"] for c in slack_api.of("chat.postMessage")} == {"D0MARIE"}
    assert len(slack_api.history["D0MARIE"]) == 2


async def test_a_bot_token_is_read_once_a_while_and_asked_again_after_an_auth_error(
    slack_api: FakeSlackApi, manual: ManualClock
) -> None:
    config = SlackConfig(signing_secret=SECRET, bot_token="unused", api_base_url=slack_api.base_url)
    clients = SlackClients(config, RateLimits(sleep=manual.sleep, now=manual.monotonic))
    store = {TEAM_A: TOKENS[TEAM_A]}
    asked: list[str] = []

    class StoreTokens(BotTokens):
        async def bot_token(self, team_id: str) -> str | None:
            asked.append(team_id)
            return store.get(team_id)

    messenger = SlackMessenger(clients, StoreTokens(config, None), monotonic=manual.monotonic)
    try:
        for key in ("1", "2"):
            await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key=key)
        assert asked == [TEAM_A]  # remembered
        manual.now += 61
        await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key="3")
        assert asked == [TEAM_A] * 2  # read again after TOKEN_TTL_SECONDS

        slack_api.fail("chat.postMessage", Fault(200, "invalid_auth"))  # replaced meanwhile
        delivery = await messenger.send(tenant(), CHANNEL, MESSAGE, delivery_key="4")
        assert delivery.status is DeliveryStatus.SENT  # asked the store again, tried once more
        assert asked == [TEAM_A] * 3
        assert slack_api.count("chat.postMessage") == 5
    finally:
        await clients.close()


async def test_an_inactive_tenant_gets_nothing(
    messenger: SlackMessenger, slack_api: FakeSlackApi
) -> None:
    delivery = await messenger.send(tenant(active=False), CHANNEL, MESSAGE, delivery_key="x")

    assert delivery.status is DeliveryStatus.FAILED
    assert slack_api.calls == []


async def test_installed_workspaces_are_posted_with_their_own_token(
    make_harness: MakeHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    slack = await make_harness(multi=True)
    await install(slack, TEAM_B)
    messenger = slack.adapter.messenger

    sent = await messenger.send(tenant(TEAM_B), CHANNEL, MESSAGE, delivery_key="b-1")
    missing = await messenger.send(tenant(TEAM_A), CHANNEL, MESSAGE, delivery_key="a-1")

    assert sent.status is DeliveryStatus.SENT
    assert missing.status is DeliveryStatus.FAILED
    assert [c.token for c in slack_api.calls] == [TOKENS[TEAM_B]]


async def test_a_batch_of_workspaces_gets_its_tokens_in_one_read(
    make_harness: MakeHarness,
    slack_api: FakeSlackApi,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`prepare` (the rituals' sender calls it with each claimed batch) reads the tokens of
    the workspaces not remembered at once: the latest installation's, as `async_find_bot`."""
    slack = await make_harness(multi=True)
    for team in (TEAM_A, TEAM_B):
        await install(slack, team)
    reinstalled = "xoxb-team-b-reinstalled"
    await save_installation(slack, slack_api, TEAM_B, reinstalled, installed_at=time.time() + 60)
    asked = count_single_reads(slack, monkeypatch)
    messenger = slack.adapter.messenger
    absent, gone = tenant("T0ABSENT"), tenant("T0GONE", active=False)

    await messenger.prepare([tenant(TEAM_A), tenant(TEAM_B), absent, gone])
    sent = [
        await messenger.send(tenant(team), CHANNEL, MESSAGE, delivery_key=f"k-{team}")
        for team in (TEAM_A, TEAM_B)
    ]
    missing = await messenger.send(absent, CHANNEL, MESSAGE, delivery_key="k-absent")

    assert [delivery.status for delivery in sent] == [DeliveryStatus.SENT] * 2
    assert [c.token for c in slack_api.of("chat.postMessage")] == [TOKENS[TEAM_A], reinstalled]
    assert missing.status is DeliveryStatus.FAILED and missing.detail == "app not installed"
    assert asked == ["T0ABSENT"]  # only the workspace the batch read did not find


async def test_a_rotating_token_is_left_to_the_read_that_rotates_it(
    make_harness: MakeHarness,
    slack_api: FakeSlackApi,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slack = await make_harness(multi=True, token_rotation=True)
    await install(slack, TEAM_A)
    await save_installation(
        slack, slack_api, TEAM_B, "xoxe.xoxb-b", refresh_token="xoxe-1-r", expires_in=43200
    )
    asked = count_single_reads(slack, monkeypatch)
    messenger = slack.adapter.messenger

    await messenger.prepare([tenant(TEAM_A), tenant(TEAM_B)])
    for team in (TEAM_A, TEAM_B):
        await messenger.send(tenant(team), CHANNEL, MESSAGE, delivery_key=f"k-{team}")

    assert asked == [TEAM_B]  # checked for rotation (not due yet) on its own
    assert [c.token for c in slack_api.of("chat.postMessage")] == [TOKENS[TEAM_A], "xoxe.xoxb-b"]


async def save_installation(
    slack: SlackHarness,
    slack_api: FakeSlackApi,
    team: str,
    token: str,
    *,
    installed_at: float | None = None,
    refresh_token: str | None = None,
    expires_in: int | None = None,
) -> None:
    store = slack.adapter.installation_store
    assert store is not None
    slack_api.add_team(team, token)
    await store.async_save(
        Installation(
            app_id="A0BOUSSOLE",
            team_id=team,
            bot_token=token,
            bot_id=f"B{team}",
            bot_user_id=f"UBOT{team}",
            bot_refresh_token=refresh_token,
            bot_token_expires_in=expires_in,
            user_id="U0INSTALL",
            installed_at=installed_at,
        )
    )


def count_single_reads(slack: SlackHarness, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The workspaces whose bot is read alone from the installation store from now on."""
    store = slack.adapter.installation_store
    assert store is not None
    asked: list[str] = []
    read_alone = store.async_find_bot

    async def counted(**kwargs: Any) -> Bot | None:
        asked.append(kwargs["team_id"])
        return await read_alone(**kwargs)

    monkeypatch.setattr(store, "async_find_bot", counted)
    return asked
