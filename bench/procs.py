"""Server processes started by the benchmark: loopback ports, readiness, memory, clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STOP_GRACE_SECONDS = 10.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base_env(**extra: str) -> dict[str, str]:
    """The environment of a server: this one minus anything Boussole reads, plus `extra`."""
    prefixes = ("SLACK_", "TEAMS_", "DATABASE_URL", "BOUSSOLE_", "PUBLIC_BASE_URL", "RITUAL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update({"PYTHONUNBUFFERED": "1", "HOST": "127.0.0.1"})
    env.update(extra)
    return env


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class ServerProcess:
    """A child process in its own session, its output in a log file, stopped on exit."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        port: int,
        workdir: Path,
        pipes: bool = False,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.port = port
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.pipes = pipes
        """Talk to it over stdin/stdout (its log then gets stderr only)."""
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        log = self.log_path.open("ab")
        try:
            self.started_at = time.monotonic()
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.PIPE if self.pipes else subprocess.DEVNULL,
                stdout=subprocess.PIPE if self.pipes else log,
                stderr=log if self.pipes else subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        return self

    async def send(self, text: str) -> None:
        """Write one line to its stdin (pipes=True)."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()

    async def read(self) -> str:
        """Its next stdout line ("" at end of output; pipes=True)."""
        assert self.process is not None and self.process.stdout is not None
        return (await asyncio.to_thread(self.process.stdout.readline)).decode().strip()

    async def wait_ready(self, path: str = "/healthz", limit: float = 60.0) -> float:
        """Poll `path` until it answers 200; seconds since `start()`. Raises if the process
        dies or `limit` seconds pass (with the end of its log)."""
        deadline = self.started_at + limit
        url = self.base_url + path
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while True:
                if self.process is None or self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(url) as response:
                        if response.status == 200:
                            return time.monotonic() - self.started_at
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} not ready after {limit}s:\n{self.log_tail()}")
                await asyncio.sleep(0.005)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) it has used so far."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def rss_mib(self) -> float:
        """Resident memory now (MiB)."""
        return _status_kib(self.pid, "VmRSS") / 1024 if self.process else 0.0

    def peak_rss_mib(self) -> float:
        """Highest resident memory since start (MiB, the kernel's high-water mark)."""
        return _status_kib(self.pid, "VmHWM") / 1024 if self.process else 0.0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL of its whole session after a grace period; the exit code."""
        process = self.process
        if process is None:
            return None
        if process.stdin is not None:  # end of input asks a piped process to stop cleanly
            with contextlib.suppress(OSError):
                process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(process.wait, STOP_GRACE_SECONDS)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await asyncio.to_thread(process.wait)
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    async def __aenter__(self) -> ServerProcess:
        return self.start()

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _trace: TracebackType | None,
    ) -> None:
        await self.stop()


def workdir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A scratch directory for databases and logs, removed at the end unless BENCH_KEEP=1
    (then its path is printed, to read the servers' logs)."""
    keep = os.environ.get("BENCH_KEEP") == "1"
    scratch = tempfile.TemporaryDirectory(prefix=f"boussole-bench-{prefix}-", delete=not keep)
    if keep:
        print(f"[bench] keeping {scratch.name}", file=sys.stderr, flush=True)
    return scratch
