"""Per-workspace pacing of the sender: send at the rate a platform asks for instead of meeting
its 429s, and learn from the `Retry-After` it gives when it refuses anyway.

A messenger declares the spacing it wants between two sends to one workspace (tenant) with its
`send_interval` (the `Messenger` port), in seconds (Slack: about one message per second, as documented for
`chat.postMessage`); a messenger without it is not paced. The spacing runs from the moment the
previous send's answer came back, so a platform that timestamps on arrival never sees two sends
of a workspace closer than the interval, whatever the network's jitter.

Time here is a monotonic clock (injectable with its sleep, for tests), not the business clock:
pacing is about the platform's counters, which run in real time.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.delivery import Messenger

Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

BACKOFF_FACTOR = 1.5
"""After a refusal, a workspace's spacing grows by this factor (capped by `MAX_INTERVAL`)."""
RECOVERY_FACTOR = 0.9
"""After each accepted send, the spacing moves back towards the declared one by this factor."""
MAX_INTERVAL = 30.0
"""The widest spacing learning may reach, in seconds."""
MAX_TRACKED = 20_000
"""Workspaces remembered at most; the ones with nothing left to say are forgotten first."""


def declared_interval(messenger: Messenger) -> float:
    """The spacing a messenger asks for between two sends to one workspace (0: not paced)."""
    return max(float(messenger.send_interval), 0.0)


@dataclass(slots=True)
class _Pace:
    interval: float
    ready_at: float


class Pacer:
    """When each workspace may be sent to next. Keys are opaque (the sender uses
    (platform, tenant id)); `base` is the declared interval of the workspace's platform."""

    def __init__(self, *, now: Now = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.now = now
        self.sleep = sleep
        self._paces: dict[object, _Pace] = {}

    def ready_at(self, key: object) -> float:
        """The monotonic instant the workspace's next send may start (-inf: any time)."""
        pace = self._paces.get(key)
        return pace.ready_at if pace is not None else -math.inf

    def interval(self, key: object, base: float) -> float:
        """The spacing currently used for the workspace (the declared one until a refusal)."""
        pace = self._paces.get(key)
        return pace.interval if pace is not None else base

    def blocked_for(self, key: object) -> float:
        """Seconds until the workspace may be sent to (0 when it may be now)."""
        return max(0.0, self.ready_at(key) - self.now())

    def accepted(self, key: object, base: float) -> None:
        """A send to the workspace got its answer now: the next one waits the interval."""
        if base <= 0:
            return
        pace = self._paces.get(key)
        interval = base if pace is None else max(base, pace.interval * RECOVERY_FACTOR)
        self._remember(key, _Pace(interval, self.now() + interval))

    def refused(self, key: object, base: float, retry_after: float | None) -> None:
        """The platform refused a send (429): nothing before `retry_after`, and wider spacing."""
        if base <= 0:
            return
        pace = self._paces.get(key)
        interval = min(MAX_INTERVAL, max(base, (pace.interval if pace else base) * BACKOFF_FACTOR))
        wait = max(retry_after or 0.0, interval)
        ready = max(self.now() + wait, pace.ready_at if pace else 0.0)
        self._remember(key, _Pace(interval, ready))

    def _remember(self, key: object, pace: _Pace) -> None:
        self._paces[key] = pace
        if len(self._paces) > MAX_TRACKED:
            self._forget_idle()

    def _forget_idle(self) -> None:
        """Drop workspaces whose wait is over (they would be sent to at once anyway), then, if
        still too many, the oldest entries."""
        now = self.now()
        for key in [k for k, p in self._paces.items() if p.ready_at <= now]:
            del self._paces[key]
        while len(self._paces) > MAX_TRACKED:
            del self._paces[next(iter(self._paces))]

    def tracked(self) -> int:
        """How many workspaces are remembered (bounded by `MAX_TRACKED`)."""
        return len(self._paces)
