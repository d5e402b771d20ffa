"""Outbound Slack clients: one Web API client per workspace, sharing one aiohttp session, each
honouring 429 Retry-After for its own workspace and method without slowing the others."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urljoin

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.web.internal_utils import get_user_agent
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.config import SlackConfig

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_SECONDS = 1.0
MAX_CACHED_CLIENTS = 1000
RATE_LIMIT_RETRIES = 2
"""Short 429s (within a client's `max_wait`) waited out and retried, at most, per call."""
JSON_CONTENT_TYPE = "application/json;charset=utf-8"

Sleep = Callable[[float], Awaitable[None]]


def retry_after_seconds(headers: Mapping[str, Any] | None) -> float:
    """Slack's Retry-After header in seconds; 1 s when absent or unreadable."""
    if not headers:
        return DEFAULT_RETRY_AFTER_SECONDS
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                seconds = float(str(raw).strip())
            except ValueError:
                return DEFAULT_RETRY_AFTER_SECONDS
            return seconds if 0 <= seconds < 86400 else DEFAULT_RETRY_AFTER_SECONDS
    return DEFAULT_RETRY_AFTER_SECONDS


class RateLimits:
    """When each (workspace, API method) may be called again after a 429. Waiting for one
    workspace's limit is a sleep of that caller only: other workspaces go on."""

    def __init__(self, *, sleep: Sleep = asyncio.sleep, now: Callable[[], float] = time.monotonic):
        self._sleep = sleep
        self._now = now
        self._until: dict[tuple[str, str], float] = {}

    def block(self, team_id: str, method: str, seconds: float) -> None:
        key = (team_id, method)
        self._until[key] = max(self._until.get(key, 0.0), self._now() + seconds)

    def remaining(self, team_id: str, method: str) -> float:
        key = (team_id, method)
        left = self._until.get(key, 0.0) - self._now()
        if left <= 0:
            self._until.pop(key, None)
            return 0.0
        return left

    async def wait(self, team_id: str, method: str) -> None:
        left = self.remaining(team_id, method)
        if left > 0:
            log.info("Slack rate limit: waiting %.1fs for %s on %s", left, method, team_id)
            await self._sleep(left)


class RateLimited(Exception):
    """The workspace is rate-limited for longer than we are willing to wait in process."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after:.0f}s")
        self.retry_after = retry_after


class TeamRateLimitRetryHandler(AsyncRetryHandler):
    """On 429: record the workspace's Retry-After, then retry after it, if it is short enough."""

    def __init__(
        self,
        team_id: str,
        limits: RateLimits,
        *,
        max_wait: float,
        max_retry_count: int = RATE_LIMIT_RETRIES,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.team_id = team_id
        self.limits = limits
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        seconds = retry_after_seconds(response.headers)
        self.limits.block(self.team_id, _method(request.url), seconds)
        return seconds <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await self.limits.wait(self.team_id, _method(request.url))
        state.increment_current_attempt()


def _method(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


class SlackApiClient(AsyncWebClient):
    """AsyncWebClient sending OAuth client credentials as a plain Basic header (slack_sdk's way
    goes through aiohttp.BasicAuth, deprecated in aiohttp 3.14)."""

    async def api_call(
        self,
        api_method: str,
        *,
        auth: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> AsyncSlackResponse:
        if isinstance(auth, dict):
            pair = f"{auth['client_id']}:{auth['client_secret']}".encode()
            basic = "Basic " + base64.b64encode(pair).decode("ascii")
            headers = {**(headers or {}), "Authorization": basic}
            auth = None
        return await super().api_call(api_method, auth=auth, headers=headers, **kwargs)


class TeamWebClient(SlackApiClient):
    """An AsyncWebClient bound to one workspace: waits out that workspace's short rate limits
    before each call, and raises RateLimited for long ones so no caller sleeps for minutes.
    No automatic retry on connection errors: a post may have landed (see messenger)."""

    def __init__(self, *, team_id: str, limits: RateLimits, max_wait: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.team_id = team_id
        self._limits = limits
        self._max_wait = max_wait
        self._json_headers = {
            "Content-Type": JSON_CONTENT_TYPE,
            "User-Agent": get_user_agent(),
            "Authorization": f"Bearer {self.token}",
            **self.headers,
        }
        self._request_timeout = aiohttp.ClientTimeout(total=self.timeout)
        self._urls: dict[str, str] = {}

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        """Wait out a short rate limit; refuse at once (RateLimited) when it is long (with
        `max_wait` 0: whenever the workspace is rate-limited for this method). A call with
        only a JSON body (`chat.postMessage`, `views.publish`...) takes `_post_json`."""
        left = self._limits.remaining(self.team_id, api_method)
        if left > self._max_wait:
            raise RateLimited(left)
        await self._limits.wait(self.team_id, api_method)
        body = kwargs.get("json")
        if len(kwargs) == 1 and isinstance(body, dict) and "token" not in body and self._direct():
            return await self._post_json(api_method, body)
        return await super().api_call(api_method, **kwargs)

    async def post_message(self, **fields: Any) -> AsyncSlackResponse:
        """`chat.postMessage` with a body of plain JSON values (Boussole renders its blocks as
        dicts): the body slack_sdk's `chat_postMessage` sends, without its search for Block
        Kit objects to convert (about 30 `isinstance` checks a post)."""
        body = {name: value for name, value in fields.items() if value is not None}
        return await self.api_call("chat.postMessage", json=body)

    def _direct(self) -> bool:
        return bool(self.token) and self.session is not None and not self.session.closed

    async def _post_json(self, api_method: str, body: dict[str, Any]) -> AsyncSlackResponse:
        """What slack_sdk does for a JSON POST (same headers and body, its 429 retry handler's
        rule, `validate`), straight on the shared session: its general request path cost about
        90 µs of CPU more a call."""
        assert self.session is not None
        for name, value in self.default_params.items():
            body.setdefault(name, value)
        url = self._urls.get(api_method)
        if url is None:
            url = self._urls[api_method] = urljoin(self.base_url, api_method)
        data = json.dumps(body).encode()
        options: dict[str, Any] = {}
        if self.proxy:
            options["proxy"] = self.proxy
        if self.ssl is not None:
            options["ssl"] = self.ssl
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            async with self.session.post(
                url,
                data=data,
                headers=self._json_headers,
                timeout=self._request_timeout,
                **options,
            ) as response:
                status, headers = response.status, response.headers
                answer = (
                    await response.json() if response.content_type == "application/json" else {}
                )
            if status == 429:
                seconds = retry_after_seconds(headers)
                self._limits.block(self.team_id, api_method, seconds)
                if seconds <= self._max_wait and attempt < RATE_LIMIT_RETRIES:
                    await self._limits.wait(self.team_id, api_method)
                    continue
            break
        result = AsyncSlackResponse(
            client=self,
            http_verb="POST",
            api_url=url,
            req_args={"json": body},
            data=answer,
            headers=headers,  # type: ignore[arg-type]  # a case-insensitive mapping, as slack_sdk's
            status_code=status,
        )
        result.validate()  # type: ignore[no-untyped-call]  # raises SlackApiError
        return result


class SlackClients:
    """Builds and caches the per-workspace clients; owns the shared aiohttp session."""

    def __init__(self, config: SlackConfig, limits: RateLimits | None = None) -> None:
        self.config = config
        self.limits = limits or RateLimits()
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[tuple[str, str, float], TeamWebClient] = {}

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config.http_timeout_seconds)
            )
            self._clients.clear()
        return self._session

    def for_team(self, team_id: str, token: str, *, max_wait: float | None = None) -> TeamWebClient:
        """The workspace's client. `max_wait`: the longest rate limit it waits out in process
        (default: the configured one; 0 for callers that would rather requeue, like the
        rituals' sender, so a 429 never holds them)."""
        wait = self.config.rate_limit_max_wait_seconds if max_wait is None else max_wait
        key = (team_id, token, wait)
        client = self._clients.get(key)
        if client is None:
            if len(self._clients) >= MAX_CACHED_CLIENTS:
                self._clients.clear()
            client = TeamWebClient(
                team_id=team_id,
                limits=self.limits,
                max_wait=wait,
                token=token,
                base_url=self.config.api_base_url,
                timeout=self.config.http_timeout_seconds,
                session=self.session(),
                retry_handlers=[self.rate_limit_handler(team_id, max_wait=wait)],
            )
            self._clients[key] = client
        return client

    def rate_limit_handler(
        self, team_id: str, *, max_wait: float | None = None
    ) -> TeamRateLimitRetryHandler:
        wait = self.config.rate_limit_max_wait_seconds if max_wait is None else max_wait
        return TeamRateLimitRetryHandler(team_id, self.limits, max_wait=wait)

    def webhook(self, team_id: str, url: str) -> AsyncWebhookClient:
        """A client for one `response_url` (no automatic retry on connection errors)."""
        return AsyncWebhookClient(
            url,
            timeout=self.config.http_timeout_seconds,
            session=self.session(),
            retry_handlers=[self.rate_limit_handler(team_id)],
        )

    async def close(self) -> None:
        self._clients.clear()
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
