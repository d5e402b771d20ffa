"""The `boussole` command line: console, serve / web / clock, db, demo, platform set-up helpers."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from main.settings import Settings

MIN_PYTHON = (3, 12)

NOISY_LOGGERS = ("alembic", "apscheduler", "microsoft_agents")
"""Libraries that log every step at INFO: WARNING and above only."""

EAGER_DEBUG_LOGGERS = ("slack_sdk.web.async_base_client", "slack_sdk.webhook.async_client")
"""slack_sdk builds its debug lines for every call (request and response, bodies included)
whenever its logger's own level is unset, even with DEBUG off. These loggers get the level in
force, so the lines are built only when they are logged."""


def configure_logging(level: str) -> None:
    """Log to stderr at `level` (a name: DEBUG, INFO, ...)."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    in_force = logging.getLogger().getEffectiveLevel()
    for eager in EAGER_DEBUG_LOGGERS:
        logging.getLogger(eager).setLevel(in_force)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="boussole",
        description="Boussole — keep an SME's digital-transformation heading alive in chat. "
        "With no subcommand: the console (no Slack or Teams account needed).",
    )
    sub = root.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("console", help="try the bot in this terminal (embedded SQLite by default)")
    sub.add_parser("serve", help="web server (Slack, Teams, health) and scheduler in one process")
    sub.add_parser("web", help="web server only (scaled deployment)")
    sub.add_parser("clock", help="scheduler only (scaled deployment: exactly one)")
    demo = sub.add_parser("demo", help="play the example company EuroTech Industrie")
    demo.add_argument("--weeks", type=int, default=6, help="simulated weeks (default 6)")
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "current"])
    sub.add_parser("slack-manifest", help="print the Slack app manifest (JSON)")
    package = sub.add_parser("teams-package", help="build the Teams app package zip")
    package.add_argument("--out", default="boussole-teams-app.zip", help="output zip path")
    return root


def run(argv: Sequence[str] | None = None) -> None:
    if sys.version_info < MIN_PYTHON:
        sys.exit("Boussole needs Python 3.12 or newer.")
    args = parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        sys.exit(settings_problem(error))
    interactive = args.command in (None, "console", "demo")
    configure_logging(settings.log_level.upper() or ("WARNING" if interactive else "INFO"))
    try:
        sys.exit(asyncio.run(dispatch(args, settings)))
    except KeyboardInterrupt:
        sys.exit(130)


def settings_problem(error: ValidationError) -> str:
    """What is wrong with the environment's settings, one variable a line (exit code 1)."""
    lines = ["boussole: invalid settings, nothing was started:"]
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"])
        lines.append(f"  {name}={problem.get('input')!r}: {problem['msg']}")
    lines.append("See the configuration table in README.md.")
    return "\n".join(lines)


async def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "console"
    if command == "console":
        from main.console_app import run_console

        await run_console(settings)
        return 0
    if command == "db":
        from main.db_commands import db_command

        return await db_command(settings, args.action)
    if command == "demo":
        from main.demo import run_demo

        await run_demo(weeks=args.weeks)
        return 0
    if command in ("serve", "web", "clock"):
        from main.server import run_server

        return await run_server(settings, command)
    if command == "slack-manifest":
        from main.platform_tools import print_slack_manifest

        return print_slack_manifest(settings)
    if command == "teams-package":
        from main.platform_tools import build_teams_package

        return build_teams_package(settings, args.out)
    return 2  # pragma: no cover - argparse rejects anything else
