"""The result table: one line per measure, Boussole beside its bare baseline, ratio and target."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

Check = Callable[[float, float], bool]
"""(Boussole's value, ratio to the baseline) -> target met."""


@dataclass(frozen=True)
class Target:
    """A target as written in the table, and how to check it."""

    text: str
    check: Check


def ratio_at_most(limit: float) -> Target:
    return Target(f"≤ {limit:g}× bare", lambda _value, r: math.isfinite(r) and r <= limit)


def ratio_at_least(limit: float) -> Target:
    return Target(f"≥ {limit:g}× bare", lambda _value, r: math.isfinite(r) and r >= limit)


def value_at_most(limit: float, unit: str) -> Target:
    return Target(f"≤ {limit:g} {unit}", lambda value, _r: math.isfinite(value) and value <= limit)


def value_at_least(limit: float, unit: str) -> Target:
    return Target(f"≥ {limit:g} {unit}", lambda value, _r: math.isfinite(value) and value >= limit)


def value_equals(expected: float, unit: str = "") -> Target:
    text = f"= {expected:g}{(' ' + unit) if unit else ''}"
    return Target(text, lambda value, _r: math.isfinite(value) and value == expected)


@dataclass
class Line:
    """One measure. `value` is Boussole's, `baseline` the bare framework's, both in `unit`."""

    row: str
    name: str
    measure: str
    unit: str
    value: float = math.nan
    baseline: float = math.nan
    target: Target | None = None
    ratio: float = math.nan
    met: bool | None = None
    note: str = ""
    missing: str = ""
    """Why nothing was measured (a part that does not exist yet, a database not reachable)."""
    at_least: bool = False
    """The value is a lower bound (a run stopped by its time bound before the end)."""

    def __post_init__(self) -> None:
        if math.isnan(self.ratio) and math.isfinite(self.value) and math.isfinite(self.baseline):
            self.ratio = self.value / self.baseline if self.baseline > 0 else math.nan
        if self.met is None and self.target is not None and not self.missing:
            self.met = self.target.check(self.value, self.ratio)


def missing_line(row: str, name: str, why: str) -> Line:
    return Line(row=row, name=name, measure="—", unit="", missing=why)


def _number(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "—"
    if unit == "%":
        return f"{value:.1f} %"
    if not unit and value == int(value):
        return str(int(value))
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f} {unit}".replace(",", " ").strip()


def _verdict(line: Line) -> str:
    if line.missing:
        return "n/a"
    if line.met is None:
        return ""
    return "yes" if line.met else "**no**"


def render(lines: Sequence[Line], *, title: str) -> str:
    """A Markdown table (pasteable into bench/README.md), then the notes."""
    header = "| # | Benchmark | Measure | Boussole | Bare | Ratio | Target | Met |"
    out = [title, "", header, "|---|---|---|---:|---:|---:|---|---|"]
    notes: list[str] = []
    for line in lines:
        if line.missing:
            notes.append(f"{line.row} {line.name}: {line.missing}")
            out.append(f"| {line.row} | {line.name} | not measured | — | — | — | — | n/a |")
            continue
        bound = "≥ " if line.at_least else ""
        ratio = f"{bound}{line.ratio:.2f}×" if math.isfinite(line.ratio) else "—"
        out.append(
            f"| {line.row} | {line.name} | {line.measure} | "
            f"{bound}{_number(line.value, line.unit)} | "
            f"{_number(line.baseline, line.unit)} | {ratio} | "
            f"{line.target.text if line.target else ''} | {_verdict(line)} |"
        )
        if line.note:
            notes.append(f"{line.row} {line.name}, {line.measure}: {line.note}")
    if notes:
        out += ["", "Notes:", *(f"- {note}" for note in notes)]
    return "\n".join(out)


def machine() -> str:
    """Date, CPU, core count, Python: the context of the figures."""
    cpu = platform.processor() or platform.machine()
    try:
        for text_line in Path("/proc/cpuinfo").read_text().splitlines():
            if text_line.startswith("model name"):
                cpu = text_line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{now} · {os.cpu_count()} cores · {cpu} · Python {platform.python_version()} · "
        f"{platform.system()} {platform.release()} · load before the run {load}"
    )


def write_json(lines: Sequence[Line], path: Path) -> None:
    """The raw lines (targets as text), for the smoke test and for comparisons between runs."""

    def encode(line: Line) -> dict[str, object]:
        data = asdict(line)
        data["target"] = line.target.text if line.target else ""
        for key in ("value", "baseline", "ratio"):
            number = data[key]
            data[key] = number if isinstance(number, float) and math.isfinite(number) else None
        return data

    path.write_text(json.dumps([encode(line) for line in lines], indent=2, ensure_ascii=False))
