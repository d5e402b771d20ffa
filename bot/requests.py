"""Neutral inbound requests: what an adapter hands the core, and what the core answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.messages import Message


@dataclass(frozen=True, slots=True)
class TenantRef:
    """Identifies a workspace on a platform, e.g. ("slack", "T0123") or ("console", "local")."""

    platform: str
    external_id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Actor:
    """The person who typed or clicked, as the platform knows them."""

    external_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Command:
    """A line of text addressed to the bot, e.g. "qw log 1 38,5 relances envoyées".

    `text` starts with the command name (with or without a leading "/").
    `request_key` is a platform delivery id: the same key is applied at most once.
    People are written "@<external id>" in `text`; `mentions` maps external ids to display
    names when the platform knows them (e.g. Slack "<@U123|marie>" becomes "@U123").
    """

    tenant: TenantRef
    actor: Actor
    text: str
    received_at: datetime
    channel: str = ""
    request_key: str | None = None
    mentions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Interaction:
    """A button click or a submitted form, e.g. action "cap.ack" with value "12"."""

    tenant: TenantRef
    actor: Actor
    action: str
    received_at: datetime
    value: str = ""
    form: dict[str, str] = field(default_factory=dict)
    channel: str = ""
    request_key: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """What the core answers: messages to show, in order.

    Personal messages go to the actor only; channel messages to the conversation.
    `duplicate` is true when the request key was already applied (adapters show nothing).
    `changed` is true when stored data changed (adapters may refresh views such as a home tab).
    `replacement` is the new content of the message that carried the clicked button, if any.
    `field_errors` maps form input names to localised errors for a submitted form.
    """

    messages: tuple[Message, ...] = ()
    duplicate: bool = False
    changed: bool = False
    tenant_id: int | None = None
    replacement: Message | None = None
    field_errors: dict[str, str] = field(default_factory=dict)

    @property
    def personal(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.is_personal)

    @property
    def public(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if not m.is_personal)
