"""Unit tests of quick-win arithmetic: progress in both directions, plan-line status, trend."""

from datetime import date
from decimal import Decimal as D

from bot.progress import Status, Trend, expected_progress, progress, sparkline, status, trend


def test_progress_higher_is_better() -> None:
    assert progress(D(0), D(100), D(25)) == 0.25
    assert progress(D(0), D(100), D(120)) == 1.2


def test_progress_lower_is_better_days_to_get_paid() -> None:
    # 52 days to get paid at baseline, 38 targeted: 45 days is half-way.
    assert progress(D(52), D(38), D(45)) == 0.5
    assert progress(D(52), D(38), D(38)) == 1.0
    assert progress(D(52), D(38), D(60)) < 0


def test_expected_progress_follows_the_straight_line() -> None:
    start, due = date(2027, 1, 1), date(2027, 1, 11)
    assert expected_progress(start, due, date(2027, 1, 1)) == 0.0
    assert expected_progress(start, due, date(2027, 1, 6)) == 0.5
    assert expected_progress(start, due, date(2027, 2, 1)) == 1.0
    assert expected_progress(start, start, start) == 1.0


def test_status_against_plan_line() -> None:
    start, due = date(2027, 1, 1), date(2027, 1, 11)
    half_way = date(2027, 1, 6)
    assert status(0.6, start, due, half_way) is Status.ON_TRACK
    assert status(0.5, start, due, half_way) is Status.ON_TRACK
    assert status(0.4, start, due, half_way) is Status.AT_RISK
    assert status(1.0, start, due, half_way) is Status.REACHED
    assert status(0.9, start, due, date(2027, 1, 12)) is Status.OVERDUE


def test_trend_is_relative_to_the_direction() -> None:
    assert trend(D(52), D(38), [D(50), D(47)]) is Trend.UP
    assert trend(D(52), D(38), [D(47), D(50)]) is Trend.DOWN
    assert trend(D(0), D(100), [D(10), D(10)]) is Trend.FLAT
    assert trend(D(0), D(100), [D(10)]) is Trend.FLAT


def test_sparkline_spans_min_to_max() -> None:
    assert sparkline([D(1), D(2), D(3)]) == "▁▄█"
    assert sparkline([D(5), D(5)]) == "▄▄"
    assert sparkline([]) == ""


def test_sparkline_steps_are_exact() -> None:
    assert sparkline([D(n) for n in range(8)]) == "▁▂▃▄▅▆▇█"
    assert sparkline([D(n) / 7 for n in (0, 1, 2, 6, 7)]) == "▁▂▃▇█"  # sevenths: inexact decimals
    assert sparkline((D("0.1"), D("0.2"), D("0.3"))) == "▁▄█"  # any sequence
