"""Row 1: signed `/quickwin log` slash commands through `boussole serve` (replies to a fake
Slack Web API) against a bare slack-bolt AsyncApp that only acks, alternating runs."""

from __future__ import annotations

from pathlib import Path

from bench import slack_requests as sr
from bench.boussole_proc import start_boussole
from bench.fake_slack import FakeSlack
from bench.load import LoadResult, client_session, run_load
from bench.options import Options
from bench.procs import PYTHON, ServerProcess, base_env, free_port, workdir
from bench.report import Line
from bench.runs import LoadRow, Runs, load_lines
from bench.stats import rate

SLACK_ACK_SECONDS = 3.0
EVENTS_PATH = "/slack/events"
SEED_COMMAND = (
    'ajouter "Relance factures" kpi=délai unité=jours base=52 cible=10 échéance=2030-12-31'
)


SLACK = LoadRow("1", "acked within 3 s", "p99 ack", "completed/s (bare: acks/s)", 0.5)


def slack_env(fake: FakeSlack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": sr.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": sr.SIGNING_SECRET,
        "SLACK_API_BASE_URL": fake.api_url,
    }


def bare_slack(tmp: Path, fake: FakeSlack) -> ServerProcess:
    port = free_port()
    env = base_env(
        BENCH_SLACK_BOT_TOKEN=sr.BOT_TOKEN,
        BENCH_SLACK_SIGNING_SECRET=sr.SIGNING_SECRET,
        BENCH_SLACK_API_URL=fake.api_url,
    )
    argv = [PYTHON, "-m", "bench.bare_server", "--port", str(port), "--slack"]
    return ServerProcess("bare-slack", argv, env, port=port, workdir=tmp)


async def seed(server: ServerProcess, fake: FakeSlack, options: Options) -> None:
    """The director creates QW-1; every bench user logs once (so each one is a member)."""
    url = server.base_url + EVENTS_PATH
    hook = fake.hook_url("seed")
    first = sr.slash_command(
        url,
        command="/quickwin",
        text=SEED_COMMAND,
        user_id=sr.DIRECTOR,
        channel_id="CSEED",
        response_url=hook,
        trigger_id="seed.0",
    )
    async with client_session(10, options.time_limit) as http:
        await run_load(http, [first], 1, time_limit=options.time_limit)
        if not await fake.wait_until(lambda: "CSEED" in fake.first_post, options.time_limit):
            raise RuntimeError(f"Boussole did not answer the seed command:\n{server.log_tail()}")
        warm = sr.quick_win_logs(
            url,
            fake.hook_url("warm"),
            count=options.slack_users,
            users=options.slack_users,
            tag="W",
        )
        await run_load(http, warm, 10, time_limit=options.time_limit)
        expected = {r.key for r in warm}
        await fake.wait_until(lambda: expected <= fake.first_post.keys(), options.time_limit)


async def one_run(
    server: ServerProcess,
    fake: FakeSlack,
    options: Options,
    concurrency: int,
    tag: str,
    *,
    completes: bool,
) -> tuple[LoadResult, int, float]:
    """One load; (result, completed commands, completed per second) — the bare app completes
    nothing (its rate is its ack rate)."""
    requests = sr.quick_win_logs(
        server.base_url + EVENTS_PATH,
        fake.hook_url("cmd"),
        count=options.slack_requests,
        users=options.slack_users,
        tag=tag,
    )
    fake.reset()
    async with client_session(concurrency, options.time_limit) as http:
        result = await run_load(http, requests, concurrency, time_limit=options.time_limit)
    if not completes:
        return result, 0, result.answer_rate()
    keys = {outcome.key for outcome in result.answered}  # acked: work was started

    def settled() -> bool:
        """Every command of this run answered: its reply posted, or an error sent to its
        response_url (a cheap count first, the exact check only when it may be true)."""
        if len(fake.first_post) + len(fake.hooks) < len(keys):
            return False
        errors = {hook.removeprefix("cmd-") for hook in fake.hooks}
        return all(key in fake.first_post or key in errors for key in keys)

    await fake.wait_until(settled, options.time_limit)
    done = [fake.first_post[k] for k in keys if k in fake.first_post]
    per_second = rate(len(done), max(done) - result.started) if done else float("nan")
    # Let the background work of this run (App Home refreshes) finish before the next one.
    await fake.wait_until(lambda: fake.calls["views.publish"] >= len(done), 10.0)
    return result, len(done), per_second


async def run(options: Options) -> list[Line]:
    with workdir("slack") as scratch:
        tmp = Path(scratch)
        fake = await FakeSlack().start()
        fake.add_team(sr.TEAM_ID, sr.BOT_TOKEN)
        bare = bare_slack(tmp, fake).start()
        boussole: ServerProcess | None = None
        try:
            boussole, note = await start_boussole("boussole-slack", tmp, slack_env(fake))
            await bare.wait_ready()
            await seed(boussole, fake, options)
            lines: list[Line] = []
            for concurrency in options.slack_concurrency:
                ours, theirs = Runs(), Runs()
                for index in range(options.rounds):
                    order = [(bare, theirs), (boussole, ours)]
                    if index % 2:
                        order.reverse()
                    for server, runs in order:
                        tag = f"{'B' if server is bare else 'S'}{concurrency}R{index}"
                        cpu = server.cpu_seconds()
                        result, done, per_second = await one_run(
                            server, fake, options, concurrency, tag, completes=server is boussole
                        )
                        runs.cpu += server.cpu_seconds() - cpu
                        runs.p99.append(result.p(99))
                        runs.rates.append(per_second)
                        runs.within += result.count_within(SLACK_ACK_SECONDS)
                        runs.total += result.total
                        runs.done += done
                lines += slack_lines(concurrency, ours, theirs, note)
            return lines
        finally:
            await bare.stop()
            if boussole is not None:
                await boussole.stop()
            await fake.close()


def slack_lines(concurrency: int, ours: Runs, theirs: Runs, note: str) -> list[Line]:
    rate_note = (
        f"{ours.done}/{ours.total} commands stored and replied to; server CPU "
        f"{ours.cpu_ms_each():.1f} ms per command (bare: {theirs.cpu_ms_each():.2f} ms per ack)"
    )
    return load_lines(SLACK, f"Slack ack, c={concurrency}", ours, theirs, note, rate_note)
