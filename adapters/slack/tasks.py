"""Background work started after Slack got its acknowledgement: tracked, logged, drained at stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    """Keeps a reference to every task (so none is garbage-collected mid-flight), logs their
    failures, and lets the server (or a test) wait for all of them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn[T](self, coroutine: Coroutine[Any, Any, T], *, name: str = "") -> asyncio.Task[T]:
        task = asyncio.ensure_future(coroutine)
        if name:
            task.set_name(name)
        return self.adopt(task)

    def adopt[T](self, task: asyncio.Task[T]) -> asyncio.Task[T]:
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack background task %s failed", task.get_name(), exc_info=task.exception())

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until no task is left, including tasks started by the tasks waited for."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, grace: float = 10.0) -> None:
        """Let running work finish for up to `grace` seconds, then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(list(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
