"""Per-round figures of a load row (Slack, Teams) and the three table lines they give."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.report import Line, ratio_at_least, ratio_at_most, value_at_least
from bench.stats import median


@dataclass
class Runs:
    """Figures of one app at one concurrency, summed or listed over the alternating rounds."""

    p99: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    within: int = 0
    total: int = 0
    done: int = 0
    """Requests fully served: stored and replied to (Slack), reply received (Teams)."""
    cpu: float = 0.0
    """Server CPU seconds over all rounds."""

    def share_within(self) -> float:
        return 100.0 * self.within / self.total if self.total else 0.0

    def cpu_ms_each(self) -> float:
        return 1000 * self.cpu / max(self.total, 1)


@dataclass(frozen=True)
class LoadRow:
    """How one load row names its measures and targets."""

    row: str
    within: str
    p99: str
    rate: str
    rate_target: float


def load_lines(
    spec: LoadRow, name: str, ours: Runs, theirs: Runs, note: str, rate_note: str
) -> list[Line]:
    """Share within the platform's deadline, p99 and rate, Boussole against the bare app."""
    return [
        Line(
            spec.row,
            name,
            spec.within,
            "%",
            value=ours.share_within(),
            baseline=theirs.share_within(),
            target=value_at_least(100.0, "%"),
            note=note,
        ),
        Line(
            spec.row,
            name,
            spec.p99,
            "ms",
            value=1000 * median(ours.p99),
            baseline=1000 * median(theirs.p99),
            target=ratio_at_most(2.0),
            note=round_ratios(ours.p99, theirs.p99),
        ),
        Line(
            spec.row,
            name,
            spec.rate,
            "/s",
            value=median(ours.rates),
            baseline=median(theirs.rates),
            target=ratio_at_least(spec.rate_target),
            note="; ".join(
                part for part in (rate_note, round_ratios(ours.rates, theirs.rates)) if part
            ),
        ),
    ]


def round_ratios(ours: list[float], theirs: list[float]) -> str:
    """The ratio of each round's pair of runs (run next to each other, so under the same load
    of the machine), lowest to highest: how much of the table's ratio is the machine's noise."""
    ratios = sorted(mine / bare for mine, bare in zip(ours, theirs, strict=True) if bare > 0)
    if len(ratios) < 2:
        return ""
    return f"ratio per round {ratios[0]:.2f}–{ratios[-1]:.2f}× ({len(ratios)} rounds)"
