"""Row 4's note on where a fan-out's total comes from: first posts and each workspace's spacing."""

from __future__ import annotations

import math

import pytest

from bench.fake_slack import Post
from bench.row_fanout import spread_of


def post(team: str, at: float) -> Post:
    return Post(team_id=team, channel=f"D{team}", at=at, delivery_key=f"{team}@{at}", text="")


def test_the_spread_is_the_last_first_post_and_each_workspace_s_spacings() -> None:
    nine = 100.0
    posts = [  # arrival order, as the fake records them
        post("T1", 100.1),
        post("T2", 100.6),
        post("T1", 101.2),
        post("T2", 101.6),
        post("T1", 102.2),
        post("T2", 103.0),
    ]
    spread = spread_of(posts, nine)
    assert spread.last_first == pytest.approx(0.6)  # T2's first post
    # T1: 1.1 and 1.0 apart; T2: 1.0 and 1.4 apart.
    assert spread.median_gap == pytest.approx(1.05)
    assert spread.p90_gap == pytest.approx(1.31)


def test_posts_out_of_order_are_sorted_per_workspace() -> None:
    spread = spread_of([post("T1", 12.0), post("T1", 10.5), post("T1", 11.0)], 10.0)
    assert spread.last_first == pytest.approx(0.5)
    assert spread.median_gap == pytest.approx(0.75)


def test_without_posts_nothing_is_made_up() -> None:
    spread = spread_of([], 10.0)
    assert math.isnan(spread.last_first) and math.isnan(spread.median_gap)
    one_each = spread_of([post("T1", 10.2), post("T2", 10.4)], 10.0)
    assert one_each.last_first == pytest.approx(0.4) and math.isnan(one_each.median_gap)
