"""A test helper that speaks to the real Engine as named people of one tenant."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.engine import Engine
from bot.messages import Button, Buttons, Message
from bot.requests import Actor, Command, Interaction, Reply, TenantRef

_keys = itertools.count()


@dataclass
class Chat:
    engine: Engine
    tenant: TenantRef = field(default_factory=lambda: TenantRef("console", "acme", "ACME"))

    async def say(self, who: str, text: str, *, key: str | None = None) -> Reply:
        mentions = {w[1:]: w[1:].title() for w in text.split() if w.startswith("@")}
        return await self.engine.handle(
            Command(
                tenant=self.tenant,
                actor=Actor(who, who.title()),
                text=text,
                received_at=self.engine.clock.now(),
                request_key=key or f"k{next(_keys)}",
                mentions=mentions,
            )
        )

    async def click(
        self, who: str, action: str, value: str = "", form: dict[str, str] | None = None
    ) -> Reply:
        return await self.engine.interact(
            Interaction(
                tenant=self.tenant,
                actor=Actor(who, who.title()),
                action=action,
                value=value,
                form=form or {},
                received_at=self.engine.clock.now(),
                request_key=f"k{next(_keys)}",
            )
        )

    async def text(self, who: str, line: str) -> str:
        """All the text the bot answered, joined."""
        reply = await self.say(who, line)
        return "\n".join(m.text for m in reply.messages)


def is_error(reply: Reply) -> bool:
    return any(m.kind == "error" for m in reply.messages)


def buttons_of(message: Message) -> list[Button]:
    return [
        button for block in message.blocks if isinstance(block, Buttons) for button in block.buttons
    ]
