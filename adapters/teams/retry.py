"""aiohttp client middlewares for Bot Connector calls: host allow-list, retries with back-off."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

from aiohttp import ClientHandlerType, ClientRequest, ClientResponse, ServerDisconnectedError
from aiohttp.payload import Payload

from adapters.teams.service_urls import ServiceUrlPolicy

log = logging.getLogger(__name__)

RETRYABLE_STATUSES: Final = frozenset({412, 429, 502, 504})
"""Statuses Teams documents as transient for bots (throttling, precondition, gateway)."""
MAX_RETRY_AFTER_SECONDS: Final = 300.0
RESENT_BY_AIOHTTP: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
"""Idempotent methods aiohttp itself sends again, once, at once, when a kept-alive connection
is cut off (`aiohttp.client.IDEMPOTENT_METHODS`); it does so around the middlewares, so retrying
them here too would double the attempts."""


class ServiceUrlRefused(Exception):
    """The service URL's host is not on the allow-list: nothing was sent."""


Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class Backoff:
    """Exponential back-off with full jitter, honouring Retry-After; `sleep` is injectable."""

    attempts: int
    base_seconds: float
    max_seconds: float
    sleep: Sleep = asyncio.sleep
    jitter: Callable[[], float] = random.random
    slept: list[float] = field(default_factory=list)

    def delay(self, retry: int, retry_after: float | None) -> float:
        ceiling = min(self.max_seconds, self.base_seconds * 2.0**retry)
        jittered = ceiling * (0.5 + self.jitter() / 2)
        if retry_after is not None:
            return max(min(retry_after, MAX_RETRY_AFTER_SECONDS), jittered)
        return jittered

    async def wait(self, retry: int, retry_after: float | None) -> None:
        seconds = self.delay(retry, retry_after)
        self.slept.append(seconds)
        await self.sleep(seconds)


def retry_after_seconds(response: ClientResponse) -> float | None:
    """The Retry-After header in seconds (delta or HTTP date), if present and sane."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def allow_list_middleware(
    policy: ServiceUrlPolicy,
) -> Callable[[ClientRequest, ClientHandlerType], Awaitable[ClientResponse]]:
    """Refuses any request to a host that is not allow-listed, before it leaves the process."""

    async def middleware(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        if not policy.allows(request.url):
            raise ServiceUrlRefused(f"service URL host {request.url.host!r} is not allowed")
        return await handler(request)

    return middleware


def retry_middleware(
    backoff: Backoff,
) -> Callable[[ClientRequest, ClientHandlerType], Awaitable[ClientResponse]]:
    """Retries 412/429/502/504 with jittered back-off; the last response is returned as is.

    Also retries a request the server cut off by closing its connection without answering
    (ServerDisconnectedError: a pooled keep-alive connection it had just closed as idle). A
    fresh connection is what fixes that, so the first such retry is immediate, later ones back
    off. All within `backoff.attempts`; the last attempt's error is raised unchanged. Idempotent
    requests (PUT: activity updates) are left to aiohttp's own single resend.
    """

    async def middleware(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        retry = 0
        disconnects = 0
        while True:
            try:
                response = await handler(request)
            except ServerDisconnectedError:
                if (
                    request.method in RESENT_BY_AIOHTTP
                    or retry + 1 >= backoff.attempts
                    or not await _resendable(request)
                ):
                    raise
                log.info(
                    "Bot Connector closed the connection of %s %s unanswered; retrying",
                    request.method,
                    request.url.path,
                )
                if disconnects:
                    await backoff.wait(retry, None)
                disconnects += 1
                retry += 1
                continue
            if response.status not in RETRYABLE_STATUSES or retry + 1 >= backoff.attempts:
                return response
            retry_after = retry_after_seconds(response)
            log.info(
                "Bot Connector answered %s to %s %s; retrying",
                response.status,
                request.method,
                request.url.path,
            )
            response.release()
            await backoff.wait(retry, retry_after)
            retry += 1

    return middleware


async def _resendable(request: ClientRequest) -> bool:
    """Whether the body of a request cut off mid-send can be sent again (as aiohttp checks
    before its own retry of idempotent requests): the cut-off write settled first."""
    await request.close()
    body = request.body
    return not (isinstance(body, Payload) and body.consumed)
