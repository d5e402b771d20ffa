"""Neutral messages to and from JSON, so an outbox row carries exactly what will be posted."""

from __future__ import annotations

import json
from typing import Any

from bot.messages import (
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Context,
    Divider,
    Field,
    Fields,
    Heading,
    Image,
    Message,
    Paragraph,
    Progress,
    Visibility,
)


def dumps(message: Message) -> str:
    return json.dumps(
        {
            "text": message.text,
            "blocks": [_block(block) for block in message.blocks],
            "visibility": message.visibility.value,
            "kind": message.kind,
            "metadata": dict(message.metadata),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def loads(payload: str) -> Message:
    data = json.loads(payload)
    return Message(
        text=str(data["text"]),
        blocks=tuple(_read_block(item) for item in data["blocks"]),
        visibility=Visibility(data["visibility"]),
        kind=str(data["kind"]),
        metadata={str(k): str(v) for k, v in data["metadata"].items()},
    )


def _block(block: Block) -> dict[str, Any]:
    match block:
        case Heading(text) | Paragraph(text) | Context(text):
            return {"type": type(block).__name__.lower(), "text": text}
        case Fields(fields):
            return {"type": "fields", "fields": [[f.label, f.value] for f in fields]}
        case Progress(label, ratio, caption):
            return {"type": "progress", "label": label, "ratio": ratio, "caption": caption}
        case Buttons(buttons):
            return {
                "type": "buttons",
                "buttons": [[b.label, b.action, b.value, b.style.value] for b in buttons],
            }
        case Divider():
            return {"type": "divider"}
        case Image(url, alt_text):
            return {"type": "image", "url": url, "alt_text": alt_text}
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover - Block is a closed union


def _read_block(item: dict[str, Any]) -> Block:
    kind = item["type"]
    if kind == "heading":
        return Heading(item["text"])
    if kind == "paragraph":
        return Paragraph(item["text"])
    if kind == "context":
        return Context(item["text"])
    if kind == "fields":
        return Fields(tuple(Field(label, value) for label, value in item["fields"]))
    if kind == "progress":
        return Progress(item["label"], float(item["ratio"]), item["caption"])
    if kind == "buttons":
        return Buttons(
            tuple(
                Button(label, action, value, ButtonStyle(style))
                for label, action, value, style in item["buttons"]
            )
        )
    if kind == "divider":
        return Divider()
    if kind == "image":
        return Image(item["url"], item["alt_text"])
    raise ValueError(f"unknown block type {kind!r}")
