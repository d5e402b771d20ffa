"""Pure rendering of neutral messages and forms as plain terminal text."""

from __future__ import annotations

from bot.forms import Checkbox, ChoiceInput, Form
from bot.messages import (
    Block,
    Button,
    Buttons,
    Context,
    Divider,
    Fields,
    Heading,
    Image,
    Message,
    Paragraph,
    Progress,
)

BAR_WIDTH = 20
RULE = "─" * 40


def progress_bar(ratio: float, width: int = BAR_WIDTH) -> str:
    filled = round(max(0.0, min(1.0, ratio)) * width)
    return "█" * filled + "░" * (width - filled)


def render_block(block: Block, buttons: list[Button]) -> list[str]:
    """Lines for one block; buttons are numbered across the message for `/click N`."""
    match block:
        case Heading(text=text):
            return [f"▌ {text}"]
        case Paragraph(text=text):
            return text.splitlines() or [""]
        case Fields(fields=fields):
            return [f"  {f.label} : {f.value}" for f in fields]
        case Progress(label=label, ratio=ratio, caption=caption):
            return [f"  {label}", f"  [{progress_bar(ratio)}] {caption}".rstrip()]
        case Buttons(buttons=row):
            labels = []
            for button in row:
                buttons.append(button)
                labels.append(f"[{len(buttons)}] {button.label}")
            return ["  " + "   ".join(labels)]
        case Context(text=text):
            return [f"  {text}"]
        case Divider():
            return [RULE]
        case Image(alt_text=alt):
            return [f"  🖼 {alt}"]
    return []  # pragma: no cover - the union is closed


def render(message: Message) -> tuple[str, list[Button]]:
    """The message as terminal lines, and its buttons in the order they are numbered."""
    if not message.blocks:
        return message.text, []
    buttons: list[Button] = []
    lines: list[str] = []
    for block in message.blocks:
        lines.extend(render_block(block, buttons))
    return "\n".join(lines), buttons


def describe_form(form: Form) -> str:
    lines = [f"▌ {form.title}"]
    if form.intro:
        lines.append(form.intro)
    for item in form.inputs:
        if isinstance(item, ChoiceInput):
            options = ", ".join(f"{c.value or '-'} = {c.label}" for c in item.choices)
            lines.append(f"  {item.label} ({options})")
        elif isinstance(item, Checkbox):
            lines.append(f"  {item.label} (o/n)")
    return "\n".join(lines)
