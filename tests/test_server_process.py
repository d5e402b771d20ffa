"""The real `boussole serve` process: starts on SQLite, answers health, guards its routes, stops."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

BOUSSOLE = Path(sys.executable).parent / "boussole"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    return {
        **clean,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "test-signing-secret",
        "SLACK_API_BASE_URL": "http://127.0.0.1:9/api/",
        "TEAMS_INSECURE_LOCAL_DEV": "true",
        **extra,
    }


async def start_boussole(command: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`boussole <command>` with `env`, its output piped."""
    return await asyncio.create_subprocess_exec(
        str(BOUSSOLE),
        command,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def wait_healthy(url: str, process: asyncio.subprocess.Process) -> dict[str, object]:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            if process.returncode is not None:
                raise AssertionError(f"server exited with {process.returncode}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        body: dict[str, object] = await response.json()
                        return body
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("server never became healthy")


async def test_serve_starts_guards_routes_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process = await start_boussole("serve", server_env(tmp_path, port))
    try:
        health = await wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        assert health["status"] == "ok"
        platforms = health["platforms"]
        assert isinstance(platforms, dict)
        assert platforms["slack"].startswith("on") and platforms["teams"].startswith("on")
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"http://127.0.0.1:{port}/slack/events", data=b"x=1"
            ) as unsigned:
                assert unsigned.status == 401
            async with session.post(
                f"http://127.0.0.1:{port}/api/messages",
                data=b"{not json",
                headers={"Content-Type": "application/json"},
            ) as malformed:
                assert malformed.status == 400
            async with session.get(f"http://127.0.0.1:{port}/metrics") as metrics:
                text = await metrics.text()
                assert 'path="/slack/events",status="401"} 1' in text
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    log = err.decode()
    assert "slack on" in log and "teams on" in log and "ritual scheduler started" in log


async def test_insecure_teams_is_refused_off_loopback(tmp_path: Path) -> None:
    env = server_env(tmp_path, free_port(), HOST="0.0.0.0")
    process = await start_boussole("serve", env)
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert "TEAMS_INSECURE_LOCAL_DEV" in err.decode()


async def test_a_token_url_that_is_not_http_is_refused(tmp_path: Path) -> None:
    env = server_env(tmp_path, free_port(), TEAMS_TOKEN_URL="login.example.com/token")
    process = await start_boussole("web", env)
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert "TEAMS_TOKEN_URL must be an http:// or https:// URL" in err.decode()


async def test_serve_without_credentials_says_why_platforms_are_off(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v
        for k, v in server_env(tmp_path, port).items()
        if not k.startswith(("SLACK_", "TEAMS_"))
    }
    process = await start_boussole("serve", env)
    try:
        health = await wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        platforms = health["platforms"]
        assert isinstance(platforms, dict)
        assert platforms["slack"].startswith("off:") and platforms["teams"].startswith("off:")
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{port}/api/messages", json={}) as off,
        ):
            assert off.status == 404
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0
