"""Text helpers for Teams: literal display of user text in Adaptive Card markdown, and splitting."""

from __future__ import annotations

import re

_ALWAYS_ESCAPED = frozenset("\\*_`~[]<&{}")
_LINE_START = re.compile(r"^(\s*)([#>+=|-]|\d+[.)])")


def escape_markdown(text: str) -> str:
    """Make `text` display literally in a TextBlock or FactSet (Adaptive Card markdown subset).

    Emphasis, code, links, autolinks, HTML-like tags such as <at>…</at>, entities and
    {{DATE()}} functions are neutralised with CommonMark backslash escapes; list, heading and
    quote markers are escaped at the start of a line.
    """
    lines = []
    for line in text.split("\n"):
        escaped = "".join("\\" + char if char in _ALWAYS_ESCAPED else char for char in line)
        match = _LINE_START.match(escaped)
        if match:
            marker = match.group(2)
            escaped = match.group(1) + (marker[:-1] + "\\" + marker[-1]) + escaped[match.end() :]
        lines.append(escaped)
    return "\n".join(lines)


def split_text(text: str, max_chars: int) -> list[str]:
    """Cut `text` into pieces of at most `max_chars`, preferring line then word boundaries."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    pieces: list[str] = []
    rest = text
    while len(rest) > max_chars:
        cut = rest.rfind("\n", 0, max_chars + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, max_chars + 1)
        if cut <= 0:
            cut = max_chars
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip(" \n")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def clip(text: str, max_chars: int) -> str:
    """`text` shortened to `max_chars` characters, with an ellipsis when cut."""
    if len(text) <= max_chars:
        return text
    return text[: max(0, max_chars - 1)].rstrip() + "…"
