"""Draws docs/what-it-posts.svg from the real demo: what Boussole posts, as the console shows it."""

from __future__ import annotations

import asyncio
import io
import textwrap
from pathlib import Path
from xml.sax.saxutils import escape

from main.demo import run_demo

OUT = Path(__file__).resolve().parent.parent / "docs" / "what-it-posts.svg"
WIDTH_CHARS = 112
LINE_HEIGHT = 19
CHAR_WIDTH = 8.05
PADDING = 18


def posts(output: str) -> list[str]:
    """The celebration and the director's KPI summary, the last two posts of the demo."""
    blocks = output.split("┌─ Boussole")
    wanted = [*[b for b in blocks if "Objectif atteint !" in b][-1:], blocks[-1]]
    lines: list[str] = []
    for block in wanted:
        body = ("┌─ Boussole" + block).split("└─")[0] + "└─"
        for line in body.splitlines():
            lines.extend(textwrap.wrap(line, WIDTH_CHARS, subsequent_indent="│   ") or [""])
        lines.append("")
    return lines


def svg(lines: list[str]) -> str:
    width = int(WIDTH_CHARS * CHAR_WIDTH + 2 * PADDING)
    height = len(lines) * LINE_HEIGHT + 2 * PADDING + 28
    rows = [
        f'<text x="{PADDING}" y="{PADDING + 40 + i * LINE_HEIGHT}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    ]
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">',
            f'<rect width="{width}" height="{height}" rx="10" fill="#1d1f21"/>',
            '<circle cx="20" cy="18" r="6" fill="#ff5f56"/><circle cx="40" cy="18" r="6" '
            'fill="#ffbd2e"/><circle cx="60" cy="18" r="6" fill="#27c93f"/>',
            '<text x="80" y="23" fill="#9da5b4" font-family="DejaVu Sans, sans-serif" '
            'font-size="13">boussole demo — #général</text>',
            '<g fill="#e6e6e6" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
            'font-size="13" xml:space="preserve">',
            *rows,
            "</g>",
            "</svg>",
        ]
    )


def main() -> None:
    buffer = io.StringIO()
    asyncio.run(run_demo(weeks=6, out=buffer))
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(svg(posts(buffer.getvalue())) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
