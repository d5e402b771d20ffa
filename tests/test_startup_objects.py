"""What a process built at start-up is taken out of the collector's full passes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from main.startup_objects import freeze_startup_objects


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


def tracked(thing: object) -> bool:
    """Whether the collector's generations (not its permanent one) hold `thing`."""
    return any(candidate is thing for candidate in gc.get_objects())


@pytest.mark.usefixtures("unfrozen")
def test_objects_alive_at_the_call_leave_the_collected_generations() -> None:
    built_at_start = {"clients": [object()]}
    assert tracked(built_at_start)

    frozen = freeze_startup_objects()
    made_after = {"request": [object()]}

    assert frozen >= 1 and frozen == gc.get_freeze_count()
    assert not tracked(built_at_start)  # still alive, never walked by a full collection
    assert tracked(made_after)
