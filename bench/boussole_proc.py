"""Starts Boussole itself as `boussole serve` (falling back to `boussole web`, with a note, while
the scheduler cannot start) on a loopback port, configured by environment like production."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.procs import PYTHON, ServerProcess, base_env, free_port

SCHEDULER_STARTED = "scheduler started"
SCHEDULER_WAIT_SECONDS = 10.0


def boussole(name: str, tmp: Path, env: dict[str, str], *, mode: str = "serve") -> ServerProcess:
    """`python -m main <mode>` (the `boussole` command) with `env` on top of a clean environment."""
    port = free_port()
    full_env = base_env(PORT=str(port), **env)
    full_env.setdefault("DATABASE_URL", f"sqlite:///{tmp / (name + '.db')}")
    argv = [PYTHON, "-m", "main", mode]
    return ServerProcess(name, argv, full_env, port=port, workdir=tmp)


async def scheduler_state(server: ServerProcess) -> str:
    """ "" once the log says the scheduler started; else why not (the process died, or silence)."""
    deadline = time.monotonic() + SCHEDULER_WAIT_SECONDS
    while time.monotonic() < deadline:
        if SCHEDULER_STARTED in server.log_tail(200):
            return ""
        if server.process is not None and server.process.poll() is not None:
            last = server.log_tail(1).strip() or f"exit code {server.process.returncode}"
            return f"`boussole serve` stopped at start ({last[:160]})"
        await asyncio.sleep(0.05)
    return "`boussole serve` did not log that its scheduler started"


async def start_boussole(name: str, tmp: Path, env: dict[str, str]) -> tuple[ServerProcess, str]:
    """A ready Boussole server, and a note when it had to run as `web` (no scheduler)."""
    server = boussole(name, tmp, env, mode="serve").start()
    try:
        await server.wait_ready()
        problem = await scheduler_state(server)
    except RuntimeError as error:
        problem = f"`boussole serve` failed to start ({str(error).splitlines()[-1][:160]})"
    if not problem:
        return server, ""
    await server.stop()
    server = boussole(name, tmp, env, mode="web").start()
    await server.wait_ready()
    return server, f"{problem}: measured `boussole web` (no scheduler)"
