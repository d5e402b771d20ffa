"""Row 2: signed Teams message activities through Boussole's /api/messages (replies to a fake
Bot Connector) against a bare Agents SDK echo bot (CloudAdapter, the SDK's JWT check)."""

from __future__ import annotations

from pathlib import Path

from bench import teams_requests as tr
from bench.boussole_proc import start_boussole
from bench.load import LoadResult, client_session, run_load
from bench.options import Options
from bench.procs import PYTHON, ServerProcess, base_env, free_port, workdir
from bench.report import Line
from bench.runs import LoadRow, Runs, load_lines
from tests.fakes.identity import JWKS_PATH, FakeIdentity
from tests.fakes.teams_connector import FakeTeamsConnector

TEAMS_TURN_SECONDS = 15.0
MESSAGES_PATH = "/api/messages"


TEAMS = LoadRow("2", "turns within 15 s", "p99 turn", "turns/s", 0.7)


def teams_env(identity: FakeIdentity) -> dict[str, str]:
    """Boussole's TEAMS_* environment: the local identity provider's keys and token endpoint."""
    return {
        "TEAMS_APP_ID": tr.APP_ID,
        "TEAMS_APP_PASSWORD": tr.APP_PASSWORD,
        "TEAMS_ALLOWED_SERVICE_HOSTS": "127.0.0.1",
        "TEAMS_OPENID_METADATA_URL": identity.metadata_url,
        "TEAMS_TOKEN_URL": identity.token_url,
    }


def bare_teams(tmp: Path, identity: FakeIdentity) -> ServerProcess:
    port = free_port()
    env = base_env(
        BENCH_TEAMS_APP_ID=tr.APP_ID,
        BENCH_TEAMS_APP_PASSWORD=tr.APP_PASSWORD,
        BENCH_TEAMS_JWKS_URL=identity.base_url + JWKS_PATH,
        BENCH_TEAMS_TOKEN_URL=identity.token_url,
    )
    argv = [PYTHON, "-m", "bench.bare_server", "--port", str(port), "--teams"]
    return ServerProcess("bare-teams", argv, env, port=port, workdir=tmp)


async def seed(
    server: ServerProcess, token: str, connector: FakeTeamsConnector, options: Options
) -> None:
    """The director creates QW-1, then every bench user says something once."""
    url = server.base_url + MESSAGES_PATH
    first = tr.prepared(
        url,
        token,
        tr.message(connector.service_url, tr.SEED_TEXT, user=tr.DIRECTOR, activity_id="seed-0"),
    )
    async with client_session(10, options.time_limit) as http:
        result = await run_load(http, [first], 1, time_limit=options.time_limit)
        if not result.answered or not connector.received:
            raise RuntimeError(f"Boussole did not answer the seed message:\n{server.log_tail()}")
        warm = tr.quick_win_logs(
            url,
            token,
            connector.service_url,
            count=options.teams_users,
            users=options.teams_users,
            tag="warm",
        )
        await run_load(http, warm, 10, time_limit=options.time_limit)


async def one_run(
    server: ServerProcess,
    token: str,
    connector: FakeTeamsConnector,
    options: Options,
    tag: str,
) -> tuple[LoadResult, int]:
    requests = tr.quick_win_logs(
        server.base_url + MESSAGES_PATH,
        token,
        connector.service_url,
        count=options.teams_requests,
        users=options.teams_users,
        tag=tag,
    )
    before = len(connector.received)
    async with client_session(options.teams_concurrency, options.time_limit) as http:
        result = await run_load(
            http, requests, options.teams_concurrency, time_limit=options.time_limit
        )
    return result, len(connector.received) - before


async def run(options: Options) -> list[Line]:
    with workdir("teams") as scratch:
        tmp = Path(scratch)
        identity = await FakeIdentity(tr.Clock()).start()
        connector = await FakeTeamsConnector().start()
        bare = bare_teams(tmp, identity).start()
        boussole: ServerProcess | None = None
        try:
            boussole, note = await start_boussole("boussole-teams", tmp, teams_env(identity))
            await bare.wait_ready()
            token = identity.token(app_id=tr.APP_ID, service_url=connector.service_url)
            await seed(boussole, token, connector, options)
            ours, theirs = Runs(), Runs()
            for index in range(options.rounds):
                order = [(bare, theirs), (boussole, ours)]
                if index % 2:
                    order.reverse()
                for server, runs in order:
                    tag = f"{'bare' if server is bare else 'boussole'}-{index}"
                    cpu = server.cpu_seconds()
                    result, replies = await one_run(server, token, connector, options, tag)
                    runs.cpu += server.cpu_seconds() - cpu
                    runs.p99.append(result.p(99))
                    runs.rates.append(result.answer_rate())
                    runs.within += result.count_within(TEAMS_TURN_SECONDS)
                    runs.total += result.total
                    runs.done += replies
            return teams_lines(options.teams_concurrency, ours, theirs, note)
        finally:
            await bare.stop()
            if boussole is not None:
                await boussole.stop()
            await connector.close()
            await identity.close()


def teams_lines(concurrency: int, ours: Runs, theirs: Runs, note: str) -> list[Line]:
    rate_note = (
        f"replies received by the fake connector: Boussole {ours.done}/{ours.total}, "
        f"echo bot {theirs.done}/{theirs.total}; server CPU per turn "
        f"{ours.cpu_ms_each():.1f} ms (echo bot: {theirs.cpu_ms_each():.1f} ms)"
    )
    return load_lines(TEAMS, f"Teams turn, c={concurrency}", ours, theirs, note, rate_note)
