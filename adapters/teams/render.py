"""Pure renderer: neutral `Message` / `Form` to Adaptive Card 1.5 JSON, within Teams' size limit."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from adapters.teams.text import clip, escape_markdown, split_text
from bot.forms import Checkbox, ChoiceInput, Form, FormInput, TextInput
from bot.messages import (
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Context,
    Divider,
    Fields,
    Heading,
    Image,
    Message,
    Paragraph,
    Progress,
)

CARD_VERSION: Final = "1.5"
CARD_CONTENT_TYPE: Final = "application/vnd.microsoft.card.adaptive"
MAX_MESSAGE_BYTES: Final = 28_000
"""Teams refuses a bot message whose JSON payload exceeds about 28 KB."""
ENVELOPE_RESERVE_BYTES: Final = 4_000
"""Room kept for the activity around the card: ids, accounts, channelData, summary."""
CARD_BUDGET_BYTES: Final = MAX_MESSAGE_BYTES - ENVELOPE_RESERVE_BYTES
"""The largest serialized card we send; longer content is split into several cards."""
MAX_TEXTBLOCK_CHARS: Final = 2_000
"""A longer line is cut into several TextBlocks, so one element always fits a card."""
MAX_FACT_LABEL_CHARS: Final = 100
MAX_FACT_VALUE_CHARS: Final = 500
FACTS_PER_FACTSET: Final = 5
"""Larger field lists become several FactSets, so one element always fits a card."""
MAX_FALLBACK_CHARS: Final = 2_000
MAX_SUMMARY_CHARS: Final = 200
ACTION_DATA_KEY: Final = "boussole"
TOGGLES_KEY: Final = "toggles"
"""Envelope key listing a form's Input.Toggle ids (their "off" value becomes "")."""
"""Key of our envelope in Action.Submit data; Teams merges input values beside it."""
TOGGLE_ON: Final = "true"
TOGGLE_OFF: Final = "false"

Json = dict[str, Any]

_BUTTON_STYLES: Final = {
    ButtonStyle.DEFAULT: "default",
    ButtonStyle.PRIMARY: "positive",
    ButtonStyle.DANGER: "destructive",
}


