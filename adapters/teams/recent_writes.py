"""A bounded memory of what this process last wrote, and when, to skip repeating a write."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime, timedelta


class RecentWrites:
    """Key → (fingerprint, time written); the least recently written keys go first.
    Fingerprints are compared for equality only (they need not be hashable)."""

    def __init__(self, refresh_after: timedelta, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.refresh_after = refresh_after
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, tuple[object, datetime]] = OrderedDict()

    def fresh(self, key: Hashable, fingerprint: object, at: datetime) -> bool:
        """True when `fingerprint` was written for `key` less than `refresh_after` before `at`."""
        entry = self._entries.get(key)
        if entry is None:
            return False
        written, when = entry
        return written == fingerprint and timedelta(0) <= at - when < self.refresh_after

    def put(self, key: Hashable, fingerprint: object, at: datetime) -> None:
        """Remember a write; writes older than `refresh_after`, which can no longer skip
        anything, are dropped (so the memory holds the last window's writes, at most
        `capacity` of them)."""
        self._entries[key] = (fingerprint, at)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        expired = []
        for oldest, (_, when) in self._entries.items():  # (oldest first: stops at a fresh one)
            if at - when < self.refresh_after:
                break
            expired.append(oldest)
        for key in expired:
            del self._entries[key]

    def pop(self, key: Hashable) -> None:
        """Forget `key`: its next write happens whatever it holds."""
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
