"""`boussole serve|web|clock`: the aiohttp server (Slack, Teams, health) and the scheduler."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import text

from bot.clock import SystemClock
from bot.delivery import Messenger
from bot.engine import Engine
from bot.ports import Clock
from main.rituals_app import RitualRuntime
from main.settings import Settings
from main.slack_settings import SlackSettings
from main.startup_objects import freeze_startup_objects
from main.teams_settings import TeamsSettings
from storage.database import Database, migration_heads

log = logging.getLogger("boussole")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Platforms:
    """The adapters that are on, their messengers, and why the others are off."""

    messengers: dict[str, Messenger] = field(default_factory=dict)
    attachers: list[Callable[[web.Application], None]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    socket_mode: Callable[[], Awaitable[None]] | None = None
    status: dict[str, str] = field(default_factory=dict)


def build_platforms(
    settings: Settings,
    engine: Engine,
    database: Database,
    clock: Clock,
    *,
    slack: SlackSettings | None = None,
    teams: TeamsSettings | None = None,
) -> Platforms:
    """Create the Slack and Teams adapters whose credentials are configured."""
    platforms = Platforms()
    slack_settings = slack or SlackSettings()
    slack_config = slack_settings.to_config(settings.public_base_url)
    if slack_config is None:
        platforms.status["slack"] = f"off: {slack_settings.why_off()}"
    else:
        from adapters.slack import SlackAdapter

        slack_adapter = SlackAdapter(slack_config, engine, database, clock)
        platforms.messengers["slack"] = slack_adapter.messenger
        platforms.closers.append(slack_adapter.close)
        if slack_config.app_token:
            platforms.socket_mode = slack_adapter.start_socket_mode
            platforms.status["slack"] = "on (Socket Mode)"
        else:
            platforms.attachers.append(slack_adapter.attach)
            platforms.status["slack"] = "on (POST /slack/events)"

    teams_settings = teams or TeamsSettings()
    teams_config = teams_settings.to_config()
    if teams_config is None:
        platforms.status["teams"] = f"off: {teams_settings.why_off()}"
    else:
        from adapters.teams import TeamsAdapter, check_bind_host

        check_bind_host(teams_config, settings.host)
        teams_adapter = TeamsAdapter(teams_config, engine, database, clock)
        platforms.messengers["teams"] = teams_adapter.messenger
        platforms.attachers.append(teams_adapter.attach)
        platforms.closers.append(teams_adapter.close)
        insecure = (
            " WITHOUT authentication (local development)" if teams_config.insecure_local_dev else ""
        )
        platforms.status["teams"] = f"on (POST /api/messages){insecure}"
    return platforms


def build_web_app(database: Database, platforms: Platforms) -> web.Application:
    """The aiohttp application: platform routes, /healthz and /metrics."""
    counts: Counter[str] = Counter()

    @web.middleware
    async def count_responses(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            counts[f'{request.path}",status="{error.status}'] += 1
            raise
        counts[f'{request.path}",status="{response.status}'] += 1
        return response

    async def health(_: web.Request) -> web.Response:
        try:
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # the database is what health reports on
            log.exception("health check: database unreachable")
            return web.json_response({"status": "error", "database": "unreachable"}, status=503)
        return web.json_response({"status": "ok", "database": "ok", "platforms": platforms.status})

    async def metrics(_: web.Request) -> web.Response:
        lines = ["# TYPE boussole_http_responses_total counter"]
        lines += [
            f'boussole_http_responses_total{{path="{key}"}} {value}'
            for key, value in sorted(counts.items())
        ]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    app = web.Application(middlewares=[count_responses])
    app.router.add_get("/healthz", health)
    app.router.add_get("/metrics", metrics)
    for attach in platforms.attachers:
        attach(app)
    return app


async def prepare_database(settings: Settings) -> Database:
    """Open the database; the embedded SQLite default migrates itself, PostgreSQL must be current.

    Both compare `alembic_version` with the heads of the migration files first: Alembic is
    imported only when the SQLite file has to be migrated."""
    database = Database.from_url(settings.database_url)
    if database.dialect == "sqlite":
        if await database.upgrade_if_behind():
            log.info("database migrated to %s", ", ".join(migration_heads()))
        return database
    current, heads = set(await database.current_revisions()), set(migration_heads())
    if current != heads:
        await database.dispose()
        raise SystemExit(
            f"The database is at {sorted(current) or 'no revision'}, the code expects "
            f"{sorted(heads)}: run `boussole db upgrade` first (Procfile: release)."
        )
    return database


async def wait_for_stop() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


async def run_server(settings: Settings, mode: str) -> int:
    """Run `serve` (web + scheduler), `web` (web only) or `clock` (scheduler only)."""
    database = await prepare_database(settings)
    clock = SystemClock()
    rituals = RitualRuntime(database, {}, clock, settings)
    engine = Engine(
        database.store,
        clock,
        default_locale=settings.default_locale,
        default_timezone=settings.default_timezone,
        extra_commands=rituals.commands,
    )
    try:
        platforms = build_platforms(settings, engine, database, clock)
    except ValueError as error:  # a configuration the adapters refuse, e.g. insecure Teams
        log.error("cannot start: %s", error)
        await database.dispose()
        return 2
    for messenger in platforms.messengers.values():
        rituals.connect(messenger)
    for name, status in platforms.status.items():
        log.info("%s %s", name, status)
    runner: web.AppRunner | None = None
    try:
        if mode in ("serve", "web"):
            runner = web.AppRunner(build_web_app(database, platforms), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, settings.host, settings.port).start()
            log.info("listening on http://%s:%s", settings.host, settings.port)
            if platforms.socket_mode is not None:
                await platforms.socket_mode()
        if mode in ("serve", "clock"):
            await rituals.start()
            log.info("ritual scheduler started")
        freeze_startup_objects()
        await wait_for_stop()
    finally:
        await rituals.stop()
        if runner is not None:
            await runner.cleanup()
        else:
            for close in platforms.closers:
                await close()
        await database.dispose()
    return 0
