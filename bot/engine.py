"""The core's entry point: applies commands and interactions, builds forms and home views."""

from __future__ import annotations

from bot.forms import Form
from bot.messages import Message
from bot.ports import Clock, Store
from bot.requests import Actor, Command, Interaction, Reply, TenantRef


class Engine:
    """Channel-agnostic bot. Adapters call it; it never imports them."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        default_locale: str = "fr",
        default_timezone: str = "Europe/Paris",
    ) -> None:
        self.store = store
        self.clock = clock
        self.default_locale = default_locale
        self.default_timezone = default_timezone

    async def handle(self, command: Command) -> Reply:
        """Apply a typed command. Never raises for bad input: answers a localised error."""
        raise NotImplementedError

    async def interact(self, interaction: Interaction) -> Reply:
        """Apply a button click (e.g. cap.ack) or a submitted form."""
        raise NotImplementedError

    async def open_form(self, tenant: TenantRef, actor: Actor, action: str, value: str) -> Form:
        """The form behind a button such as quickwin.log.open or retex.open."""
        raise NotImplementedError

    async def home(self, tenant: TenantRef, actor: Actor) -> Message:
        """A person's home view: the current cap, their quick wins with progress, buttons."""
        raise NotImplementedError
