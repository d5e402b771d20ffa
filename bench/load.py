"""A bounded closed-loop HTTP load generator: N prepared requests, C in flight, a hard deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from bench.stats import percentile, rate


@dataclass(frozen=True)
class Prepared:
    """One request, built (and signed) before the clock starts so the client stays cheap."""

    url: str
    body: bytes
    headers: dict[str, str]
    key: str = ""
    """What identifies its effect at the fake (a channel, a conversation)."""


@dataclass(frozen=True)
class Outcome:
    key: str
    sent_at: float
    latency: float
    status: int
    """HTTP status; 0 when the request failed (timeout, connection error)."""


@dataclass
class LoadResult:
    concurrency: int
    started: float
    finished: float
    outcomes: list[Outcome] = field(default_factory=list)
    unsent: int = 0
    """Requests not sent because the time bound was reached."""

    @property
    def answered(self) -> list[Outcome]:
        return [o for o in self.outcomes if 200 <= o.status < 300]

    @property
    def total(self) -> int:
        """Prepared requests, sent or not."""
        return len(self.outcomes) + self.unsent

    def count_within(self, seconds: float) -> int:
        """Requests answered 2xx within `seconds`."""
        return sum(1 for o in self.answered if o.latency <= seconds)

    def p(self, q: float) -> float:
        """q-th percentile of the latencies of answered requests, in seconds."""
        return percentile([o.latency for o in self.answered], q)

    def answer_rate(self) -> float:
        """Answered requests per second, from the first send to the last answer."""
        answered = self.answered
        if not answered:
            return float("nan")
        last = max(o.sent_at + o.latency for o in answered)
        return rate(len(answered), last - self.started)


def client_session(concurrency: int, timeout: float) -> aiohttp.ClientSession:
    """Keep-alive connections, as Slack's and Microsoft's front ends keep them."""
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout))


async def run_load(
    session: aiohttp.ClientSession,
    requests: Sequence[Prepared],
    concurrency: int,
    *,
    time_limit: float,
) -> LoadResult:
    """POST every request, at most `concurrency` in flight; stop sending after `time_limit`."""
    queue = list(reversed(requests))
    result = LoadResult(concurrency, time.monotonic(), 0.0)
    stop_at = result.started + time_limit

    async def worker() -> None:
        while queue:
            if time.monotonic() >= stop_at:
                return
            request = queue.pop()
            sent = time.monotonic()
            status = 0
            try:
                async with session.post(
                    request.url, data=request.body, headers=request.headers
                ) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            result.outcomes.append(Outcome(request.key, sent, time.monotonic() - sent, status))

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(requests)))))
    result.unsent = len(queue)
    result.finished = time.monotonic()
    return result
