"""Row 5: time from process start to the first accepted request, and idle memory, of
`boussole serve` (Slack, Teams and the scheduler on, against local fakes) against a bare app
that only imports and serves slack-bolt and the Agents SDK; alternating starts.

Both run from bytecode, as an installed package does: a PYTHONDONTWRITEBYTECODE environment
(and Boussole's editable install, whose sources have no __pycache__) would otherwise have
Boussole compile its ~13,000 lines of source at every start, which no deployment does. The
bytecode goes to a scratch PYTHONPYCACHEPREFIX, written by one untimed start of each."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench import slack_requests as sr
from bench import teams_requests as tr
from bench.boussole_proc import boussole, start_boussole
from bench.fake_slack import FakeSlack
from bench.options import Options
from bench.procs import PYTHON, ServerProcess, base_env, free_port, workdir
from bench.report import Line, ratio_at_most, value_at_most
from bench.stats import median
from tests.fakes.identity import JWKS_PATH, FakeIdentity

IDLE_RSS_LIMIT_MB = 120.0


def bytecode_env(tmp: Path) -> dict[str, str]:
    """Write and read bytecode under `tmp` (an empty PYTHONDONTWRITEBYTECODE counts as unset)."""
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}


def boussole_env(tmp: Path, fake: FakeSlack, identity: FakeIdentity) -> dict[str, str]:
    return {
        **bytecode_env(tmp),
        "SLACK_BOT_TOKEN": sr.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": sr.SIGNING_SECRET,
        "SLACK_API_BASE_URL": fake.api_url,
        "TEAMS_APP_ID": tr.APP_ID,
        "TEAMS_APP_PASSWORD": tr.APP_PASSWORD,
        "TEAMS_ALLOWED_SERVICE_HOSTS": "127.0.0.1",
        "TEAMS_OPENID_METADATA_URL": identity.metadata_url,
    }


def bare_app(tmp: Path, fake: FakeSlack, identity: FakeIdentity) -> ServerProcess:
    port = free_port()
    env = base_env(
        BENCH_SLACK_BOT_TOKEN=sr.BOT_TOKEN,
        BENCH_SLACK_SIGNING_SECRET=sr.SIGNING_SECRET,
        BENCH_SLACK_API_URL=fake.api_url,
        BENCH_TEAMS_APP_ID=tr.APP_ID,
        BENCH_TEAMS_APP_PASSWORD=tr.APP_PASSWORD,
        BENCH_TEAMS_JWKS_URL=identity.base_url + JWKS_PATH,
        BENCH_TEAMS_TOKEN_URL=identity.token_url,
        **bytecode_env(tmp),
    )
    argv = [PYTHON, "-m", "bench.bare_server", "--port", str(port), "--slack", "--teams"]
    return ServerProcess("bare-start", argv, env, port=port, workdir=tmp)


async def start_and_idle(server: ServerProcess, idle_seconds: float) -> tuple[float, float]:
    """(seconds to the first 200 on /healthz, resident MiB after `idle_seconds` idle)."""
    server.start()
    try:
        ready = await server.wait_ready()
        await asyncio.sleep(idle_seconds)
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"{server.name} died while idle:\n{server.log_tail()}")
        return ready, server.rss_mib()
    finally:
        await server.stop()


async def run(options: Options) -> list[Line]:
    with workdir("start") as scratch:
        tmp = Path(scratch)
        fake = await FakeSlack().start()
        identity = await FakeIdentity(tr.Clock()).start()
        try:
            env = boussole_env(tmp, fake, identity)
            # Untimed first starts write the bytecode; Boussole's also migrates the database
            # and finds the mode that works.
            first, note = await start_boussole("boussole-start", tmp, env)
            mode = first.argv[-1]
            await first.stop()
            await start_and_idle(bare_app(tmp, fake, identity), 0.0)
            starts: tuple[list[float], list[float]] = ([], [])
            memory: tuple[list[float], list[float]] = ([], [])
            for index in range(options.start_rounds):
                pair = [
                    (0, boussole("boussole-start", tmp, env, mode=mode)),
                    (1, bare_app(tmp, fake, identity)),
                ]
                for which, server in reversed(pair) if index % 2 else pair:
                    ready, rss = await start_and_idle(server, options.idle_seconds)
                    starts[which].append(ready)
                    memory[which].append(rss)
        finally:
            await identity.close()
            await fake.close()
    what = "Slack, Teams and the scheduler on" if mode == "serve" else "Slack and Teams on"
    bytecode = "both from bytecode (one untimed start each wrote it)"
    return [
        Line(
            "5",
            "Start",
            "start → first /healthz 200",
            "ms",
            value=1000 * median(starts[0]),
            baseline=1000 * median(starts[1]),
            target=ratio_at_most(2.0),
            note="; ".join(n for n in (note, bytecode) if n),
        ),
        Line(
            "5",
            "Idle",
            f"resident memory after {options.idle_seconds:g} s idle",
            "MB",
            value=median(memory[0]),
            baseline=median(memory[1]),
            target=value_at_most(IDLE_RSS_LIMIT_MB, "MB"),
            note=what,
        ),
    ]
