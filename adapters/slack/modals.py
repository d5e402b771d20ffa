"""Pure modal rendering: neutral `Form` -> Slack modal view, and submitted state -> form values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from adapters.slack import text as slack_text
from adapters.slack.render import MAX_BLOCKS_PER_VIEW, render_message
from bot import forms
from bot.messages import Message, Paragraph

# Slack's documented modal limits (https://docs.slack.dev/reference/views/modal-views).
MAX_MODAL_TITLE: Final = 24
MAX_MODAL_BUTTON: Final = 24
MAX_CALLBACK_ID: Final = 255
MAX_PRIVATE_METADATA: Final = 3000
MAX_INPUT_LABEL: Final = 2000
MAX_PLACEHOLDER: Final = 150
MAX_TEXT_INPUT_LENGTH: Final = 3000
MAX_SELECT_OPTIONS: Final = 100
MAX_OPTION_TEXT: Final = 75
MAX_OPTION_VALUE: Final = 150
MAX_ERROR_TEXT: Final = 2000

#: Every input's element carries this action id; its block id is the input's name.
INPUT_ACTION_ID: Final = "value"
CHECKED: Final = "true"


def form_view(form: forms.Form, *, metadata: Mapping[str, str]) -> dict[str, Any]:
    """A modal whose submission (callback id = `form.submit_action`) is read by `form_values`.
    `metadata` travels in `private_metadata` (e.g. the channel the form was opened from)."""
    blocks: list[dict[str, Any]] = []
    if form.intro.strip():
        for message in render_message(Message(form.intro, (Paragraph(form.intro),))):
            blocks.extend(message.blocks)
    inputs = [block.to_dict() for item in form.inputs if (block := _input(item)) is not None]
    blocks = [*blocks[: MAX_BLOCKS_PER_VIEW - len(inputs)], *inputs][:MAX_BLOCKS_PER_VIEW]
    view = View(
        type="modal",
        callback_id=form.submit_action[:MAX_CALLBACK_ID],
        title=_plain(form.title, MAX_MODAL_TITLE),
        submit=_plain(form.submit_label, MAX_MODAL_BUTTON),
        blocks=blocks,
        private_metadata=encode_metadata(metadata),
    )
    return view.to_dict()


def encode_metadata(metadata: Mapping[str, str]) -> str:
    encoded = json.dumps(dict(metadata), separators=(",", ":"), ensure_ascii=False)
    if slack_text.slack_len(encoded) > MAX_PRIVATE_METADATA:
        raise ValueError("private_metadata exceeds Slack's limit")
    return encoded


def decode_metadata(private_metadata: object) -> dict[str, str]:
    """What `form_view` stored; {} for anything else (a modal is never trusted blindly)."""
    if not isinstance(private_metadata, str) or not private_metadata:
        return {}
    try:
        decoded = json.loads(private_metadata)
    except ValueError:
        return {}
    if not isinstance(decoded, dict):
        return {}
    return {str(k): v for k, v in decoded.items() if isinstance(v, str)}


def form_values(state: object) -> dict[str, str]:
    """`view.state.values` -> {input name: value}; "true"/"" for checkboxes, "" when empty."""
    values: dict[str, str] = {}
    if not isinstance(state, dict):
        return values
    blocks = state.get("values")
    if not isinstance(blocks, dict):
        return values
    for block_id, actions in blocks.items():
        if not isinstance(actions, dict):
            continue
        element = actions.get(INPUT_ACTION_ID)
        if isinstance(element, dict):
            values[str(block_id)] = _element_value(element)
    return values


def errors_response(field_errors: Mapping[str, str], input_names: set[str]) -> dict[str, Any]:
    """`response_action: errors` for the inputs at fault; errors naming no input of the modal
    are attached to its first input so the person sees them."""
    errors: dict[str, str] = {}
    first = min(input_names) if input_names else ""
    for name, message in field_errors.items():
        target = name if name in input_names else first
        if not target:
            continue
        clipped = slack_text.clip(slack_text.plain(message), MAX_ERROR_TEXT)
        errors[target] = f"{errors[target]}\n{clipped}" if target in errors else clipped
    return {"response_action": "errors", "errors": errors}


def _element_value(element: Mapping[str, Any]) -> str:
    kind = element.get("type")
    if kind == "checkboxes":
        return CHECKED if element.get("selected_options") else ""
    if kind in ("static_select", "external_select"):
        option = element.get("selected_option")
        value = option.get("value") if isinstance(option, dict) else None
        return value if isinstance(value, str) else ""
    value = element.get("value")
    return value if isinstance(value, str) else ""


def is_openable(form: forms.Form) -> bool:
    """False for the core's "nothing to fill" answer (no submit action or no input)."""
    return bool(form.submit_action) and bool(form.inputs)


def _input(item: forms.FormInput) -> Block | None:
    match item:
        case forms.TextInput():
            return InputBlock(
                block_id=item.name,
                label=_plain(item.label, MAX_INPUT_LABEL),
                optional=not item.required,
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION_ID,
                    multiline=item.multiline,
                    max_length=max(1, min(item.max_length, MAX_TEXT_INPUT_LENGTH)),
                    placeholder=_plain(item.placeholder, MAX_PLACEHOLDER)
                    if item.placeholder
                    else None,
                ),
            )
        case forms.ChoiceInput():
            return _choice(item)
        case forms.Checkbox():
            return InputBlock(
                block_id=item.name,
                label=_plain(item.label, MAX_INPUT_LABEL),
                optional=True,
                element=CheckboxesElement(
                    action_id=INPUT_ACTION_ID,
                    options=[Option(value=CHECKED, text=_plain(item.label, MAX_OPTION_TEXT))],
                ),
            )
    raise TypeError(f"unknown form input {item!r}")  # pragma: no cover - the union is closed


def _choice(item: forms.ChoiceInput) -> Block | None:
    options = [
        Option(value=choice.value[:MAX_OPTION_VALUE], text=_plain(choice.label, MAX_OPTION_TEXT))
        for choice in item.choices[:MAX_SELECT_OPTIONS]
        if choice.value
    ]
    if not options and not item.required:  # nothing to pick: "no choice" is the only answer
        return None
    if not options:  # Slack refuses an empty select: let the person type instead
        return InputBlock(
            block_id=item.name,
            label=_plain(item.label, MAX_INPUT_LABEL),
            optional=not item.required,
            element=PlainTextInputElement(action_id=INPUT_ACTION_ID, max_length=MAX_OPTION_VALUE),
        )
    initial = next((o for o in options if o.value == item.initial), None)
    return InputBlock(
        block_id=item.name,
        label=_plain(item.label, MAX_INPUT_LABEL),
        optional=not item.required,
        element=StaticSelectElement(
            action_id=INPUT_ACTION_ID, options=options, initial_option=initial
        ),
    )


def _plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=slack_text.clip(slack_text.plain(text), limit) or "…", emoji=True)
