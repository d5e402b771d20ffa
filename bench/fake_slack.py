"""A bench fake of Slack's Web API and response_url hooks on 127.0.0.1: timestamps what it
accepts, and can enforce Slack-like limits (1 message per second per channel, a per-workspace
rate) by answering 429 with Retry-After."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

HISTORY_LIMIT = 100


@dataclass(frozen=True)
class Limits:
    """chat.postMessage limits. 0 disables a limit. `workspace_rate` messages per second per
    workspace with a bucket of `workspace_burst`; one message per `channel_interval` seconds."""

    channel_interval: float = 0.0
    workspace_rate: float = 0.0
    workspace_burst: int = 1

    def minimum_seconds(self, per_workspace: int, per_channel: int = 1) -> float:
        """The least time, from the first message, in which a workspace can have
        `per_workspace` messages accepted (`per_channel` of them in the busiest channel)."""
        spans = [0.0]
        if self.workspace_rate > 0 and per_workspace > self.workspace_burst:
            spans.append((per_workspace - self.workspace_burst) / self.workspace_rate)
        if self.channel_interval > 0 and per_channel > 1:
            spans.append((per_channel - 1) * self.channel_interval)
        return max(spans)


@dataclass(frozen=True)
class Post:
    team_id: str
    channel: str
    at: float
    delivery_key: str
    text: str


class _Bucket:
    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(max(burst, 1))
        self.tokens = self.capacity
        self.updated = now

    def take(self, now: float) -> float:
        """0 when a message may go now (and count it), else the seconds to wait."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class FakeSlack:
    """Start with `await FakeSlack().start()`; `add_team` before the app calls it."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.teams: dict[str, str] = {}  # token -> team id
        self.posts: list[Post] = []
        self.keys: Counter[str] = Counter()
        """Accepted posts by delivery key (or channel and text when they carry none)."""
        self.first_post: dict[str, float] = {}  # channel -> when its first post was accepted
        self.hooks: dict[str, float] = {}  # response_url hook -> first call
        self.calls: Counter[str] = Counter()
        self.rejected = 0
        self.history: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self._buckets: dict[str, _Bucket] = {}
        self._channel_last: dict[str, float] = {}
        self._ts = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/hooks/{hook}", self._hook)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def hook_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def add_team(self, team_id: str, token: str) -> None:
        self.teams[token] = team_id

    def reset(self) -> None:
        """Forget what was received (between runs); teams and limits stay."""
        self.posts.clear()
        self.keys.clear()
        self.first_post.clear()
        self.hooks.clear()
        self.calls.clear()
        self.history.clear()
        self.rejected = 0
        self._buckets.clear()
        self._channel_last.clear()

    async def wait_until(self, done: Callable[[], bool], limit: float) -> bool:
        """Wait until `done()` is true (re-checked at every accepted call), `limit` seconds
        at most; whether it became true."""
        deadline = time.monotonic() + limit
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))
        return True

    def duplicates(self) -> int:
        """Accepted posts whose delivery key (or channel and text) was already accepted."""
        return sum(n - 1 for n in self.keys.values() if n > 1)

    # --- handlers ---------------------------------------------------------------------------

    async def _hook(self, request: web.Request) -> web.Response:
        await request.read()
        self.calls["response_url"] += 1
        self.hooks.setdefault(request.match_info["hook"], time.monotonic())
        self._changed.set()
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        team = self.teams.get(_token(request, params) or "")
        self.calls[method] += 1
        if team is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "chat.postMessage":
            return self._post_message(team, params)
        self._changed.set()
        return web.json_response(self._answer(method, team, params))

    def _post_message(self, team: str, params: dict[str, Any]) -> web.Response:
        now = time.monotonic()
        channel = str(params.get("channel") or "")
        if channel.startswith("U"):
            channel = "D" + channel[1:]
        wait = self._limited(team, channel, now)
        if wait > 0:
            self.rejected += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        metadata = params.get("metadata")
        key = ""
        if isinstance(metadata, dict) and isinstance(metadata.get("event_payload"), dict):
            key = str(metadata["event_payload"].get("delivery_key") or "")
        text = str(params.get("text") or "")
        self.posts.append(Post(team, channel, now, key, text))
        self.keys[key or f"{channel}\x00{text}"] += 1
        self.first_post.setdefault(channel, now)
        ts = f"1700000000.{next(self._ts):06d}"
        message: dict[str, Any] = {"type": "message", "ts": ts, "text": text, "bot_id": "B0BENCH"}
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        history = self.history[channel]
        history.append(message)
        del history[:-HISTORY_LIMIT]
        self._changed.set()
        return web.json_response({"ok": True, "channel": channel, "ts": ts, "message": message})

    def _limited(self, team: str, channel: str, now: float) -> float:
        """Seconds to wait before this post may be accepted; 0 means accept (and count) it."""
        limits = self.limits
        if limits.channel_interval > 0:
            last = self._channel_last.get(channel)
            if last is not None and now - last < limits.channel_interval:
                return limits.channel_interval - (now - last)
        if limits.workspace_rate > 0:
            bucket = self._buckets.get(team)
            if bucket is None:
                bucket = self._buckets[team] = _Bucket(
                    limits.workspace_rate, limits.workspace_burst, now
                )
            wait = bucket.take(now)
            if wait > 0:
                return wait
        if limits.channel_interval > 0:
            self._channel_last[channel] = now
        return 0.0

    def _answer(self, method: str, team: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": f"https://{team.lower()}.slack.com/",
                "team": team,
                "user": "boussole",
                "team_id": team,
                "user_id": f"UBOT{team}",
                "bot_id": f"B{team}",
                "is_enterprise_install": False,
            }
        if method == "conversations.open":
            users = str(params.get("users") or "")
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0][1:]}}
        if method == "conversations.history":
            channel = str(params.get("channel") or "")
            return {
                "ok": True,
                "messages": list(reversed(self.history.get(channel, []))),
                "has_more": False,
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": f"V{next(self._ts):08d}"}}
        return {"ok": True}


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            params.update(dict(await request.post()))
    metadata = params.get("metadata")
    if isinstance(metadata, str) and metadata.startswith("{"):
        params["metadata"] = json.loads(metadata)
    return params


def _token(request: web.Request, params: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    token = params.get("token")
    return str(token) if token else None
