"""Outbound delivery port: how rituals hand a message to a platform (Slack, Teams, console)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.messages import Message
from bot.model import Tenant


class TargetKind(StrEnum):
    CHANNEL = "channel"  # a channel / conversation id
    MEMBER = "member"  # a direct message to a member, by their platform external id


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    id: str


class DeliveryStatus(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # transient (429, 5xx, timeout): try again after `retry_after` seconds
    FAILED = "failed"  # permanent: do not retry (invalid target, revoked token)
    BLOCKED = "blocked"  # the platform refuses writes to this conversation (Teams 403)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A send's outcome. `uncertain` (with RETRY): the connection dropped after the request
    left, so the platform may have the message; look for it (`find_sent`) before resending."""

    status: DeliveryStatus
    platform_message_id: str = ""
    retry_after: float | None = None
    detail: str = ""
    uncertain: bool = False


class Messenger(Protocol):
    """Posts neutral messages on one platform. `delivery_key` is unique per message to send:
    the messenger attaches it where the platform allows, so a send can be reconciled."""

    platform: str
    send_interval: float
    """Seconds the platform wants between two sends to one workspace (0: not paced)."""

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery: ...

    async def find_sent(self, tenant: Tenant, target: Target, delivery_key: str) -> Delivery | None:
        """After a crash: the delivery already visible on the platform for this key, if any."""
        ...


@runtime_checkable
class PreparesSends(Protocol):
    """A messenger that can read at once what several sends would each read alone (Slack: the
    workspaces' bot tokens); the rituals' sender calls it with each batch it claims."""

    async def prepare(self, tenants: Collection[Tenant]) -> None:
        """Before sends to these tenants. A failure here only means each send reads alone."""
        ...
