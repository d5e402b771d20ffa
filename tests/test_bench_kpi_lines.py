"""Row 3's lines: the summary given its tenant against each hand-written statement, and the
summary reading its tenant first, given in each line's note with its own ratio."""

from __future__ import annotations

import pytest

from bench.kpi_data import Sizes
from bench.row_kpi import Timings, lines_for


def test_each_line_compares_the_summary_and_notes_it_with_a_tenant_read() -> None:
    timings = Timings(
        ours=0.0015,
        ours_reading_the_tenant=0.002,
        by_hand=0.001,
        by_hand_without_count=0.0008,
        active=8,
    )

    with_count, without_count = lines_for("SQLite", Sizes(100, 1000, 1_000_000), timings, "")

    assert (with_count.value, with_count.baseline) == pytest.approx((1.5, 1.0))
    assert with_count.ratio == pytest.approx(1.5)
    assert with_count.met is True
    assert with_count.note.endswith("; reading the tenant first as well: 2.00 ms (2.00×)")
    assert "8 active quick wins" in with_count.note
    assert (without_count.value, without_count.baseline) == pytest.approx((1.5, 0.8))
    assert without_count.met is True  # 1.88×
    assert without_count.note.endswith("; reading the tenant first as well: 2.00 ms (2.50×)")
