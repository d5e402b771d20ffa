"""Read models' records: the KPI summary's inputs (cap and readers, quick wins, retex, missed
rituals) and a person's home (cap, their acknowledgement, their quick wins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.model import CapVersion, QuickWinSnapshot, Retex


@dataclass(frozen=True, slots=True)
class KpiSnapshot:
    """One tenant's figures for the director's summary, read by the repository in one go.

    `managers_acked` counts the managers (role manager today) who acknowledged `cap`;
    `retex_count` counts the retex since the window start, `retex` holds the newest of them
    (newest first) and `author_names` the display names of their authors. `missed` lists the
    ritual occurrences recorded as missed since the window start as (ritual name, scheduled
    time), oldest first, named in the tenant's language.
    """

    cap: CapVersion | None
    managers_acked: int
    managers_total: int
    quick_wins: tuple[QuickWinSnapshot, ...]
    retex_count: int
    retex: tuple[Retex, ...]
    author_names: Mapping[int, str]
    missed: tuple[tuple[str, datetime], ...]


@dataclass(frozen=True, slots=True)
class HomeSnapshot:
    """One person's home figures, read by the repository in one go: the current cap, whether
    they acknowledged it, and their own active quick wins (in number order) with their
    latest measurements and counts."""

    cap: CapVersion | None
    acknowledged: bool
    quick_wins: tuple[QuickWinSnapshot, ...]
