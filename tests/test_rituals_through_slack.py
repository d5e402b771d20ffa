"""The default rituals, set up by signed slash commands, posted by the real Slack messenger."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.slack.clients import RateLimits
from adapters.slack.messenger import DELIVERY_EVENT_TYPE
from adapters.slack.render import base_action
from bot import actions
from bot.delivery import Delivery, Messenger, Target
from bot.engine import Engine
from bot.messages import Message
from bot.model import Tenant
from main.rituals_app import SEND_AHEAD, RitualRuntime
from main.settings import Settings
from rituals.kinds import RitualKind
from rituals.pacing import Pacer
from rituals.service import RunReport
from rituals.transactions import transaction
from storage.database import Database
from storage.ritual_repository import OutboxRecord
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi, Fault
from tests.rituals.support import SimulatedCrash, paris
from tests.slack.harness import (
    TEAM_A,
    TEAM_B,
    SlackHarness,
    action_payload,
    command_payload,
    event_payload,
    install,
    slack_config,
    start_harness,
    tenant_of,
)
from tests.support.clock import FakeClock

POST = "chat.postMessage"
CAP = "Devenir la PME de référence à l'export d'ici 2028."
QUICK_WIN = "Relance factures"
MANAGERS = {
    TEAM_A: {"U0MARIE": "marie", "U0KARIM": "karim"},
    TEAM_B: {"U0LEA": "lea", "U0HUGO": "hugo"},
}
TEAM_CHANNEL = {TEAM_A: "C0EQUIPEA", TEAM_B: "C0EQUIPEB"}
SECONDS_SLACK_MAY_BE_WAITED_OUT = 30.0  # SlackConfig.rate_limit_max_wait_seconds

SATURDAY = paris(2026, 3, 7, 10)  # the set-up day
MONDAY_9 = paris(2026, 3, 9, 9)  # cap reminder (not the month's first Monday: no KPI review)
THURSDAY_10 = paris(2026, 3, 12, 10)  # cap nudge, to the managers who have not read the cap
FRIDAY_16 = paris(2026, 3, 13, 16)  # quick-win check-in, in the team channel


def direct_message(user: str) -> str:
    """The DM channel the fake's conversations.open gives for a member ("U0MARIE" → "D0MARIE")."""
    return "D" + user[1:]


def dm_of(channel: str) -> str:
    """Where a post to `channel` lands: a member's id ("U0MARIE") posts in their DM."""
    return direct_message(channel) if channel.startswith("U") else channel


def dms(team: str) -> list[str]:
    return sorted(direct_message(user) for user in MANAGERS[team])


class ManualSleep:
    """Monotonic time and sleep of the Slack clients' rate limits: every wait is recorded, and
    lasts until `release` is set (it is, unless a test clears it). Sleeps that share `elapsed`
    move one monotonic time, as real sleeps move `time.monotonic`."""

    def __init__(self, clock: FakeClock, elapsed: ManualSleep | None = None) -> None:
        self.clock = clock
        self.slept = 0.0
        self._elapsed = elapsed
        self.waits: list[float] = []
        self.release = asyncio.Event()
        self.release.set()
        self.sleeping = asyncio.Event()

    def monotonic(self) -> float:
        """The test clock's time, plus what was slept: a rate limit ends when either passes."""
        shared = self._elapsed.slept if self._elapsed is not None else 0.0
        return self.clock.now().timestamp() + self.slept + shared

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.sleeping.set()
        await self.release.wait()
        self.slept += seconds