def card_size(card: Mapping[str, Any]) -> int:
    """Size in bytes of the card as sent (compact UTF-8 JSON)."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def submit_data(action: str, value: str = "", **extra: str) -> Json:
    """The data of an Action.Submit: our envelope, so a click names its action and value."""
    return {ACTION_DATA_KEY: {"action": action, "value": value, **extra}}


def _text_blocks(text: str, **style: Any) -> list[Json]:
    """One TextBlock per line (so line breaks survive markdown), long lines cut."""
    blocks: list[Json] = []
    for line_number, line in enumerate(text.split("\n")):
        for piece_number, piece in enumerate(split_text(line, MAX_TEXTBLOCK_CHARS)):
            if not piece.strip():
                continue
            block: Json = {"type": "TextBlock", "text": escape_markdown(piece), "wrap": True}
            block.update(style)
            if (line_number or piece_number) and blocks:
                block["spacing"] = "none"
            blocks.append(block)
    return blocks


def _progress(block: Progress) -> list[Json]:
    ratio = min(1.0, max(0.0, block.ratio))
    done = round(ratio * 100)
    columns: list[Json] = []
    if done > 0:
        columns.append(
            {"type": "Column", "width": done, "style": "good", "minHeight": "8px", "items": []}
        )
    if done < 100:
        columns.append(
            {
                "type": "Column",
                "width": 100 - done,
                "style": "emphasis",
                "minHeight": "8px",
                "items": [],
            }
        )
    elements = _text_blocks(block.label, weight="bolder")
    elements.append({"type": "ColumnSet", "columns": columns, "spacing": "small"})
    if block.caption:
        elements.extend(_text_blocks(block.caption, isSubtle=True, size="small"))
    return elements


def _button(button: Button) -> Json:
    return {
        "type": "Action.Submit",
        "title": clip(button.label, 200),
        "style": _BUTTON_STYLES[button.style],
        "data": submit_data(button.action, button.value),
    }


def _image(block: Image) -> list[Json]:
    if not block.url.startswith("https://"):
        return _text_blocks(block.alt_text, isSubtle=True)  # Teams shows https images only
    return [{"type": "Image", "url": block.url, "altText": clip(block.alt_text, 1000)}]


def _elements(block: Block) -> list[Json]:
    """Card elements of one block (a Divider yields none: it marks the next element)."""
    match block:
        case Heading(text=text):
            return _text_blocks(text, size="large", weight="bolder", style="heading")
        case Paragraph(text=text):
            return _text_blocks(text)
        case Context(text=text):
            return _text_blocks(text, isSubtle=True, size="small")
        case Fields(fields=fields):
            facts = [
                {
                    "title": escape_markdown(clip(f.label, MAX_FACT_LABEL_CHARS)),
                    "value": escape_markdown(clip(f.value, MAX_FACT_VALUE_CHARS)),
                }
                for f in fields
            ]
            return [
                {"type": "FactSet", "facts": facts[start : start + FACTS_PER_FACTSET]}
                for start in range(0, len(facts), FACTS_PER_FACTSET)
            ]
        case Progress():
            return _progress(block)
        case Buttons(buttons=buttons):
            return [{"type": "ActionSet", "actions": [_button(b) for b in buttons]}]
        case Image():
            return _image(block)
        case Divider():
            return []
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover - Block is a closed union


def _block_text(block: Block) -> str:
    """The plain text of a block, for the fallback of a part of a split message."""
    match block:
        case Heading(text=text) | Paragraph(text=text) | Context(text=text):
            return text
        case Fields(fields=fields):
            return "\n".join(f"{f.label}: {f.value}" for f in fields)
        case Progress(label=label, caption=caption):
            return "\n".join(t for t in (label, caption) if t)
        case Buttons(buttons=buttons):
            return " · ".join(b.label for b in buttons)
        case Image(alt_text=alt_text):
            return alt_text
    return ""


def _card(body: Sequence[Json], fallback: str) -> Json:
    return {
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "fallbackText": clip(fallback, MAX_FALLBACK_CHARS),
        "body": list(body),
    }


def render_message(message: Message) -> list[Json]:
    """Adaptive Cards showing `message`: one card, or several when it exceeds the size budget.

    Every card has a `fallbackText`: the message's own plain text, or the text of its part.
    """
    blocks = message.blocks or (Paragraph(message.text),)
    parts: list[tuple[list[Json], list[int]]] = [([], [])]

    def fallback(indexes: list[int]) -> str:
        return "\n".join(t for t in (_block_text(blocks[i]) for i in indexes) if t)

    separator_pending = False
    for index, block in enumerate(blocks):
        if isinstance(block, Divider):
            separator_pending = True
            continue
        for element in _elements(block):
            if separator_pending:
                element["separator"] = True
                separator_pending = False
            body, indexes = parts[-1]
            grown = indexes if index in indexes else [*indexes, index]
            if body and card_size(_card([*body, element], fallback(grown))) > CARD_BUDGET_BYTES:
                parts.append(([], []))
                body, indexes = parts[-1]
            body.append(element)
            if index not in indexes:
                indexes.append(index)
    if len(parts) == 1:
        whole = _card(parts[0][0], message.text)
        if message.text.strip() and card_size(whole) <= CARD_BUDGET_BYTES:
            return [whole]
    return [_card(body, fallback(indexes) or message.text) for body, indexes in parts]


def summary_of(message: Message) -> str:
    """A one-line preview of `message` for notifications."""
    first = next((line for line in message.text.split("\n") if line.strip()), "")
    return clip(first.strip(), MAX_SUMMARY_CHARS)


def _input(field: FormInput, value: str | None, error: str | None) -> list[Json]:
    elements: list[Json] = []
    match field:
        case TextInput():
            element: Json = {
                "type": "Input.Text",
                "id": field.name,
                "label": field.label,
                "isMultiline": field.multiline,
                "isRequired": field.required,
                "maxLength": field.max_length,
            }
            if field.placeholder:
                element["placeholder"] = field.placeholder
            if value:
                element["value"] = clip(value, field.max_length)
        case ChoiceInput():
            element = {
                "type": "Input.ChoiceSet",
                "id": field.name,
                "label": field.label,
                "style": "compact",
                "isRequired": field.required,
                "choices": [{"title": c.label, "value": c.value} for c in field.choices],
            }
            initial = value if value is not None else field.initial
            if initial:
                element["value"] = initial
        case Checkbox():
            element = {
                "type": "Input.Toggle",
                "id": field.name,
                "title": field.label,
                "valueOn": TOGGLE_ON,
                "valueOff": TOGGLE_OFF,
                "value": TOGGLE_ON if value == TOGGLE_ON else TOGGLE_OFF,
                "wrap": True,
            }
    if error:
        element["errorMessage"] = error
    elements.append(element)
    if error:
        elements.extend(
            {**block, "color": "attention", "spacing": "none"} for block in _text_blocks(error)
        )
    return elements


def render_form(
    form: Form,
    *,
    origin: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Json:
    """An Adaptive Card with the form's inputs and its submit button.

    `origin` travels in the submit data (e.g. the button that opened the form), so the form can
    be shown again with the submitted `values` and the core's field `errors`.
    """
    names = [field.name for field in form.inputs]
    if ACTION_DATA_KEY in names or len(set(names)) != len(names):
        raise ValueError(f"form input names must be unique and not {ACTION_DATA_KEY!r}")
    values = values or {}
    errors = errors or {}
    toggles = [field.name for field in form.inputs if isinstance(field, Checkbox)]
    body: list[Json] = _text_blocks(form.title, size="large", weight="bolder", style="heading")
    if form.intro:
        body.extend(_text_blocks(form.intro, isSubtle=True))
    for field in form.inputs:
        body.extend(_input(field, values.get(field.name), errors.get(field.name)))
    if form.submit_action:  # a form without action only explains why it cannot be filled
        data = submit_data(
            form.submit_action, "", **dict(origin or {}), **{TOGGLES_KEY: ",".join(toggles)}
        )
        submit: Json = {
            "type": "Action.Submit",
            "title": clip(form.submit_label, 200),
            "style": "positive",
            "associatedInputs": "auto",
            "data": data,
        }
        body.append({"type": "ActionSet", "actions": [submit]})
    fallback = "\n".join([form.title, form.intro] if form.intro else [form.title])
    card = _card(body, fallback)
    if card_size(card) > CARD_BUDGET_BYTES:
        raise ValueError("form too large for one Teams card")
    return card
