"""Splitting id lists for `IN (...)`, within every database's bound on bound parameters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

IN_CHUNK = 500
"""Ids per `IN (...)` list."""


def in_chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """The distinct ids, sorted, in lists of at most `IN_CHUNK`."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), IN_CHUNK):
        yield wanted[start : start + IN_CHUNK]
