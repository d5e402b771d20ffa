"""A local fake of Slack's Web API and response_url hooks (aiohttp on 127.0.0.1): it records
every call and can be told to answer 429 with Retry-After, 5xx, an API error, to hold a call
until released, or to drop the connection."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

RESPONSE_URL = "response_url"
SOCKET_ACK = "socket_ack"


@dataclass(frozen=True)
class Call:
    """One request the fake received: the API method (or "response_url"), its parameters, the
    token it carried and the workspace that token belongs to."""

    method: str
    params: dict[str, Any]
    token: str | None
    team_id: str | None
    path: str = ""


@dataclass
class Fault:
    """What to do instead of answering normally."""

    status: int = 200
    error: str | None = None
    ok: bool = False  # answer normally this time (to fail a later call)
    retry_after: str | None = None
    drop: bool = False  # close the connection without an answer
    record_first: bool = False  # with drop: the call took effect before the connection died
    hold: asyncio.Event | None = None  # wait for this event, then answer normally


@dataclass
class Team:
    team_id: str
    name: str
    token: str
    bot_user_id: str
    bot_id: str


@dataclass
class Grant:
    """What oauth.v2.access answers for a code (or a refresh token)."""

    team_id: str
    team_name: str
    token: str
    installer: str = "U0INSTALL"
    refresh_token: str | None = None
    expires_in: int | None = None


class FakeSlackApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.teams: dict[str, Team] = {}  # by token
        self.grants: dict[str, Grant] = {}  # by code or refresh token
        self.history: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.received = asyncio.Event()  # set at every call (tests wait on it, never on time)

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{hook}", self._hook)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        for queue in self._faults.values():
            for fault in queue:
                if fault.hold is not None:
                    fault.hold.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    # --- set-up -----------------------------------------------------------------------------

    def add_team(self, team_id: str, token: str, *, name: str = "") -> Team:
        team = Team(team_id, name or team_id.lower(), token, f"UBOT{team_id}", f"B{team_id}")
        self.teams[token] = team
        return team

    def grant(self, code: str, grant: Grant) -> None:
        self.grants[code] = grant
        self.add_team(grant.team_id, grant.token, name=grant.team_name)

    def fail(self, method: str, *faults: Fault) -> None:
        """The next calls of `method` meet these faults, in order; later ones succeed."""
        self._faults[method].extend(faults)

    def rate_limit(self, method: str, retry_after: str = "1", times: int = 1) -> None:
        self.fail(
            method, *(Fault(429, "ratelimited", retry_after=retry_after) for _ in range(times))
        )

    def hold(self, method: str) -> asyncio.Event:
        """The next call of `method` waits until the returned event is set."""
        release = asyncio.Event()
        self.fail(method, Fault(hold=release))
        return release

    # --- queries ----------------------------------------------------------------------------

    def of(self, method: str, *, team_id: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (team_id is None or c.team_id == team_id)
        ]

    def count(self, method: str, *, team_id: str | None = None) -> int:
        return len(self.of(method, team_id=team_id))

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def wait_for(self, method: str, count: int = 1) -> None:
        """Wait (on events, no clock) until `method` was called `count` times."""
        while self.count(method) < count:
            self.received.clear()
            await self.received.wait()

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to every connected app."""
        for socket in self._sockets:
            await socket.send_json(envelope)

    async def wait_for_socket(self) -> None:
        while not self._sockets:
            self.received.clear()
            await self.received.wait()

    # --- handlers ---------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Slack's Socket Mode WebSocket: says hello, records the app's acknowledgements."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.received.set()
        try:
            async for frame in socket:
                if frame.type == WSMsgType.TEXT:
                    self._record(Call(SOCKET_ACK, json.loads(frame.data), None, None))
        finally:
            self._sockets.remove(socket)
        return socket

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        params = await _params(request)
        self._record(Call(RESPONSE_URL, params, None, None, request.path))
        fault = await self._fault(RESPONSE_URL, request)
        if fault is not None:
            return fault
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _params(request)
        token = _token(request, params)
        team = self.teams.get(token or "")
        faults = self._faults.get(method)
        pending = faults[0] if faults else None
        if pending is not None and pending.drop and pending.record_first:
            self._record(Call(method, params, token, team.team_id if team else None))
            self._apply(method, params, team)
            faults.popleft()  # type: ignore[union-attr]
            return await _drop(request)
        self._record(Call(method, params, token, team.team_id if team else None))
        fault = await self._fault(method, request)
        if fault is not None:
            return fault
        if method not in ("oauth.v2.access", "apps.connections.open") and team is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response(self._apply(method, params, team))

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self.received.set()

    async def _fault(self, method: str, request: web.Request) -> web.StreamResponse | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue.popleft()
        if fault.ok:
            return None
        if fault.hold is not None:
            await fault.hold.wait()
            return None
        if fault.drop:
            return await _drop(request)
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        if fault.status >= 500:
            return web.Response(status=fault.status, text="upstream error", headers=headers)
        body = {"ok": False, "error": fault.error or "fatal_error"}
        return web.json_response(body, status=fault.status, headers=headers)

    def _apply(self, method: str, params: dict[str, Any], team: Team | None) -> dict[str, Any]:
        if method == "auth.test":
            assert team is not None
            return {
                "ok": True,
                "url": f"https://{team.name}.slack.com/",
                "team": team.name,
                "user": "boussole",
                "team_id": team.team_id,
                "user_id": team.bot_user_id,
                "bot_id": team.bot_id,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            channel = str(params.get("channel"))
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            ts = f"1700000000.{next(self._ts):06d}"
            message = {"type": "message", "ts": ts, "text": params.get("text"), "bot_id": "B"}
            if isinstance(params.get("metadata"), dict):
                message["metadata"] = params["metadata"]
            self.history[channel].append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": f"V{next(self._views):08d}"}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", ""))[1:]}}
        if method == "conversations.history":
            channel = str(params.get("channel"))
            with_metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
            messages = []
            for item in reversed(self.history.get(channel, [])):
                copy = dict(item)
                if not with_metadata:
                    copy.pop("metadata", None)
                messages.append(copy)
            return {"ok": True, "messages": messages, "has_more": False}
        if method == "oauth.v2.access":
            return self._oauth(params)
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        return {"ok": True}

    def _oauth(self, params: dict[str, Any]) -> dict[str, Any]:
        key = params.get("refresh_token") or params.get("code")
        grant = self.grants.get(str(key))
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0BOUSSOLE",
            "authed_user": {"id": grant.installer},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": grant.token,
            "bot_user_id": f"UBOT{grant.team_id}",
            "team": {"id": grant.team_id, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if grant.refresh_token is not None:
            answer["refresh_token"] = grant.refresh_token
            answer["expires_in"] = grant.expires_in or 43200
        return answer


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            params.update(dict(await request.post()))
    for key in ("blocks", "metadata", "view"):
        value = params.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            params[key] = json.loads(value)
    return params


def _token(request: web.Request, params: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    if header.startswith("Basic "):
        return None
    token = params.get("token")
    return str(token) if token else None


async def _drop(request: web.Request) -> web.StreamResponse:
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError  # aiohttp abandons the handler: the client sees a dropped link
