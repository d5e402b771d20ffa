"""An interactive console session: reads lines, acts as a chosen person, prints what the bot posts."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO

from adapters.console.render import describe_form, render
from bot import actions
from bot.clock import SystemClock
from bot.delivery import Delivery, DeliveryStatus, Target
from bot.engine import Engine
from bot.forms import Checkbox, ChoiceInput, Form
from bot.messages import Button, Message
from bot.model import Tenant
from bot.ports import Clock
from bot.requests import Actor, Command, Interaction, Reply, TenantRef

ReadLine = Callable[[], Awaitable[str | None]]
FORM_ACTIONS = frozenset({actions.LOG_RESULT, actions.SHARE_RETEX})

CONSOLE_TENANT = TenantRef("console", "local", "Console")
DEFAULT_ACTOR = Actor("moi", "moi")
CONSOLE_HELP = """Console Boussole — tapez les commandes comme dans Slack ou Teams :
  /cap, /cap définir <texte>, /qw ajouter …, /qw saisir 1 38,5, /retex …, /kpi, /aide
Commandes de la console :
  /as @marie   agir en tant que marie (créée au premier passage)
  /qui         qui suis-je ?
  /clic N      cliquer le bouton [N] du dernier message (aussi : /click N)
  /quitter     sortir (aussi : /quit, Ctrl-D)
Console commands (English): /as @name, /who, /click N, /quit."""


async def stdin_line() -> str | None:
    """One line from standard input without blocking the event loop; None at end of input."""
    line = await asyncio.to_thread(sys.stdin.readline)
    return line if line else None


@dataclass
class ConsoleSession:
    engine: Engine
    read_line: ReadLine = stdin_line
    out: TextIO = field(default_factory=lambda: sys.stdout)
    tenant: TenantRef = CONSOLE_TENANT
    actor: Actor = DEFAULT_ACTOR
    clock: Clock = field(default_factory=SystemClock)
    buttons: list[Button] = field(default_factory=list)
    _counter: int = 0

    def write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def prompt(self) -> None:
        self.out.write(f"{self.actor.display_name}> ")
        self.out.flush()

    async def run(self) -> None:
        self.write(CONSOLE_HELP)
        while True:
            self.prompt()
            line = await self.read_line()
            if line is None:
                self.write("")
                return
            if not await self.step(line.strip()):
                return

    async def step(self, line: str) -> bool:
        """Handle one typed line; False when the person asked to leave."""
        if not line:
            return True
        word, _, rest = line.partition(" ")
        lowered = word.lower()
        if lowered in ("/quit", "/quitter", "/exit", "/sortir"):
            return False
        if lowered == "/as":
            self.switch(rest.strip())
        elif lowered in ("/qui", "/who", "/whoami"):
            self.write(f"→ {self.actor.display_name} (@{self.actor.external_id})")
        elif lowered in ("/clic", "/click"):
            await self.click(rest.strip())
        elif lowered in ("/console", "/?"):
            self.write(CONSOLE_HELP)
        else:
            await self.command(line.removeprefix("/"))
        return True

    def switch(self, who: str) -> None:
        name = who.removeprefix("@").strip()
        if not name or " " in name:
            self.write("⚠️ /as @nom — par exemple : /as @marie")
            return
        self.actor = Actor(name.lower(), name)
        self.write(f"→ vous agissez maintenant en tant que {name} (@{name.lower()})")

    def next_key(self) -> str:
        self._counter += 1
        return f"console-{id(self)}-{self._counter}"

    async def command(self, text: str) -> None:
        mentions = {token[1:].lower(): token[1:] for token in text.split() if token.startswith("@")}
        text = " ".join(
            f"@{token[1:].lower()}" if token.startswith("@") else token for token in text.split()
        )
        reply = await self.engine.handle(
            Command(
                tenant=self.tenant,
                actor=self.actor,
                text=text,
                received_at=self.clock.now(),
                channel="general",
                request_key=self.next_key(),
                mentions=mentions,
            )
        )
        self.show(reply)

    async def click(self, index: str) -> None:
        if not index.isdigit() or not 1 <= int(index) <= len(self.buttons):
            self.write(
                f"⚠️ /clic N — N entre 1 et {len(self.buttons)}"
                if self.buttons
                else "⚠️ aucun bouton"
            )
            return
        button = self.buttons[int(index) - 1]
        if button.action in FORM_ACTIONS:
            form = await self.engine.open_form(self.tenant, self.actor, button.action, button.value)
            await self.fill(form)
            return
        reply = await self.engine.interact(
            Interaction(
                tenant=self.tenant,
                actor=self.actor,
                action=button.action,
                value=button.value,
                received_at=self.clock.now(),
                request_key=self.next_key(),
            )
        )
        self.show(reply)

    async def fill(self, form: Form) -> None:
        """Ask each input of a form in turn, then submit it."""
        self.write(describe_form(form))
        if not form.submit_action:
            return
        values: dict[str, str] = {}
        for item in form.inputs:
            suffix = " (o/n)" if isinstance(item, Checkbox) else ""
            self.out.write(f"  {item.label}{suffix} : ")
            self.out.flush()
            answer = (await self.read_line() or "").strip()
            if isinstance(item, Checkbox):
                answer = "true" if answer.lower() in ("o", "oui", "y", "yes") else ""
            elif isinstance(item, ChoiceInput) and not answer:
                answer = item.initial
            values[item.name] = answer
        reply = await self.engine.interact(
            Interaction(
                tenant=self.tenant,
                actor=self.actor,
                action=form.submit_action,
                form=values,
                received_at=self.clock.now(),
                request_key=self.next_key(),
            )
        )
        self.show(reply)

    def show(self, reply: Reply) -> None:
        self.buttons = []
        for message in reply.messages:
            self.post(message)
        if reply.replacement is not None:
            self.write("(message mis à jour)")
            self.post(reply.replacement)

    def post(self, message: Message, where: str = "") -> None:
        text, buttons = render(message)
        offset = len(self.buttons)
        if buttons and offset:
            text = renumber(text, buttons, offset)
        self.buttons.extend(buttons)
        label = where or ("🔒 vous seul·e" if message.is_personal else "#général")
        self.write(f"┌─ Boussole · {label}\n{indent(text)}\n└─")


def renumber(text: str, buttons: list[Button], offset: int) -> str:
    for position in range(len(buttons), 0, -1):
        text = text.replace(f"[{position}] ", f"[{position + offset}] ")
    return text


def indent(text: str) -> str:
    return "\n".join("│ " + line for line in text.splitlines())


class ConsoleMessenger:
    """Posts ritual messages to the console session's output, as the bot would in a channel."""

    platform = "console"
    send_interval = 0.0

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session
        self.sent: dict[str, Delivery] = {}

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery:
        where = f"#{target.id}" if target.kind.value == "channel" else f"✉️ @{target.id}"
        self.session.post(message, where)
        delivery = Delivery(DeliveryStatus.SENT, platform_message_id=delivery_key)
        self.sent[delivery_key] = delivery
        return delivery

    async def find_sent(self, tenant: Tenant, target: Target, delivery_key: str) -> Delivery | None:
        return self.sent.get(delivery_key)
