"""Neutral outbound messages: a plain-text fallback plus a small closed set of blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Visibility(StrEnum):
    """Who sees a message: only the person who asked, or the whole conversation."""

    PERSONAL = "personal"
    CHANNEL = "channel"


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Heading:
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of user-visible text; `text` is literal (adapters escape it)."""

    text: str


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Fields:
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress bar: `ratio` is 0..1 (clipped by renderers), `label` says it in words."""

    label: str
    ratio: float
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Button:
    """An action: `action` is a stable id (see `bot.actions`), `value` its argument."""

    label: str
    action: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True, slots=True)
class Buttons:
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Context:
    """Small grey secondary text."""

    text: str


@dataclass(frozen=True, slots=True)
class Divider:
    pass


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    alt_text: str


Block = Heading | Paragraph | Fields | Progress | Buttons | Context | Divider | Image


@dataclass(frozen=True, slots=True)
class Message:
    """What the core wants shown. `text` is always a complete plain-text fallback."""

    text: str
    blocks: tuple[Block, ...] = ()
    visibility: Visibility = Visibility.PERSONAL
    kind: str = "reply"
    metadata: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def is_personal(self) -> bool:
        return self.visibility is Visibility.PERSONAL
