"""The aiohttp face of the Slack app: size, signature and syntax checks in front of Bolt, and a
deadline so Slack always gets its acknowledgement within 3 seconds."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack.tasks import BackgroundTasks

log = logging.getLogger(__name__)

#: Slack rejects nothing older; neither do we accept it (replay protection).
SIGNATURE_WINDOW_SECONDS: Final = 5 * 60
READ_CHUNK: Final = 64 * 1024

_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")


class Rejected(Exception):
    """A request refused before Bolt sees it, with its HTTP status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify_signature(
    secret: str, headers: Any, body: bytes, *, now: Callable[[], float] = time.time
) -> None:
    """Slack's v0 signature over the raw body, within the 5-minute window; Rejected(401)."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not secret:
        raise Rejected(401, "no signing secret configured")
    if not isinstance(timestamp, str) or not _TIMESTAMP.match(timestamp):
        raise Rejected(401, "missing or malformed timestamp")
    if not isinstance(signature, str) or not _SIGNATURE.match(signature):
        raise Rejected(401, "missing or malformed signature")
    if abs(now() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        raise Rejected(401, "stale timestamp")
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Rejected(401, "bad signature")


def parse_slack_body(text: str, content_type: str) -> dict[str, Any]:
    """Slash command form, interactivity `payload=` form or Events API JSON -> dict; Rejected(400)."""
    stripped = text.lstrip()
    try:
        if content_type == "application/json" or stripped.startswith("{"):
            parsed: object = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
            parsed = json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, KeyError) as error:
        raise Rejected(400, f"malformed body: {error}") from None
    if not isinstance(parsed, dict) or not parsed:
        raise Rejected(400, "body is not an object")
    check_shape(parsed)
    return parsed


# Shapes every Slack payload respects; Bolt assumes them and would fail with a 500 otherwise.
_OBJECT_OR_ID: Final = frozenset({"team", "user", "channel", "enterprise"})
_OBJECTS: Final = frozenset({"container", "event", "view", "message", "state", "tokens", "item"})
_LISTS_OF_OBJECTS: Final = frozenset({"actions", "authorizations"})
_STRINGS: Final = frozenset(
    {
        "type",
        "id",
        "team_id",
        "user_id",
        "enterprise_id",
        "api_app_id",
        "callback_id",
        "command",
        "trigger_id",
        "response_url",
        "action_id",
        "block_id",
        "tab",
    }
)
_MAX_DEPTH: Final = 8


def check_shape(payload: dict[str, Any], depth: int = 0) -> None:
    """Rejected(400) when a well-known field has a type Slack never sends."""
    if depth > _MAX_DEPTH:
        return
    for key, value in payload.items():
        if key in _OBJECT_OR_ID and not isinstance(value, dict | str | None):
            raise Rejected(400, f"{key} must be an object or an id")
        if key in _OBJECTS and not isinstance(value, dict):
            raise Rejected(400, f"{key} must be an object")
        if key in _LISTS_OF_OBJECTS and not (
            isinstance(value, list) and all(isinstance(item, dict) for item in value)
        ):
            raise Rejected(400, f"{key} must be a list of objects")
        if key in _STRINGS and not isinstance(value, str | None):
            raise Rejected(400, f"{key} must be a string")
        if isinstance(value, dict):
            check_shape(value, depth + 1)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    check_shape(item, depth + 1)


async def read_limited(request: web.Request, limit: int) -> bytes:
    """The raw body, refusing (413) anything over `limit` bytes before reading it all."""
    if request.content_length is not None and request.content_length > limit:
        raise Rejected(413, "body too large")
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(READ_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise Rejected(413, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def bolt_request(request: web.Request, text: str, parsed: dict[str, Any]) -> AsyncBoltRequest:
    """Bolt's request for a body we accepted (Rejected(400) if Bolt cannot read it)."""
    try:
        bolt = AsyncBoltRequest(
            body=text, query=request.query_string, headers=dict(request.headers)
        )
        if bolt.body != parsed:
            # Bolt's parser reads a slash command whose text contains "payload" as empty.
            bolt.body = parsed
            bolt.context = build_async_context(AsyncBoltContext({}), parsed)
    except Exception as error:
        raise Rejected(400, f"unreadable payload: {error!r}") from None
    return bolt


class SlackHttp:
    """Request handlers for /slack/events, /slack/install and /slack/oauth_redirect."""

    def __init__(
        self,
        app: AsyncApp,
        *,
        signing_secret: str,
        tasks: BackgroundTasks,
        max_body_bytes: int,
        ack_deadline_seconds: float,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.signing_secret = signing_secret
        self.tasks = tasks
        self.max_body_bytes = max_body_bytes
        self.ack_deadline_seconds = ack_deadline_seconds
        self.now = now

    async def events(self, request: web.Request) -> web.StreamResponse:
        try:
            raw = await read_limited(request, self.max_body_bytes)
            verify_signature(self.signing_secret, request.headers, raw, now=self.now)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Rejected(400, "body is not UTF-8") from None
            parsed = parse_slack_body(text, request.content_type)
            bolt = bolt_request(request, text, parsed)
        except Rejected as rejected:
            log.info("Slack request refused (%s): %s", rejected.status, rejected.reason)
            return web.json_response({"error": rejected.reason}, status=rejected.status)
        return await self._dispatch(bolt)

    async def _dispatch(self, bolt: AsyncBoltRequest) -> web.StreamResponse:
        """Bolt's answer if it comes within the deadline; else an empty 200 (Slack's ack) while
        Bolt goes on in the background (authorisation may be waiting for the database)."""
        dispatching = self.tasks.spawn(self.app.async_dispatch(bolt), name="slack-dispatch")
        done, _ = await asyncio.wait({dispatching}, timeout=self.ack_deadline_seconds)
        if dispatching not in done:
            log.warning(
                "Slack request still running after %.1fs: acknowledged", self.ack_deadline_seconds
            )
            return web.Response(status=200, text="")
        return await to_aiohttp_response(dispatching.result())

    async def install(self, request: web.Request) -> web.StreamResponse:
        flow = self._flow()
        return await to_aiohttp_response(
            await flow.handle_installation(self._oauth_request(request))
        )

    async def oauth_redirect(self, request: web.Request) -> web.StreamResponse:
        flow = self._flow()
        return await to_aiohttp_response(await flow.handle_callback(self._oauth_request(request)))

    def _flow(self) -> AsyncOAuthFlow:
        if self.app.oauth_flow is None:
            raise web.HTTPNotFound()
        return self.app.oauth_flow

    @staticmethod
    def _oauth_request(request: web.Request) -> AsyncBoltRequest:
        return AsyncBoltRequest(body="", query=request.query_string, headers=dict(request.headers))
