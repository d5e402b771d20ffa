"""Sizes and knobs of a benchmark run: the full defaults, the --smoke sizes, the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Options:
    rounds: int = 5
    """Alternating runs per comparison; the table reports medians."""
    slack_concurrency: tuple[int, ...] = (50, 200)
    slack_requests: int = 1000
    slack_users: int = 200
    teams_concurrency: int = 50
    teams_requests: int = 600
    teams_users: int = 100
    kpi_tenants: int = 100
    kpi_quick_wins: int = 1000
    kpi_measurements: int = 1_000_000
    kpi_repeats: int = 21
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/test"
    fanout_tenants: tuple[int, ...] = (100, 1000)
    fanout_managers: int = 5
    fanout_channel_interval: float = 1.0
    fanout_workspace_rate: float = 1.0
    fanout_workspace_burst: int = 1
    fanout_lead: float = 10.0
    """The clock's RITUAL_LEAD_SECONDS; it is started that long (plus 2 s) before 09:00, as a
    clock that has been running. 0: started at 09:00, every occurrence planned then."""
    start_rounds: int = 5
    idle_seconds: float = 5.0
    time_limit: float = 120.0
    """Upper bound (seconds) on any one load or wait."""
    only: tuple[str, ...] = ()
    """Rows to run ("1" to "5"); all when empty."""
    smoke: bool = False


SMOKE = Options(
    rounds=1,
    slack_concurrency=(5, 10),
    slack_requests=20,
    slack_users=5,
    teams_concurrency=5,
    teams_requests=15,
    teams_users=5,
    kpi_tenants=3,
    kpi_quick_wins=9,
    kpi_measurements=900,
    kpi_repeats=3,
    fanout_tenants=(3, 6),
    fanout_managers=2,
    fanout_channel_interval=1.0,
    fanout_workspace_rate=10.0,
    fanout_workspace_burst=1,
    fanout_lead=1.0,
    start_rounds=1,
    idle_seconds=0.5,
    time_limit=30.0,
    smoke=True,
)


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def parser() -> argparse.ArgumentParser:
    full, smoke = Options(), SMOKE
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Boussole's benchmarks, each against a bare baseline in the same run. "
        "Defaults are the full sizes; --smoke uses tiny ones (any option below overrides).",
    )

    def add(flag: str, kind: Callable[[str], object], what: str) -> None:
        name = flag.removeprefix("--").replace("-", "_")
        default, small = getattr(full, name), getattr(smoke, name)
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        tiny = ",".join(map(str, small)) if isinstance(small, tuple) else small
        p.add_argument(flag, type=kind, help=f"{what} (default {shown}; smoke {tiny})")

    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks that it all runs")
    p.add_argument(
        "--only", type=lambda t: tuple(t.split(",")), help="rows to run, e.g. 1,3 (default all)"
    )
    add("--rounds", int, "alternating runs per comparison; the table shows medians")
    add("--slack-concurrency", _ints, "row 1: requests in flight, one run per value")
    add("--slack-requests", int, "row 1: slash commands per run")
    add("--slack-users", int, "row 1: people sending them")
    add("--teams-concurrency", int, "row 2: activities in flight")
    add("--teams-requests", int, "row 2: activities per run")
    add("--teams-users", int, "row 2: people sending them")
    add("--kpi-tenants", int, "row 3: tenants in the database")
    add("--kpi-quick-wins", int, "row 3: quick wins, spread over the tenants")
    add("--kpi-measurements", int, "row 3: measurements, spread over the quick wins")
    add("--kpi-repeats", int, "row 3: timed summaries per database")
    add("--postgres-url", str, "row 3: server where a schema is created, then dropped")
    add("--fanout-tenants", _ints, "row 4: tenants (workspaces), one run per value")
    add("--fanout-managers", int, "row 4: managers per tenant, each gets the reminder")
    add("--fanout-channel-interval", float, "row 4: fake Slack, seconds between posts in a channel")
    add("--fanout-workspace-rate", float, "row 4: fake Slack, posts per second per workspace")
    add("--fanout-workspace-burst", int, "row 4: fake Slack, posts a workspace may burst")
    add(
        "--fanout-lead",
        float,
        "row 4: the clock plans this many seconds ahead and runs from that (+2 s) before 09:00;"
        " 0 starts it at 09:00",
    )
    add("--start-rounds", int, "row 5: starts of each app")
    add("--idle-seconds", float, "row 5: idle time before reading the resident memory")
    add("--time-limit", float, "bound in seconds on any one load, wait or fan-out")
    p.add_argument("--json", help="also write the measured lines to this JSON file")
    return p


def from_args(args: argparse.Namespace) -> Options:
    options = SMOKE if args.smoke else Options()
    changes = {
        f.name: getattr(args, f.name)
        for f in fields(Options)
        if f.name != "smoke" and getattr(args, f.name, None) is not None
    }
    return replace(options, **changes)
