"""Fixtures of the Slack tests: the fake Slack Web API, the real engine and the adapter harness."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.engine import Engine
from storage.database import Database
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.harness import TEAM_A, TOKENS, SlackHarness, slack_config, start_harness
from tests.support.clock import FakeClock

MakeHarness = Callable[..., Awaitable[SlackHarness]]


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    api = await FakeSlackApi().start()
    api.add_team(TEAM_A, TOKENS[TEAM_A])
    try:
        yield api
    finally:
        await api.close()


@pytest.fixture
def engine(database: Database, clock: FakeClock) -> Engine:
    return Engine(database.store, clock)


@pytest.fixture
async def make_harness(
    engine: Engine, database: Database, clock: FakeClock, slack_api: FakeSlackApi
) -> AsyncIterator[MakeHarness]:
    started: list[SlackHarness] = []

    async def make(*, multi: bool = False, **overrides: Any) -> SlackHarness:
        config = slack_config(slack_api, multi=multi, **overrides)
        harness = await start_harness(config, engine, database, clock, slack_api)
        started.append(harness)
        return harness

    try:
        yield make
    finally:
        for harness in started:
            await harness.drain()
            await harness.client.close()


@pytest.fixture
async def slack(make_harness: MakeHarness) -> SlackHarness:
    """A single-workspace app (bot token of TEAM_A)."""
    return await make_harness()
