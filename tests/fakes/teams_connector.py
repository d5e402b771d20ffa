"""A fake Bot Connector (Teams' service URL) on 127.0.0.1: records what the bot sends, can fail."""

from __future__ import annotations

import itertools
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

MESSAGE_WRITES_BLOCKED_BODY = {
    "error": {"code": "MessageWritesBlocked", "message": "Thread is blocked by the user."}
}


@dataclass(frozen=True)
class Received:
    """One request the bot made: kind is "send", "reply", "update" or "create"."""

    kind: str
    method: str
    path: str
    conversation_id: str
    activity_id: str
    body: dict[str, Any]
    raw_size: int
    authorization: str
    answered_id: str
    """The id the fake gave the new activity (what Teams returns), "" if it failed."""

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass(frozen=True)
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class FakeTeamsConnector:
    """Answers like the Bot Connector REST API (v3). Script failures with `fail_next`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.attempts: list[Received] = []
        self._failures: deque[Failure | None] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.service_url = ""

    async def start(self) -> FakeTeamsConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._reply)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.service_url = f"http://127.0.0.1:{port}/"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        for _ in range(times):
            self._failures.append(
                Failure(status, body or {"error": {"code": str(status)}}, headers or {})
            )

    def succeed_next(self, times: int = 1) -> None:
        """Let the next `times` requests succeed before the failures scripted after this call."""
        self._failures.extend([None] * times)

    def block_writes(self, times: int = 1) -> None:
        """Answer 403 MessageWritesBlocked, as Teams does when a user blocked the bot."""
        self.fail_next(403, times=times, body=MESSAGE_WRITES_BLOCKED_BODY)

    def of_kind(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.kind == kind]

    @staticmethod
    def _received(request: web.Request, kind: str, raw: bytes, answered_id: str) -> Received:
        """What the fake notes of one request (`answered_id` empty when not answered)."""
        return Received(
            kind=kind,
            method=request.method,
            path=request.path,
            conversation_id=request.match_info.get("conversation", ""),
            activity_id=request.match_info.get("activity", ""),
            body=json.loads(raw) if raw else {},
            raw_size=len(raw),
            authorization=request.headers.get("Authorization", ""),
            answered_id=answered_id,
        )

    async def _record(
        self, request: web.Request, kind: str, new_id: str
    ) -> tuple[Received, web.Response | None]:
        raw = await request.read()
        failure = self._failures.popleft() if self._failures else None
        received = self._received(request, kind, raw, "" if failure else new_id)
        self.attempts.append(received)
        if failure is not None:
            return received, web.json_response(
                failure.body, status=failure.status, headers=failure.headers
            )
        self.received.append(received)
        return received, None

    async def _send(self, request: web.Request) -> web.Response:
        received, failure = await self._record(request, "send", f"activity-{next(self._ids)}")
        return failure or web.json_response({"id": received.answered_id}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        received, failure = await self._record(request, "reply", f"activity-{next(self._ids)}")
        return failure or web.json_response({"id": received.answered_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        received, failure = await self._record(
            request, "update", request.match_info.get("activity", "")
        )
        return failure or web.json_response({"id": received.answered_id}, status=200)

    async def _create(self, request: web.Request) -> web.Response:
        received, failure = await self._record(request, "create", f"a:personal-{next(self._ids)}")
        return failure or web.json_response({"id": received.answered_id}, status=201)
