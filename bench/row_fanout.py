"""Row 4: the Monday 09:00 cap reminder of N tenants at once (one DM to each of M managers)
through the rituals clock and the Slack messenger, against a fake Slack enforcing 1 message per
second per channel and a per-workspace rate (429 + Retry-After). Baseline: the least time those
limits allow. Peak memory at two tenant counts shows whether it stays flat."""

from __future__ import annotations

import asyncio
import importlib.util
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from bench.fake_slack import FakeSlack, Limits, Post
from bench.options import Options
from bench.procs import PYTHON, ServerProcess, base_env, free_port, workdir
from bench.report import Line, missing_line, ratio_at_most, value_equals
from bench.stats import median, percentile, ratio

FLAT_MEMORY_RATIO = 1.2


def rituals_missing() -> str:
    """Why the rituals layer cannot run yet ("" when it can)."""
    for module in ("rituals.service", "main.rituals_app"):
        if importlib.util.find_spec(module) is None:
            return f"rituals/ has not landed yet ({module} is missing)"
    import main.rituals_app

    if not hasattr(main.rituals_app, "RitualRuntime"):
        return "rituals/ has not landed yet (no RitualRuntime in main/rituals_app.py)"
    return ""


@dataclass(frozen=True)
class Spread:
    """How the accepted posts were spread, in seconds: the total is about the last first post
    plus (posts per workspace - 1) spacings."""

    last_first: float
    """From 09:00 to the last workspace's first post."""
    median_gap: float
    """Between two posts of one workspace (median; the fake enforces its limits' interval)."""
    p90_gap: float


def spread_of(posts: Sequence[Post], nine: float) -> Spread:
    """The spread of `posts` (their `at` on the monotonic clock) from the instant `nine`."""
    by_team: dict[str, list[float]] = defaultdict(list)
    for post in posts:
        by_team[post.team_id].append(post.at)
    firsts: list[float] = []
    gaps: list[float] = []
    for times in by_team.values():
        times.sort()
        firsts.append(times[0] - nine)
        gaps += [later - earlier for earlier, later in pairwise(times)]
    return Spread(max(firsts, default=math.nan), median(gaps), percentile(gaps, 90))


async def cpu_seconds_at(process: ServerProcess, instant: float) -> float:
    """The process's CPU seconds at the monotonic `instant` (now, if it has passed)."""
    await asyncio.sleep(max(0.0, instant - time.monotonic()))
    return process.cpu_seconds()


@dataclass
class FanOut:
    tenants: int
    expected: int
    delivered: int
    duplicates: int
    rejected: int
    seconds: float
    """From 09:00 to the last accepted message; nan when the time limit stopped the run."""
    elapsed: float
    first: float
    """From 09:00 to the first accepted message."""
    minimum: float
    idle_mib: float
    peak_mib: float
    spread: Spread
    clock_cpu: float
    """The clock's CPU seconds from 09:00 until every message was accepted."""


CLOCK = (PYTHON, "-m", "bench.fanout_clock")
EARLY_MARGIN = 2.0
"""Seconds the clock runs before its lead tick, so that tick comes from its timer."""


async def one_size(
    tenants: int, options: Options, tmp: Path, clock_command: Sequence[str] = CLOCK
) -> FanOut:
    """One fan-out; `clock_command` runs the clock (a patched copy, to try a fix)."""
    from bench import fanout_data as data

    database = await data.prepared_database(tmp, tenants, options.fanout_managers)
    limits = Limits(
        channel_interval=options.fanout_channel_interval,
        workspace_rate=options.fanout_workspace_rate,
        workspace_burst=options.fanout_workspace_burst,
    )
    fake = await FakeSlack(limits).start()
    teams = {data.team_id(t) for t in range(1, tenants + 1)}
    for team in teams:
        fake.add_team(team, data.bot_token(team))
    env = base_env(
        DATABASE_URL=f"sqlite:///{database}",
        SLACK_CLIENT_ID=data.CLIENT_ID,
        SLACK_CLIENT_SECRET=data.CLIENT_SECRET,
        SLACK_SIGNING_SECRET=data.SIGNING_SECRET,
        SLACK_API_BASE_URL=fake.api_url,
        RITUAL_LEAD_SECONDS=f"{options.fanout_lead:g}",
    )
    early = options.fanout_lead + EARLY_MARGIN if options.fanout_lead > 0 else 0.0
    argv = [*clock_command, data.MONDAY_NINE.isoformat(), f"{early:g}"]
    clock = ServerProcess(
        f"fanout-{tenants}", argv, env, port=free_port(), workdir=tmp, pipes=True
    ).start()
    expected = tenants * options.fanout_managers

    def delivered() -> int:
        return len(fake.keys)  # this fake serves this run's workspaces only

    cpu_at_nine: asyncio.Task[float] | None = None
    try:
        if await clock.read() != "ready":
            raise RuntimeError(f"the ritual clock did not start:\n{clock.log_tail()}")
        idle = clock.rss_mib()
        await clock.send("go")
        nine = float((await clock.read()).removeprefix("nine "))
        cpu_at_nine = asyncio.create_task(cpu_seconds_at(clock, nine))
        finished = await fake.wait_until(lambda: delivered() >= expected, options.time_limit)
        elapsed = time.monotonic() - nine
        clock_cpu = clock.cpu_seconds() - await cpu_at_nine
        peak = clock.peak_rss_mib()
        last = max((p.at for p in fake.posts), default=math.nan)
        first = min((p.at for p in fake.posts), default=math.nan)
        return FanOut(
            tenants=tenants,
            expected=expected,
            delivered=delivered(),
            duplicates=fake.duplicates(),
            rejected=fake.rejected,
            seconds=last - nine if finished else math.nan,
            elapsed=elapsed,
            first=first - nine,
            minimum=limits.minimum_seconds(options.fanout_managers),
            idle_mib=idle,
            peak_mib=peak,
            spread=spread_of(fake.posts, nine),
            clock_cpu=clock_cpu,
        )
    finally:
        if cpu_at_nine is not None:
            cpu_at_nine.cancel()  # done already, unless the run failed before it was read
        await clock.stop()
        await fake.close()


