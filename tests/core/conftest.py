"""Fixtures of the core tests: a chat with a director and two managers on the real engine."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.ports import Store
from tests.support.chat import Chat
from tests.support.clock import FakeClock


@pytest.fixture
async def chat(store: Store, clock: FakeClock) -> Chat:
    chat = Chat(Engine(store, clock))
    await chat.say("claire", "aide")  # the first person becomes director
    await chat.say("claire", "boussole role @marie manager")
    await chat.say("claire", "boussole role @karim manager")
    return chat
