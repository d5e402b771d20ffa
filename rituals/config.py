"""Tunable numbers of the rituals layer, with the defaults the composition root may override."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RitualConfig:
    grace: timedelta = timedelta(hours=1)
    """How late an occurrence may still be posted (marked late); older ones are recorded missed."""

    lead: timedelta = timedelta(0)
    """How long before its time an occurrence is planned: decided, composed and queued, its
    messages held in the outbox until the time comes. With thousands of workspaces due at the
    same minute, their planning is then done when the first message is due, not in its way.
    A ritual changed meanwhile (`rituel modifier`, `pause`, `sauter`, its channel) is planned
    again under its new setting; other news of that window (a new cap, a result) shows in
    the next occurrence, as it would for a message still waiting for its turn to be sent."""

    on_time: timedelta = timedelta(minutes=2)
    """Posted within this delay of its time, an occurrence is not marked late."""

    send_ahead: timedelta = timedelta(0)
    """How long before its time a sender may claim a message; it holds it and sends it at
    that time (counted on the monotonic clock from the claim). When thousands of messages are
    due at the same instant, the claims' reads and writes are then done before it, not in the
    way of the first sends. A ritual changed within it still sends what was claimed."""

    send_lease: timedelta = timedelta(minutes=2)
    """How long a sender holds an outbox row; a crashed sender's rows are taken over after it."""

    clock_lease: timedelta = timedelta(seconds=60)
    """How long the active clock's lease lasts; a second clock takes over once it expires."""

    heartbeat: timedelta = timedelta(seconds=15)
    """How often the clock renews its lease, drains the outbox and re-reads the rituals."""

    batch_size: int = 400
    max_attempts: int = 8
    retry_backoff: timedelta = timedelta(seconds=30)
    max_per_channel: int = 8
    """Live rituals one channel (or one role's inboxes) may receive."""

    default_channels: Mapping[str, str] = field(default_factory=lambda: {"console": "general"})
    """The team channel a new tenant's rituals post to, per platform ("" = ask for one)."""