async def run(options: Options) -> list[Line]:
    why = rituals_missing()
    if why:
        return [missing_line("4", "Ritual fan-out", why)]
    with workdir("fanout") as scratch:
        results = [await one_size(n, options, Path(scratch)) for n in options.fanout_tenants]
    return fanout_lines(results, options)


def spread_note(result: FanOut) -> str:
    """Where the total comes from: the last first post, the spacings, the clock's CPU."""
    spread = result.spread
    if not math.isfinite(spread.last_first):
        return ""
    note = f", the last workspace's first {spread.last_first:.2f} s after"
    if math.isfinite(spread.median_gap):
        note += (
            f"; a workspace's posts {spread.median_gap:.2f} s apart "
            f"(median; p90 {spread.p90_gap:.2f} s)"
        )
    if result.delivered:
        note += (
            f"; the clock's CPU from 09:00 to the last post {result.clock_cpu:.2f} s "
            f"({1000 * result.clock_cpu / result.delivered:.2f} ms a message)"
        )
    return note


def fanout_lines(results: list[FanOut], options: Options) -> list[Line]:
    lines: list[Line] = []
    limits = (
        f"fake Slack: {options.fanout_workspace_rate:g} msg/s per workspace "
        f"(burst {options.fanout_workspace_burst}), 1 per {options.fanout_channel_interval:g} s "
        "per channel; "
        + (
            f"the clock plans {options.fanout_lead:g} s ahead, running since "
            f"{options.fanout_lead + EARLY_MARGIN:g} s before 09:00"
            if options.fanout_lead > 0
            else "the clock started at 09:00, planning everything then"
        )
    )
    for result in results:
        name = f"Fan-out, {result.tenants} tenants × {options.fanout_managers} managers"
        unfinished = math.isnan(result.seconds)
        time_note = (
            (
                f"unfinished: {result.delivered}/{result.expected} delivered when the "
                f"{options.time_limit:g} s bound stopped it"
                if unfinished
                else f"{result.rejected} answers 429; {limits}"
            )
            + f"; first message {result.first:.1f} s after 09:00"
            + spread_note(result)
        )
        seconds = result.elapsed if unfinished else result.seconds
        lines += [
            Line(
                "4", name, "duplicates", "", value=float(result.duplicates), target=value_equals(0)
            ),
            Line(
                "4",
                name,
                "lost",
                "",
                value=float(result.expected - result.delivered),
                target=value_equals(0),
                note="still unsent at the bound" if unfinished else "",
            ),
            Line(
                "4",
                name,
                "total time (bare: least the limits allow)",
                "s",
                value=seconds,
                baseline=result.minimum,
                target=ratio_at_most(1.2),
                note=time_note,
                met=False if unfinished else None,
                at_least=unfinished,
            ),
        ]
    if len(results) >= 2:
        small, large = results[0], results[-1]
        lines.append(
            Line(
                "4",
                f"Fan-out memory, {small.tenants} → {large.tenants} tenants",
                "peak RSS (bare: peak at the smaller size)",
                "MB",
                value=large.peak_mib,
                baseline=small.peak_mib,
                ratio=ratio(large.peak_mib, small.peak_mib),
                target=ratio_at_most(FLAT_MEMORY_RATIO),
                note=f"idle before 09:00: {small.idle_mib:.0f} MB and {large.idle_mib:.0f} MB",
            )
        )
    return lines
