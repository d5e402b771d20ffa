"""POST /api/messages: our guard (auth, content type, JSON, activity shape) before the SDK runs."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any, Final
from uuid import uuid4

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, ChannelId, DeliveryModes
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import Agent, HttpResponse, HttpResponseFactory
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from pydantic import ValidationError

from adapters.teams.auth import TokenRejected, TokenVerifier, VerifiedToken
from adapters.teams.keys import KeysUnavailable
from adapters.teams.service_urls import ServiceUrlPolicy, same_service_host
from adapters.teams.tokens import TokenUnavailable

log = logging.getLogger(__name__)

MESSAGES_PATH: Final = "/api/messages"
JSON_CONTENT_TYPE: Final = "application/json"
KEYS_RETRY_AFTER_SECONDS: Final = "10"


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


class MessagesEndpoint:
    """Every check the SDK gets wrong or lacks happens here; the SDK only sees clean requests.

    The SDK's own JWT middleware is not used: it fetches keys only from Microsoft's fixed URLs,
    answers 500 to `alg=none` or kid-less tokens, to JSON that is not an object and to
    ill-typed activities, and accepts any content type (see docs/teams.md).
    """

    def __init__(
        self,
        verifier: TokenVerifier | None,
        policy: ServiceUrlPolicy,
        adapter: CloudAdapter,
        agent: Agent,
        *,
        max_body_bytes: int,
    ) -> None:
        self._verifier = verifier
        self._policy = policy
        self._adapter = adapter
        self._agent = agent
        self._max_body_bytes = max_body_bytes

    async def handle(self, request: web.Request) -> web.StreamResponse:
        token: VerifiedToken | None = None
        if self._verifier is not None:
            try:
                token = await self._verifier.verify(request.headers.get("Authorization"))
            except TokenRejected as rejection:
                log.warning("Teams request refused: %s", rejection)
                return _error(401, "unauthorized")
            except KeysUnavailable:
                return _error(
                    503,
                    "identity provider unavailable",
                    **{"Retry-After": KEYS_RETRY_AFTER_SECONDS},
                )
        parsed = await self._read_activity(request)
        if isinstance(parsed, web.Response):
            return parsed
        activity = parsed
        identity: ClaimsIdentity | None = None
        if token is not None:
            refusal = self._check_binding(token, activity)
            if refusal is not None:
                return refusal
            identity = ClaimsIdentity(
                token.claims, authentication_type="Bearer", security_token=token.token
            )
        if not self._policy.is_allowed(activity.service_url):
            log.warning("Teams activity refused: service URL host not allow-listed")
            return _error(403, "service URL not allowed")
        try:
            response = await self._run_turn(activity, identity)
        except TokenUnavailable:
            return _error(503, "bot credentials unavailable", **{"Retry-After": "30"})
        return CloudAdapter._to_aiohttp_response(response)

    async def _run_turn(self, activity: Activity, identity: ClaimsIdentity | None) -> HttpResponse:
        """The turn, as the SDK's `process_request` runs it once it has read and checked a
        request (done above: the activity is not parsed and validated a second time). The
        answer is 202, or for an invoke or `expectReplies` the turn's invoke response (501
        when there is none). Not kept: that method's telemetry span (the SDK's own turn and
        send spans remain)."""
        activity.request_id = str(uuid4())
        try:
            invoked = await self._adapter.process_activity(
                identity or ClaimsIdentity(), activity, self._agent.on_turn
            )
        except PermissionError:
            return HttpResponseFactory.unauthorized()
        if (
            activity.type == ActivityTypes.invoke
            or activity.delivery_mode == DeliveryModes.expect_replies
        ):
            status = (invoked.status if invoked else None) or HTTPStatus.NOT_IMPLEMENTED
            return HttpResponseFactory.json(invoked.body if invoked else None, status)
        return HttpResponseFactory.accepted()

    async def _read_activity(self, request: web.Request) -> Activity | web.Response:
        if request.content_type != JSON_CONTENT_TYPE:
            return _error(415, "expected application/json")
        if request.content_length is not None and request.content_length > self._max_body_bytes:
            return _error(413, "body too large")
        body = await request.read()
        if len(body) > self._max_body_bytes:
            return _error(413, "body too large")
        try:
            document: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "malformed JSON")
        if not isinstance(document, dict):
            return _error(400, "an activity must be a JSON object")
        try:
            activity = Activity.model_validate(document)
        except (ValidationError, ValueError, TypeError):
            return _error(400, "malformed activity")
        if not activity.type or not activity.conversation or not activity.conversation.id:
            return _error(400, "an activity needs a type and conversation.id")
        if not activity.service_url:
            return _error(400, "an activity needs a serviceUrl")
        return activity

    @staticmethod
    def _check_binding(token: VerifiedToken, activity: Activity) -> web.Response | None:
        """The token must be endorsed for the activity's channel and name its service URL."""
        channel = str(ChannelId.get_channel(activity.channel_id)) if activity.channel_id else ""
        if token.endorsements is not None and channel not in token.endorsements:
            log.warning("Teams request refused: key not endorsed for channel %r", channel)
            return _error(401, "unauthorized")
        claimed = token.service_url
        if not claimed or not same_service_host(claimed, activity.service_url or ""):
            log.warning("Teams request refused: serviceurl claim does not match the activity")
            return _error(401, "unauthorized")
        return None
