"""The bare baselines, one process: a slack-bolt AsyncApp that only acks and/or a Microsoft 365
Agents SDK echo bot (CloudAdapter, the SDK's own JWT check), on aiohttp, with /healthz.

`python -m bench.bare_server --port P [--slack] [--teams]`; settings come from BENCH_* variables.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import signal
from typing import Any

from aiohttp import web

log = logging.getLogger("bench.bare")


def slack_routes(app: web.Application) -> None:
    """POST /slack/events: Bolt verifies the signature, authorises (auth.test, cached) and acks."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(
        token=os.environ["BENCH_SLACK_BOT_TOKEN"], base_url=os.environ["BENCH_SLACK_API_URL"]
    )
    bolt = AsyncApp(signing_secret=os.environ["BENCH_SLACK_SIGNING_SECRET"], client=client)

    @bolt.command(re.compile(r"^/.+$"))
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app.router.add_post("/slack/events", events)


def teams_routes(app: web.Application) -> None:
    """POST /api/messages: the SDK's JWT decorator, CloudAdapter, an agent that echoes."""
    import microsoft_agents.authentication.msal  # noqa: F401  (a real bot's token source)
    from microsoft_agents.activity import Activity
    from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
    from microsoft_agents.hosting.core import (
        ActivityHandler,
        AgentAuthConfiguration,
        AnonymousTokenProvider,
        TurnContext,
    )
    from microsoft_agents.hosting.core.authorization import _entra_issuers

    app_id = os.environ["BENCH_TEAMS_APP_ID"]
    # The SDK fetches signing keys from Microsoft's fixed URL for this issuer: point it at the
    # local identity provider, the one change needed to run the SDK's own check on loopback.
    _entra_issuers.BOTFRAMEWORK_JWKS_URIS[_entra_issuers.BOTFRAMEWORK_PUBLIC_ISSUER] = os.environ[
        "BENCH_TEAMS_JWKS_URL"
    ]
    app["agent_configuration"] = AgentAuthConfiguration(
        client_id=app_id, client_secret=os.environ["BENCH_TEAMS_APP_PASSWORD"], tenant_id="common"
    )

    class CachedToken(AnonymousTokenProvider):
        """A bot token fetched once from the local token endpoint, as MSAL caches it (MSAL
        itself is imported, as a real bot does, but would call Microsoft)."""

        token = ""

        async def get_access_token(
            self, resource_url: str, scopes: list[str], force_refresh: bool = False
        ) -> str:
            if not CachedToken.token:
                CachedToken.token = await fetch_token(os.environ["BENCH_TEAMS_TOKEN_URL"], app_id)
            return CachedToken.token

    class Connections:
        provider = CachedToken()

        def get_connection(self, _name: str) -> CachedToken:
            return self.provider

        def get_default_connection(self) -> CachedToken:
            return self.provider

        def get_token_provider(self, *_args: Any) -> CachedToken:
            return self.provider

        def get_token_provider_from_activity(self, *_args: Any) -> CachedToken:
            return self.provider

        def get_default_connection_configuration(self) -> AgentAuthConfiguration:
            configuration: AgentAuthConfiguration = app["agent_configuration"]
            return configuration

    class Echo(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:  # type: ignore[override]
            text = turn_context.activity.text or ""
            await turn_context.send_activity(Activity(type="message", text=f"echo: {text}"))

    adapter = CloudAdapter(connection_manager=Connections())
    agent = Echo()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, agent)
        return response if response is not None else web.Response(status=202)

    checked: Any = jwt_authorization_decorator(messages)  # type: ignore[no-untyped-call]
    app.router.add_post("/api/messages", checked)


async def fetch_token(url: str, app_id: str) -> str:
    import aiohttp

    form = {"grant_type": "client_credentials", "client_id": app_id, "client_secret": "x"}
    async with aiohttp.ClientSession() as http, http.post(url, data=form) as response:
        return str((await response.json())["access_token"])


async def serve(port: int, *, slack: bool, teams: bool) -> None:
    app = web.Application()

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", health)
    if slack:
        slack_routes(app)
    if teams:
        teams_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack", action="store_true")
    parser.add_argument("--teams", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(args.port, slack=args.slack, teams=args.teams))


if __name__ == "__main__":
    main()