class SlackProcess:
    """A Boussole process: the engine with the `rituel` command, the Slack adapter (installed in
    several workspaces) on loopback, and a rituals clock posting through the adapter's messenger."""

    def __init__(self, database: Database, clock: FakeClock, api: FakeSlackApi) -> None:
        self.database = database
        self.clock = clock
        self.api = api
        self.pacing = ManualSleep(clock)
        self.sleep = ManualSleep(clock, elapsed=self.pacing)
        """The sender's pace (one post a second per workspace), on test time."""
        self.runtime = RitualRuntime(database, {}, clock, Settings())
        self.runtime.service.sender.pacer = Pacer(
            now=self.pacing.monotonic, sleep=self.pacing.sleep
        )
        self.engine = Engine(database.store, clock, extra_commands=self.runtime.commands)
        self._requests = itertools.count(1)
        self._harness: SlackHarness | None = None

    @property
    def harness(self) -> SlackHarness:
        assert self._harness is not None
        return self._harness

    async def start(self) -> None:
        config = slack_config(self.api, multi=True)
        self._harness = await start_harness(
            config, self.engine, self.database, self.clock, self.api
        )
        # Before any workspace client exists: rate-limit waits go through the test's sleep.
        self.harness.adapter.clients.limits = RateLimits(
            sleep=self.sleep.sleep, now=self.sleep.monotonic
        )
        self.runtime.connect(self.harness.adapter.messenger)

    async def close(self) -> None:
        await self.runtime.stop()
        if self._harness is not None:
            await self.harness.drain()
            await self.harness.client.close()

    async def command(self, team: str, command: str, text: str) -> None:
        """Claire types a slash command (signed, as Slack sends it); it is not refused."""
        hook = f"{team}-{next(self._requests)}"
        payload = command_payload(
            self.api, text, command=command, team=team, trigger=f"t-{hook}", hook=hook
        )
        reply = await self.harness.command(payload)
        await self.harness.drain()
        assert reply.status == 200, reply.text
        answers = [
            c.params["text"] for c in self.api.of(RESPONSE_URL) if c.path == f"/hooks/{hook}"
        ]
        assert not any("⚠️" in answer for answer in answers), answers

    async def set_up(self, team: str) -> None:
        """Claire (the first to use Boussole: director) sets the cap, names two managers,
        chooses the team channel and adds a quick win."""
        await self.command(team, "/cap", f"définir {CAP}")
        for user, name in MANAGERS[team].items():
            await self.command(team, "/boussole", f"role <@{user}|{name}> manager")
        # Slack escapes a typed "#equipe" (the manifest's should_escape) as <#id|name>.
        await self.command(team, "/rituel", f"canal <#{TEAM_CHANNEL[team]}|equipe>")
        await self.command(
            team,
            "/quickwin",
            f'ajouter "{QUICK_WIN}" kpi=Délai unité=jours base=52 cible=38 échéance=2026-06-30',
        )

    async def click_read(self, user: str, post: dict[str, Any]) -> None:
        """A manager clicks the "Lu ✅" button of the reminder in their direct message."""
        [button] = buttons(post)
        reply = await self.harness.interact(
            action_payload(
                self.api,
                button["action_id"],
                button["value"],
                user=user,
                user_name=MANAGERS[TEAM_A][user],
                channel=post["channel"],
                message_ts=post["ts"],
                action_ts=f"1773046800.{next(self._requests):06d}",
                trigger=f"click-{user}",
                hook=f"click-{user}",
            )
        )
        await self.harness.drain()
        assert reply.status == 200, reply.text

    async def tick(self, at: datetime | None = None) -> RunReport:
        """The clock's run at `at` (or now again): plan what is due, send the outbox."""
        if at is not None:
            self.clock.set(at)
        report = await self.runtime.run_due()
        assert report.active
        return report


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    api = await FakeSlackApi().start()
    try:
        yield api
    finally:
        await api.close()


@pytest.fixture
async def boussole(
    database: Database, clock: FakeClock, slack_api: FakeSlackApi
) -> AsyncIterator[SlackProcess]:
    """The process, installed (OAuth) in workspaces A and B, on Saturday 7 March 2026."""
    clock.set(SATURDAY)
    process = SlackProcess(database, clock, slack_api)
    try:
        await process.start()
        for team in (TEAM_A, TEAM_B):
            await install(process.harness, team)
        yield process
    finally:
        await process.close()


