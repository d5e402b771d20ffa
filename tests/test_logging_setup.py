"""The command line's logging: slack_sdk builds its per-call debug lines only when DEBUG is on."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from main.cli import EAGER_DEBUG_LOGGERS, NOISY_LOGGERS, configure_logging
from tests.fakes.slack_api import FakeSlackApi

SDK_LOGGER = "slack_sdk.web.async_base_client"


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def fresh_logging() -> Iterator[None]:
    """The logging set-up as it was, restored after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = (*EAGER_DEBUG_LOGGERS, *NOISY_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in names}
    try:
        yield
    finally:
        root.handlers = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


async def sdk_debug_lines(level: str) -> list[str]:
    """The debug lines slack_sdk logs for one chat.postMessage, logging set up at `level` as
    at a process's start (no root handler yet: pytest's are put back by the fixture)."""
    logging.getLogger().handlers = []
    configure_logging(level)
    collected = Collected()
    logger = logging.getLogger(SDK_LOGGER)
    logger.addHandler(collected)
    api = await FakeSlackApi().start()
    try:
        api.add_team("T1", "xoxb-t1")
        client = AsyncWebClient(token="xoxb-t1", base_url=api.base_url)
        response = await client.chat_postMessage(channel="C1", text="bonjour")
        assert response["ok"] and api.count("chat.postMessage") == 1
    finally:
        logger.removeHandler(collected)
        await api.close()
    return collected.messages


async def test_at_info_slack_sdk_builds_no_debug_line(fresh_logging: None) -> None:
    assert await sdk_debug_lines("INFO") == []
    for name in EAGER_DEBUG_LOGGERS:  # what slack_sdk checks before building them
        assert logging.getLogger(name).level == logging.INFO
    for name in NOISY_LOGGERS:
        assert logging.getLogger(name).level == logging.WARNING


async def test_at_debug_slack_sdk_still_logs_its_calls(fresh_logging: None) -> None:
    lines = await sdk_debug_lines("DEBUG")
    assert any(
        line.startswith("Sending a request") and "chat.postMessage" in line for line in lines
    )
    assert any(line.startswith("Received the following response") for line in lines)
