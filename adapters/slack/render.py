"""Pure renderer: neutral `Message` -> Block Kit payloads within Slack's documented limits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from adapters.slack import text as slack_text
from bot import messages as neutral

# Slack's documented limits (https://docs.slack.dev/reference/block-kit/blocks).
MAX_BLOCKS_PER_MESSAGE: Final = 50
MAX_BLOCKS_PER_VIEW: Final = 100  # home tabs and modals
MAX_SECTION_TEXT: Final = 3000
MAX_HEADER_TEXT: Final = 150
MAX_FIELDS_PER_SECTION: Final = 10
MAX_FIELD_TEXT: Final = 2000
MAX_ACTIONS_ELEMENTS: Final = 25
MAX_BUTTON_TEXT: Final = 75
MAX_BUTTON_VALUE: Final = 2000
MAX_ACTION_ID: Final = 255
MAX_CONTEXT_ELEMENTS: Final = 10
MAX_CONTEXT_TEXT: Final = 3000
MAX_IMAGE_URL: Final = 3000
MAX_ALT_TEXT: Final = 2000
#: `text` is truncated by Slack past 40,000 characters; Slack advises at most 4,000.
MAX_FALLBACK_TEXT: Final = 4000

PROGRESS_SEGMENTS: Final = 10
ACTION_ID_SEPARATOR: Final = ":"

#: A Block Kit object, built as a plain dict (no slack_sdk model on this hot path): keys in
#: alphabetical order and empty ones left out, exactly as slack_sdk's `to_dict` emits them
#: (tests/slack/test_render_oracle.py compares against a slack_sdk-model renderer).
type Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One postable Slack message: a plain-text `text` fallback and its blocks."""

    text: str
    blocks: tuple[dict[str, Any], ...]

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": list(self.blocks)}


def render_message(message: neutral.Message) -> list[SlackMessage]:
    """Block Kit for a message, split into as many Slack messages as its length needs."""
    blocks = _render_blocks(_neutral_blocks(message))
    chunks = [
        blocks[start : start + MAX_BLOCKS_PER_MESSAGE]
        for start in range(0, len(blocks), MAX_BLOCKS_PER_MESSAGE)
    ] or [[]]
    if len(chunks) == 1:
        return [SlackMessage(_fallback(message.text), tuple(chunks[0]))]
    return [
        SlackMessage(_fallback(plain_text(chunk) or message.text), tuple(chunk)) for chunk in chunks
    ]


def render_home(message: neutral.Message) -> dict[str, Any]:
    """An App Home view: the message's blocks, cut (never rejected) at the view limit."""
    return {"type": "home", "blocks": fit_view(_render_blocks(_neutral_blocks(message)))}


