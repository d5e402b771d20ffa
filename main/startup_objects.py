"""Takes what a process built at start-up out of the cyclic garbage collector's full passes."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Move every object alive now (modules, SDK clients, the app) to the collector's permanent
    generation, and return how many: a full collection then walks only what was made since.

    At 1,000 workspaces the ritual clock holds about 130,000 such objects, and each full
    collection over them paused the event loop for about 100 ms in the middle of a Monday
    fan-out. Frozen objects are still freed by reference counting; only cycles among them
    are never collected, and start-up leaves next to none (`gc.collect` first would cost the
    first request about as much as one of those pauses)."""
    gc.freeze()
    return gc.get_freeze_count()