def ritual_posts(api: FakeSlackApi, channel: str) -> list[dict[str, Any]]:
    """What people see in a channel or DM: the posts carrying a delivery key."""
    return [
        {**message, "channel": channel}
        for message in api.history.get(channel, [])
        if message.get("metadata", {}).get("event_type") == DELIVERY_EVENT_TYPE
    ]


def post_attempts(api: FakeSlackApi, team: str, since: int = 0) -> int:
    """chat.postMessage requests the fake received for `team` (answered or not)."""
    return sum(1 for call in api.calls[since:] if call.method == POST and call.team_id == team)


def delivery_key(post: dict[str, Any]) -> str:
    return str(post["metadata"]["event_payload"]["delivery_key"])


def buttons(post: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in post["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def outbox(database: Database, team: str = TEAM_A) -> list[OutboxRecord]:
    tenant = await tenant_of(database, team)
    async with transaction(database.engine) as work:
        return await work.rituals.outbox(tenant.id)


async def team_channel_of_check_in(database: Database, team: str) -> str:
    """Where the quick-win check-in posts, as `rituel canal` stored it."""
    tenant = await tenant_of(database, team)
    async with transaction(database.engine) as work:
        records = await work.rituals.list_rituals(tenant.id)
    [check_in] = [r for r in records if r.kind == RitualKind.QUICKWIN_PROGRESS.value]
    return check_in.target


def with_blocks(api: FakeSlackApi, post: dict[str, Any]) -> dict[str, Any]:
    """The post with the blocks of the request that made it (the fake's history keeps text)."""
    [call] = [
        c
        for c in api.of(POST)
        if c.params.get("metadata") == post["metadata"]
        and dm_of(c.params["channel"]) == post["channel"]
    ]
    return {**post, "blocks": call.params["blocks"]}


async def test_monday_reminders_and_the_friday_check_in_are_each_posted_once(
    boussole: SlackProcess, slack_api: FakeSlackApi, database: Database
) -> None:
    await boussole.set_up(TEAM_A)
    posts_before = slack_api.count(POST)

    await boussole.tick(MONDAY_9)
    await boussole.tick()  # the same minute again
    await boussole.tick(MONDAY_9 + timedelta(minutes=5))

    assert slack_api.count(POST) == posts_before + 2
    reminders = [
        with_blocks(slack_api, p) for dm in dms(TEAM_A) for p in ritual_posts(slack_api, dm)
    ]
    assert [post["channel"] for post in reminders] == dms(TEAM_A)
    for post in reminders:
        assert CAP in post["text"]
        [button] = buttons(post)
        assert base_action(button["action_id"]) == actions.ACK_CAP
        assert button["text"]["text"] == "Lu ✅"
    rows = await outbox(database)
    assert sorted(delivery_key(post) for post in reminders) == sorted(r.delivery_key for r in rows)
    assert [(row.status, row.attempts) for row in rows] == [("sent", 1), ("sent", 1)]

    # Both managers click "Lu ✅" in their DM: Thursday's nudge has nobody left to nudge.
    for user in MANAGERS[TEAM_A]:
        [post] = [p for p in reminders if p["channel"] == direct_message(user)]
        await boussole.click_read(user, post)
    assert slack_api.count("chat.update") == 2
    await boussole.tick(THURSDAY_10)
    assert slack_api.count(POST) == posts_before + 2

    await boussole.tick(FRIDAY_16)
    await boussole.tick()

    assert slack_api.count(POST) == posts_before + 3
    channel = await team_channel_of_check_in(database, TEAM_A)  # its name for now: see below
    [check_in] = ritual_posts(slack_api, channel)
    assert QUICK_WIN in check_in["text"]
    assert [row.status for row in await outbox(database)] == ["sent"] * 3


async def test_the_check_in_goes_to_the_id_of_the_channel_slack_escaped(
    boussole: SlackProcess, slack_api: FakeSlackApi, database: Database
) -> None:
    await boussole.set_up(TEAM_A)

    await boussole.tick(FRIDAY_16)

    assert await team_channel_of_check_in(database, TEAM_A) == TEAM_CHANNEL[TEAM_A]
    assert len(ritual_posts(slack_api, TEAM_CHANNEL[TEAM_A])) == 1


async def test_a_429_puts_the_workspace_s_posts_back_until_retry_after_and_each_is_posted_once(
    boussole: SlackProcess, slack_api: FakeSlackApi, database: Database
) -> None:
    await boussole.set_up(TEAM_A)
    since = len(slack_api.calls)
    slack_api.rate_limit(POST, retry_after="7")

    first = await boussole.tick(MONDAY_9)
    early = await boussole.tick(MONDAY_9 + timedelta(seconds=5))
    paced = len(boussole.pacing.waits)
    due = await boussole.tick(MONDAY_9 + timedelta(seconds=6))

    # Nothing waits in process: the 429's row goes back to the outbox at Retry-After, the
    # workspace's other row (not claimed yet: one is held at a time) waits until then too,
    # and the clock is woken a second before (SEND_AHEAD), claims them and sends at +7 s.
    assert boussole.sleep.waits == []
    assert (first.send.sent, first.send.retried) == (0, 1)
    assert first.next_send == MONDAY_9 + timedelta(seconds=7) - SEND_AHEAD
    assert (early.send.sent, due.send.sent) == (0, 2)
    # Held until +7 s, then the pace the 429 widened (1.5 s, back towards 1 s: 1.35 s).
    assert boussole.pacing.waits[paced:] == pytest.approx([1.0, 1.5 * 0.9])
    assert post_attempts(slack_api, TEAM_A, since) == 3  # the 429, then the two reminders
    assert [len(ritual_posts(slack_api, dm)) for dm in dms(TEAM_A)] == [1, 1]
    rows = await outbox(database)
    assert sorted((row.status, row.attempts) for row in rows) == [("sent", 1), ("sent", 2)]


async def test_a_workspace_s_posts_are_paced_one_second_apart_on_the_test_clock(
    boussole: SlackProcess, slack_api: FakeSlackApi
) -> None:
    await boussole.set_up(TEAM_A)
    await boussole.set_up(TEAM_B)
    since = len(slack_api.calls)

    report = await boussole.tick(MONDAY_9)

    assert report.send.sent == 4
    posts = [c.team_id for c in slack_api.calls[since:] if c.method == POST]
    # Each workspace's first post goes at once, its second one an interval later: both first
    # posts (in either order) come before either second one.
    assert sorted(posts[:2]) == sorted(posts[2:]) == [TEAM_A, TEAM_B]
    assert boussole.pacing.slept >= 1.0
    assert slack_api.count("conversations.open") == 0  # posted to each manager's id


async def test_a_long_retry_after_goes_back_to_the_outbox_and_is_posted_once_after_it(
    boussole: SlackProcess, slack_api: FakeSlackApi, database: Database
) -> None:
    await boussole.set_up(TEAM_A)
    since = len(slack_api.calls)
    slack_api.rate_limit(POST, retry_after="120")

    first = await boussole.tick(MONDAY_9)
    before_the_wait = await boussole.tick(MONDAY_9 + timedelta(seconds=60))
    after_the_wait = await boussole.tick(MONDAY_9 + timedelta(seconds=120))
    again = await boussole.tick(MONDAY_9 + timedelta(minutes=10))

    # The first post meets the 429; the second (one row is held at a time) is not tried, nor
    # claimed, while the limit lasts.
    assert (first.send.sent, first.send.retried) == (0, 1)
    assert [r.send.sent for r in (before_the_wait, after_the_wait, again)] == [0, 2, 0]
    assert post_attempts(slack_api, TEAM_A, since) == 3
    assert [len(ritual_posts(slack_api, dm)) for dm in dms(TEAM_A)] == [1, 1]
    rows = await outbox(database)
    assert sorted((row.status, row.attempts) for row in rows) == [("sent", 1), ("sent", 2)]


async def test_a_long_retry_after_never_holds_the_clock(
    boussole: SlackProcess, slack_api: FakeSlackApi
) -> None:
    await boussole.set_up(TEAM_A)
    slack_api.rate_limit(POST, retry_after="120")

    await boussole.tick(MONDAY_9)

    assert all(wait <= SECONDS_SLACK_MAY_BE_WAITED_OUT for wait in boussole.sleep.waits)


def first_poster(api: FakeSlackApi, since: int) -> tuple[str, str]:
    """(the workspace whose post came first since `since`, the other one): workspaces are sent
    to side by side, so which one's first post reaches Slack first is not fixed."""
    first = next(c.team_id for c in api.calls[since:] if c.method == POST)
    return first, TEAM_B if first == TEAM_A else TEAM_A


async def test_with_a_long_retry_after_another_workspace_still_gets_its_posts_in_the_tick(
    boussole: SlackProcess, slack_api: FakeSlackApi
) -> None:
    await boussole.set_up(TEAM_A)
    await boussole.set_up(TEAM_B)
    since = len(slack_api.calls)
    slack_api.rate_limit(POST, retry_after="120")  # the tick's first post, whichever it is

    await boussole.tick(MONDAY_9)
    limited, other = first_poster(slack_api, since)

    assert [len(ritual_posts(slack_api, dm)) for dm in dms(other)] == [1, 1]
    assert post_attempts(slack_api, other, since) == 2
    assert sum(len(ritual_posts(slack_api, dm)) for dm in dms(limited)) == 0
    await boussole.tick(MONDAY_9 + timedelta(seconds=120))
    assert [len(ritual_posts(slack_api, dm)) for dm in dms(limited)] == [1, 1]
    assert post_attempts(slack_api, other, since) == 2


async def test_a_workspace_s_429_holds_nothing_back_from_another_workspace(
    boussole: SlackProcess, slack_api: FakeSlackApi
) -> None:
    await boussole.set_up(TEAM_A)
    await boussole.set_up(TEAM_B)
    since = len(slack_api.calls)
    slack_api.rate_limit(POST, retry_after="20")  # the tick's first post, whichever it is

    first = await boussole.tick(MONDAY_9)
    limited, other = first_poster(slack_api, since)

    assert (first.send.sent, first.send.retried) == (2, 1)  # the 429's row went back
    assert [len(ritual_posts(slack_api, dm)) for dm in dms(other)] == [1, 1]
    assert post_attempts(slack_api, limited, since) == 1  # the 429 only
    assert boussole.sleep.waits == []
    assert first.next_send == MONDAY_9 + timedelta(seconds=20) - SEND_AHEAD
    assert (await boussole.tick(MONDAY_9 + timedelta(seconds=18))).send.sent == 0
    assert (await boussole.tick(MONDAY_9 + timedelta(seconds=19))).send.sent == 2
    assert [len(ritual_posts(slack_api, dm)) for dm in dms(TEAM_A) + dms(TEAM_B)] == [1] * 4


async def test_a_post_slack_took_before_the_connection_dropped_is_found_not_reposted(
    boussole: SlackProcess, slack_api: FakeSlackApi, database: Database
) -> None:
    await boussole.set_up(TEAM_A)
    since = len(slack_api.calls)
    slack_api.fail(POST, Fault(drop=True, record_first=True))

    await boussole.tick(MONDAY_9)
    await boussole.tick(MONDAY_9 + timedelta(minutes=5))

    assert [len(ritual_posts(slack_api, dm)) for dm in dms(TEAM_A)] == [1, 1]
    assert post_attempts(slack_api, TEAM_A, since) == 2
    [lookup] = slack_api.of("conversations.history")
    assert lookup.params["include_all_metadata"] in ("true", "1", True)
    assert [(row.status, row.attempts) for row in await outbox(database)] == [("sent", 1)] * 2


class DiesAfterSlackPosted:
    """The messenger of a process killed right after Slack accepted its post."""

    platform = "slack"

    def __init__(self, messenger: Messenger) -> None:
        self.messenger = messenger
        self.send_interval = messenger.send_interval

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery:
        await self.messenger.send(tenant, target, message, delivery_key=delivery_key)
        raise SimulatedCrash(delivery_key)

    async def find_sent(self, tenant: Tenant, target: Target, delivery_key: str) -> Delivery | None:
        return await self.messenger.find_sent(tenant, target, delivery_key)


async def test_the_next_clock_finds_the_post_of_a_process_that_died_after_sending(
    boussole: SlackProcess, slack_api: FakeSlackApi, database: Database, clock: FakeClock
) -> None:
    await boussole.set_up(TEAM_A)
    dying = RitualRuntime(
        database,
        {"slack": DiesAfterSlackPosted(boussole.harness.adapter.messenger)},
        clock,
        Settings(),
    )
    since = len(slack_api.calls)
    clock.set(MONDAY_9)
    with pytest.raises(SimulatedCrash):
        await dying.run_due()
    assert sum(len(ritual_posts(slack_api, dm)) for dm in dms(TEAM_A)) == 1

    report = await boussole.tick(MONDAY_9 + timedelta(minutes=3))  # both leases have expired

    assert (report.send.reconciled, report.send.sent) == (1, 1)
    assert [len(ritual_posts(slack_api, dm)) for dm in dms(TEAM_A)] == [1, 1]
    assert post_attempts(slack_api, TEAM_A, since) == 2
    # (the posted row was taken over, attempt 2; the other was not claimed before the crash)
    rows = await outbox(database)
    assert sorted((row.status, row.attempts) for row in rows) == [("sent", 1), ("sent", 2)]


async def test_a_post_of_unknown_fate_is_not_posted_again_by_the_next_tick(
    boussole: SlackProcess, slack_api: FakeSlackApi, database: Database
) -> None:
    await boussole.set_up(TEAM_A)
    slack_api.fail(POST, Fault(drop=True, record_first=True))  # Slack took the post...
    slack_api.fail("conversations.history", Fault(503))  # ...and cannot be asked about it

    first = await boussole.tick(MONDAY_9)
    second = await boussole.tick(MONDAY_9 + timedelta(minutes=1))

    assert (first.send.sent, first.send.retried) == (1, 1)
    assert second.send.sent + second.send.reconciled == 1
    assert [row.status for row in await outbox(database)] == ["sent", "sent"]
    assert [len(ritual_posts(slack_api, dm)) for dm in dms(TEAM_A)] == [1, 1]


async def test_an_uninstalled_workspace_gets_nothing_while_another_gets_its_posts(
    boussole: SlackProcess, slack_api: FakeSlackApi, database: Database
) -> None:
    await boussole.set_up(TEAM_A)
    await boussole.set_up(TEAM_B)

    reply = await boussole.harness.event(event_payload("app_uninstalled", team=TEAM_A))
    await boussole.harness.drain()
    assert reply.status == 200
    assert (await tenant_of(database, TEAM_A)).active is False
    since = len(slack_api.calls)

    await boussole.tick(MONDAY_9)
    await boussole.tick(FRIDAY_16)

    assert [c.method for c in slack_api.calls[since:] if c.team_id == TEAM_A] == []
    assert [len(ritual_posts(slack_api, dm)) for dm in dms(TEAM_A)] == [0, 0]
    assert [len(ritual_posts(slack_api, dm)) for dm in dms(TEAM_B)] == [1, 1]
    assert post_attempts(slack_api, TEAM_B, since) == 3  # two reminders, one check-in
    assert await outbox(database, TEAM_A) == []
