"""Smoke run of `python -m bench --smoke`: every row is printed with sane numbers (no timing
assertion: benchmarks measure, tests only keep the command from rotting)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
SMOKE_TIMEOUT_S = 100
ROWS = {"1", "2", "3", "4", "5"}
#: Rows that may honestly say they measured nothing, and the reasons they may give.
ALLOWED_MISSING = ("unreachable", "not there yet", "has not landed")


def leftover_processes(marker: str) -> list[psutil.Process]:
    """Processes (servers) still carrying the run's marker in their environment."""
    found = []
    for process in psutil.process_iter(["pid"]):
        try:
            if process.environ().get("BENCH_SMOKE_RUN") == marker:
                found.append(process)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, object]], str]:
    out = tmp_path_factory.mktemp("bench") / "lines.json"
    marker = uuid.uuid4().hex
    env = {**os.environ, "BENCH_SMOKE_RUN": marker}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_S,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return completed.stdout, json.loads(out.read_text()), marker


def test_the_table_is_printed_with_every_row(
    smoke: tuple[str, list[dict[str, object]], str],
) -> None:
    stdout, lines, _ = smoke
    assert "| # | Benchmark | Measure | Boussole | Bare | Ratio | Target | Met |" in stdout
    assert {str(line["row"]) for line in lines} == ROWS
    for row in ROWS:
        assert any(text.startswith(f"| {row} | ") for text in stdout.splitlines()), row


def test_every_measured_line_has_sane_numbers(
    smoke: tuple[str, list[dict[str, object]], str],
) -> None:
    _, lines, _ = smoke
    measured = [line for line in lines if not line["missing"]]
    assert {str(line["row"]) for line in measured} >= {"1", "2", "3", "5"}
    for line in measured:
        value, baseline, ratio = line["value"], line["baseline"], line["ratio"]
        assert isinstance(value, float) and math.isfinite(value) and value >= 0, line
        assert line["target"], line
        assert line["met"] in (True, False), line
        if baseline is None:  # an absolute target (duplicates, lost): nothing to compare with
            assert ratio is None, line
            continue
        assert isinstance(baseline, float) and baseline > 0, line
        assert isinstance(ratio, float) and ratio > 0, line
        if line["unit"] == "%":
            assert 0 <= value <= 100 and 0 < baseline <= 100, line


def test_nothing_is_missing_without_a_reason(
    smoke: tuple[str, list[dict[str, object]], str],
) -> None:
    _, lines, _ = smoke
    for line in lines:
        missing = str(line["missing"])
        assert not missing or any(reason in missing for reason in ALLOWED_MISSING), line


def test_no_server_is_left_running(smoke: tuple[str, list[dict[str, object]], str]) -> None:
    _, _, marker = smoke
    assert leftover_processes(marker) == []


def test_in_ci_every_row_measures_something(
    smoke: tuple[str, list[dict[str, object]], str],
) -> None:
    """CI has PostgreSQL and every part of the product: no row may say it measured nothing."""
    if os.environ.get("CI") != "true":
        pytest.skip("only meaningful where every service is guaranteed (CI=true)")
    _, lines, _ = smoke
    assert [line for line in lines if line["missing"]] == []