def fit_view(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most MAX_BLOCKS_PER_VIEW blocks; when cut, the last one says so."""
    if len(blocks) <= MAX_BLOCKS_PER_VIEW:
        return blocks
    return [*blocks[: MAX_BLOCKS_PER_VIEW - 1], _context(slack_text.ELLIPSIS)]


def plain_text(blocks: list[dict[str, Any]]) -> str:
    """A readable plain rendering of rendered blocks (for fallbacks and tests)."""
    lines: list[str] = []
    for block in blocks:
        if "text" in block and isinstance(block["text"], dict):
            lines.append(block["text"]["text"])
        lines.extend(field["text"] for field in block.get("fields", ()))
        for element in block.get("elements", ()):
            if element.get("type") in ("mrkdwn", "plain_text"):
                lines.append(element["text"])
            elif element.get("type") == "button":
                lines.append(element["text"]["text"])
    return "\n".join(lines)


def unescape(text: str) -> str:
    """Reverse of the mrkdwn escaping (for tests and plain rendering)."""
    return (
        text.replace(slack_text.ZERO_WIDTH_SPACE, "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def base_action(action_id: str) -> str:
    """The core action id behind a rendered action id ("cap.ack:2" -> "cap.ack")."""
    head, separator, tail = action_id.rpartition(ACTION_ID_SEPARATOR)
    return head if separator and tail.isdigit() else action_id


# --- internals -----------------------------------------------------------------------------


def _neutral_blocks(message: neutral.Message) -> tuple[neutral.Block, ...]:
    if message.blocks:
        return message.blocks
    return (neutral.Paragraph(message.text),) if message.text.strip() else ()


def _fallback(text: str) -> str:
    """The notification text: Slack refuses a blank one, so blank text becomes an ellipsis."""
    fallback = slack_text.clip(slack_text.mrkdwn(text), MAX_FALLBACK_TEXT)
    return fallback if fallback.strip() else slack_text.ELLIPSIS


def _render_blocks(blocks: tuple[neutral.Block, ...]) -> list[Json]:
    seen: Counter[str] = Counter()
    rendered: list[Json] = []
    for block in blocks:
        rendered.extend(_render_block(block, seen))
    return rendered


def _render_block(block: neutral.Block, seen: Counter[str]) -> list[Json]:
    match block:
        case neutral.Paragraph(text=paragraph):
            return _sections(slack_text.mrkdwn(paragraph))
        case neutral.Heading(text=heading):
            return _heading(heading)
        case neutral.Fields(fields=fields):
            return _fields(fields)
        case neutral.Progress():
            return _progress(block)
        case neutral.Buttons(buttons=buttons):
            return _actions(buttons, seen)
        case neutral.Context(text=context):
            return [_context(piece) for piece in _mrkdwn_pieces(context, MAX_CONTEXT_TEXT)]
        case neutral.Divider():
            return [{"type": "divider"}]
        case neutral.Image(url=url, alt_text=alt):
            if not url or slack_text.slack_len(url) > MAX_IMAGE_URL:
                return _sections(slack_text.mrkdwn(alt)) if alt.strip() else []
            return [{"alt_text": _alt(alt), "image_url": url, "type": "image"}]
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover - the union is closed


def _heading(heading: str) -> list[Json]:
    if not heading.strip():
        return []
    plain = slack_text.plain(heading)
    if slack_text.slack_len(plain) <= MAX_HEADER_TEXT:
        return [{"text": _plain(plain), "type": "header"}]
    # Too long for a header: keep every word, in bold sections.
    return _sections(slack_text.mrkdwn(heading), bold=True)


def _sections(escaped: str, *, bold: bool = False) -> list[Json]:
    if bold:
        pieces = slack_text.split(escaped, MAX_SECTION_TEXT - 2)
        return [{"text": _mrkdwn(f"*{piece}*"), "type": "section"} for piece in pieces]
    pieces = slack_text.split(escaped, MAX_SECTION_TEXT)
    return [{"text": _mrkdwn(piece), "type": "section"} for piece in pieces]


def _mrkdwn_pieces(literal: str, limit: int) -> list[str]:
    return slack_text.split(slack_text.mrkdwn(literal), limit)


def _fields(fields: tuple[neutral.Field, ...]) -> list[Json]:
    texts: list[str] = []
    for field in fields:
        label = slack_text.clip(slack_text.mrkdwn(field.label), MAX_FIELD_TEXT // 4)
        value = slack_text.mrkdwn(field.value) or "—"
        head = f"*{label}*\n"
        pieces = slack_text.split(value, MAX_FIELD_TEXT - slack_text.slack_len(head)) or ["—"]
        texts.append(head + pieces[0])
        texts.extend(pieces[1:])
    return [
        {
            "fields": [_mrkdwn(t) for t in texts[start : start + MAX_FIELDS_PER_SECTION]],
            "type": "section",
        }
        for start in range(0, len(texts), MAX_FIELDS_PER_SECTION)
    ]


def progress_bar(ratio: float) -> str:
    """A text progress bar, e.g. "▰▰▰▰▱▱▱▱▱▱" for 0.4 (ratio clipped to 0..1)."""
    clipped = min(1.0, max(0.0, ratio)) if ratio == ratio else 0.0  # NaN -> 0
    full = round(clipped * PROGRESS_SEGMENTS)
    return "▰" * full + "▱" * (PROGRESS_SEGMENTS - full)


def _progress(block: neutral.Progress) -> list[Json]:
    label = slack_text.mrkdwn(block.label)
    rendered = _sections(f"{progress_bar(block.ratio)}  {label}")
    if block.caption.strip():
        rendered.extend(_context(p) for p in _mrkdwn_pieces(block.caption, MAX_CONTEXT_TEXT))
    return rendered


def _actions(buttons: tuple[neutral.Button, ...], seen: Counter[str]) -> list[Json]:
    elements: list[Json] = []
    for button in buttons:
        action = button.action[:MAX_ACTION_ID]
        count = seen[action]
        seen[action] += 1
        action_id = action if count == 0 else f"{action}{ACTION_ID_SEPARATOR}{count}"
        # Keys in Block Kit's (alphabetical) order; empty or default ones are left out.
        element: Json = {}
        if action_id:
            element["action_id"] = action_id[:MAX_ACTION_ID]
        if button.style is not neutral.ButtonStyle.DEFAULT:
            element["style"] = button.style.value
        label = slack_text.clip(slack_text.plain(button.label), MAX_BUTTON_TEXT) or "…"
        element["text"] = _plain(label)
        element["type"] = "button"
        if button.value:
            element["value"] = button.value[:MAX_BUTTON_VALUE]
        elements.append(element)
    return [
        {"elements": elements[start : start + MAX_ACTIONS_ELEMENTS], "type": "actions"}
        for start in range(0, len(elements), MAX_ACTIONS_ELEMENTS)
    ]


def _context(escaped: str) -> Json:
    return {"elements": [_mrkdwn(escaped)], "type": "context"}


def _mrkdwn(escaped: str) -> Json:
    # verbatim: Slack must not auto-link names, channels or broadcast words in our text.
    return {"text": escaped, "type": "mrkdwn", "verbatim": True}


def _plain(text: str) -> Json:
    return {"emoji": True, "text": text, "type": "plain_text"}


def _alt(alt: str) -> str:
    return slack_text.clip(slack_text.plain(alt), MAX_ALT_TEXT) or " "
