"""The per-round ratios a load row notes beside its medians."""

from __future__ import annotations

import pytest

from bench.runs import LoadRow, Runs, load_lines, round_ratios


def test_each_round_s_pair_gives_a_ratio_reported_lowest_to_highest() -> None:
    assert round_ratios([90.0, 60.0, 80.0], [100.0, 100.0, 80.0]) == (
        "ratio per round 0.60–1.00× (3 rounds)"
    )
    assert round_ratios([90.0], [100.0]) == ""  # one round: the table's ratio says it all


def test_the_load_lines_note_the_spread_beside_the_medians() -> None:
    ours = Runs(p99=[0.2, 0.3, 0.25], rates=[150.0, 210.0, 180.0], total=3, within=3)
    theirs = Runs(p99=[0.1, 0.3, 0.2], rates=[300.0, 200.0, 250.0], total=3, within=3)
    spec = LoadRow("2", "within", "p99", "turns/s", 0.7)
    _, p99, rate = load_lines(spec, "Teams", ours, theirs, "", "CPU note")
    assert p99.ratio == pytest.approx(1.25) and p99.note == "ratio per round 1.00–2.00× (3 rounds)"
    assert rate.ratio == pytest.approx(0.72)
    assert rate.note == "CPU note; ratio per round 0.50–1.05× (3 rounds)"
