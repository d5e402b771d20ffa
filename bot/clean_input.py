"""Control characters stripped from what people send, before any of it is parsed or stored.

Chat clients never send them; a NUL would make PostgreSQL refuse the text (and the command
fail), other C0/C1 controls garble what the bot posts back. Tabs and line breaks stay."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from bot.requests import Actor, TenantRef

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_controls(text: str) -> str:
    return _CONTROLS.sub("", text)


def clean_actor(actor: Actor) -> Actor:
    return replace(actor, display_name=without_controls(actor.display_name))


def clean_tenant(tenant: TenantRef) -> TenantRef:
    return replace(tenant, name=without_controls(tenant.name))


def clean_values(values: Mapping[str, str]) -> dict[str, str]:
    return {key: without_controls(value) for key, value in values.items()}
