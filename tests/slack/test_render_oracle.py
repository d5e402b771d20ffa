"""The dict-literal renderer emits byte for byte what the slack_sdk-model renderer it replaced did."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from adapters.slack import text as slack_text
from adapters.slack.render import render_home, render_message
from bot import actions
from bot import messages as neutral
from bot.messages import (
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
)

# --- the reference: the slack_sdk-model renderer as it was, frozen (limits written out) -------


def reference_message(message: Message) -> list[dict[str, Any]]:
    blocks = _ref_blocks(_ref_neutral(message))
    chunks = [blocks[start : start + 50] for start in range(0, len(blocks), 50)] or [[]]
    if len(chunks) == 1:
        return [{"text": _ref_fallback(message.text), "blocks": chunks[0]}]
    return [
        {"text": _ref_fallback(_ref_plain_text(chunk) or message.text), "blocks": chunk}
        for chunk in chunks
    ]


def reference_home(message: Message) -> dict[str, Any]:
    blocks = _ref_blocks(_ref_neutral(message))
    if len(blocks) > 100:
        blocks = [*blocks[:99], _ref_context(slack_text.ELLIPSIS).to_dict()]
    return {"type": "home", "blocks": blocks}


def _ref_plain_text(blocks: list[dict[str, Any]]) -> str:
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


def _ref_neutral(message: Message) -> tuple[neutral.Block, ...]:
    if message.blocks:
        return message.blocks
    return (Paragraph(message.text),) if message.text.strip() else ()


def _ref_fallback(text: str) -> str:
    fallback = slack_text.clip(slack_text.mrkdwn(text), 4000)
    return fallback if fallback.strip() else slack_text.ELLIPSIS  # Slack refuses blank text


def _ref_blocks(blocks: tuple[neutral.Block, ...]) -> list[dict[str, Any]]:
    seen: Counter[str] = Counter()
    rendered: list[Block] = []
    for block in blocks:
        rendered.extend(_ref_block(block, seen))
    return [block.to_dict() for block in rendered]


def _ref_block(block: neutral.Block, seen: Counter[str]) -> list[Block]:
    match block:
        case Heading(text=heading):
            if not heading.strip():
                return []
            if slack_text.slack_len(slack_text.plain(heading)) <= 150:
                text = PlainTextObject(text=slack_text.plain(heading), emoji=True)
                return [HeaderBlock(text=text)]
            return _ref_sections(slack_text.mrkdwn(heading), bold=True)
        case Paragraph(text=paragraph):
            return _ref_sections(slack_text.mrkdwn(paragraph))
        case Fields(fields=fields):
            return _ref_fields(fields)
        case Progress():
            label = slack_text.mrkdwn(block.label)
            rendered = _ref_sections(f"{_ref_bar(block.ratio)}  {label}")
            if block.caption.strip():
                pieces = slack_text.split(slack_text.mrkdwn(block.caption), 3000)
                rendered.extend(_ref_context(p) for p in pieces)
            return rendered
        case Buttons(buttons=buttons):
            return _ref_actions(buttons, seen)
        case Context(text=context):
            pieces = slack_text.split(slack_text.mrkdwn(context), 3000)
            return [_ref_context(piece) for piece in pieces]
        case Divider():
            return [DividerBlock()]
        case Image(url=url, alt_text=alt):
            if not url or slack_text.slack_len(url) > 3000:
                return _ref_sections(slack_text.mrkdwn(alt)) if alt.strip() else []
            alt_text = slack_text.clip(slack_text.plain(alt), 2000) or " "
            return [ImageBlock(image_url=url, alt_text=alt_text)]
    raise TypeError(f"unknown block {block!r}")


def _ref_sections(escaped: str, *, bold: bool = False) -> list[Block]:
    pieces = slack_text.split(escaped, 3000 - (2 if bold else 0))
    return [SectionBlock(text=_ref_markdown(f"*{p}*" if bold else p)) for p in pieces]


def _ref_fields(fields: tuple[Field, ...]) -> list[Block]:
    texts: list[str] = []
    for field in fields:
        label = slack_text.clip(slack_text.mrkdwn(field.label), 500)
        value = slack_text.mrkdwn(field.value) or "—"
        head = f"*{label}*\n"
        pieces = slack_text.split(value, 2000 - slack_text.slack_len(head)) or ["—"]
        texts.append(head + pieces[0])
        texts.extend(pieces[1:])
    return [
        SectionBlock(fields=[_ref_markdown(t) for t in texts[start : start + 10]])
        for start in range(0, len(texts), 10)
    ]


def _ref_bar(ratio: float) -> str:
    clipped = min(1.0, max(0.0, ratio)) if ratio == ratio else 0.0
    full = round(clipped * 10)
    return "▰" * full + "▱" * (10 - full)


def _ref_actions(buttons: tuple[Button, ...], seen: Counter[str]) -> list[Block]:
    elements: list[ButtonElement] = []
    for button in buttons:
        action = button.action[:255]
        count = seen[action]
        seen[action] += 1
        action_id = action if count == 0 else f"{action}:{count}"
        style = None if button.style is ButtonStyle.DEFAULT else button.style.value
        label = slack_text.clip(slack_text.plain(button.label), 75) or "…"
        elements.append(
            ButtonElement(
                text=PlainTextObject(text=label, emoji=True),
                action_id=action_id[:255],
                value=button.value[:2000] or None,
                style=style,
            )
        )
    return [
        ActionsBlock(elements=elements[start : start + 25]) for start in range(0, len(elements), 25)
    ]


def _ref_context(escaped: str) -> ContextBlock:
    return ContextBlock(elements=[_ref_markdown(escaped)])


def _ref_markdown(escaped: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=escaped, verbatim=True)


# --- the comparison ----------------------------------------------------------------------------


def assert_same_message(message: Message) -> None:
    new = json.dumps([part.as_kwargs() for part in render_message(message)], ensure_ascii=False)
    old = json.dumps(reference_message(message), ensure_ascii=False)
    assert new == old


def assert_same_home(message: Message) -> None:
    new = json.dumps(render_home(message), ensure_ascii=False)
    old = json.dumps(reference_home(message), ensure_ascii=False)
    assert new == old


TRICKY = "Équipe <b> & «café» @here 🧭 <!channel> &amp; <@U1> @everyone\n"
LONG_WORDS = " ".join(f"mot{i}&<>" for i in range(900))  # > 3000 once escaped
LONG_LINES = "\n".join(f"ligne {i} — 🧭 é" for i in range(400))
NO_SPACES = "x&" * 2000

CORPUS: dict[str, Message] = {
    "empty": Message(""),
    "blank": Message("   \n "),
    "only_text": Message("Bonjour <b> & @channel"),
    "only_long_text": Message(LONG_WORDS),
    "only_blank_blocks": Message("t", (Heading("  "), Context(""), Paragraph(" "))),
    "heading_short": Message("t", (Heading("🧭 Notre cap (v2) <é>"),)),
    "heading_limit": Message("t", (Heading("h" * 150),)),
    "heading_emoji_limit": Message("t", (Heading("🧭" * 75), Heading("🧭" * 76))),
    "heading_too_long": Message("t", (Heading("Titre & <x> " * 40),)),
    "heading_huge": Message("t", (Heading(LONG_WORDS),)),
    "paragraph_short": Message("t", (Paragraph(TRICKY),)),
    "paragraph_limit": Message("t", (Paragraph("p" * 3000), Paragraph("p" * 3001))),
    "paragraph_long_words": Message("t", (Paragraph(LONG_WORDS),)),
    "paragraph_long_lines": Message("t", (Paragraph(LONG_LINES),)),
    "paragraph_no_spaces": Message("t", (Paragraph(NO_SPACES),)),
    "paragraph_emoji": Message("t", (Paragraph("🧭" * 2000),)),
    "paragraph_over_9000": Message("t", (Paragraph("abc déf " * 1300),)),
    "fields_two": Message("t", (Fields((Field("Base", "52 jours"), Field("Cible", ""))),)),
    "fields_empty": Message("t", (Fields(()),)),
    "fields_twelve_long": Message(
        "t", (Fields(tuple(Field(f"f{i} <&>", "v & " * 700) for i in range(12))),)
    ),
    "fields_long_label": Message("t", (Fields((Field("L&" * 600, "v"), Field("", " "))),)),
    "fields_twenty_one": Message("t", (Fields(tuple(Field(str(i), TRICKY) for i in range(21))),)),
    "progress": Message(
        "t",
        (
            Progress("60 % du chemin", 0.6, "QW-1 <x>"),
            Progress("", -3),
            Progress("nan", float("nan"), "   "),
            Progress("inf", float("inf"), LONG_WORDS),
            Progress(LONG_WORDS, 0.05),
        ),
    ),
    "buttons_styles": Message(
        "t",
        (
            Buttons(
                (
                    Button("Lu ✅", actions.ACK_CAP, "12", ButtonStyle.PRIMARY),
                    Button("Non <x>", "x", "", ButtonStyle.DANGER),
                    Button("", "y", "v" * 2500),
                    Button("b" * 100, "a" * 300, "1"),
                    Button("🧭" * 40, "", ""),
                    Button("@here", "", "2", ButtonStyle.DEFAULT),
                )
            ),
        ),
    ),
    "buttons_duplicates": Message(
        "t",
        (
            Buttons(tuple(Button(f"b{i}", actions.LOG_RESULT, str(i)) for i in range(3))),
            Paragraph("entre"),
            Buttons(tuple(Button(f"c{i}", actions.LOG_RESULT, str(i)) for i in range(3))),
            Buttons((Button("z", "a" * 260, "1"), Button("z", "a" * 255, "2"))),
        ),
    ),
    "buttons_thirty": Message(
        "t", (Buttons(tuple(Button("b" * 100, actions.ACK_CAP, str(i)) for i in range(30))),)
    ),
    "buttons_empty": Message("t", (Buttons(()),)),
    "context_short": Message("t", (Context("Posé par Claire <@U1>"),)),
    "context_long": Message("t", (Context(LONG_WORDS), Context(NO_SPACES))),
    "divider": Message("t", (Divider(), Divider())),
    "image_valid": Message("t", (Image("https://example.com/chart.png?a=1&b=2", "Courbe <x>"),)),
    "image_no_alt": Message("t", (Image("https://example.com/a.png", ""),)),
    "image_long_alt": Message("t", (Image("https://example.com/a.png", "alt " * 600),)),
    "image_empty_url": Message("t", (Image("", "Courbe & co"), Image("", "  "))),
    "image_url_limit": Message("t", (Image("https://e.x/" + "a" * 2989, "pile"),)),
    "image_url_too_long": Message("t", (Image("https://e.x/" + "a" * 2990, "trop"),)),
    "image_url_too_long_no_alt": Message("t", (Image("https://e.x/" + "🧭" * 1500, ""),)),
    "every_kind": Message(
        "Cap v2 <&>",
        (
            Heading("🧭 Notre cap (v2)"),
            Paragraph("Devenir la PME de référence"),
            Fields((Field("Base", "52 jours"), Field("Cible", "38 jours"))),
            Progress("60 % du chemin", 0.6, "QW-1"),
            Buttons((Button("Lu ✅", actions.ACK_CAP, "12", ButtonStyle.PRIMARY),)),
            Context("Posé par Claire"),
            Divider(),
            Image("https://example.com/chart.png", "Courbe"),
        ),
    ),
    "fifty": Message("t", tuple(Paragraph(f"ligne {i}") for i in range(50))),
    "fifty_one": Message("t", tuple(Paragraph(f"ligne {i}") for i in range(51))),
    "split_103": Message("long", tuple(Paragraph(f"ligne {i} <&>") for i in range(103))),
    "split_with_empty_chunk_text": Message(
        "fallback", (*(Divider() for _ in range(50)), Paragraph("x"))
    ),
    "long_fallback": Message(LONG_WORDS, (Paragraph("x"),)),
    "split_long_fallbacks": Message(
        "f", tuple(Paragraph(LONG_WORDS[:2900] + str(i)) for i in range(60))
    ),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_message_matches_the_slack_sdk_renderer(name: str) -> None:
    assert_same_message(CORPUS[name])


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_home_matches_the_slack_sdk_renderer(name: str) -> None:
    assert_same_home(CORPUS[name])


def big_home(count: int) -> Message:
    blocks: list[neutral.Block] = [Heading("Accueil")]
    for i in range(count):
        blocks.append(Fields((Field(f"QW-{i}", "en cours"), Field("Cible", f"{i} jours"))))
        blocks.append(Progress(f"{i} %", i / max(count, 1), f"légende {i}"))
        blocks.append(Buttons((Button("Saisir", actions.LOG_RESULT, str(i)),)))
    return Message("home", tuple(blocks))


@pytest.mark.parametrize("count", [0, 20, 24, 25, 33, 34, 40])
def test_home_around_the_view_limit_matches(count: int) -> None:
    assert_same_home(big_home(count))
    assert_same_message(big_home(count))


def test_home_exactly_at_and_over_the_limit_matches() -> None:
    for total in (99, 100, 101, 150):
        message = Message("home", tuple(Paragraph(f"qw {i}") for i in range(total)))
        assert_same_home(message)


# --- random neutral messages -------------------------------------------------------------------

literal = (
    st.text(
        alphabet=st.characters(exclude_categories=["Cs"]) | st.sampled_from(list("<>&@!|^ \n;*")),
        max_size=300,
    )
    | st.sampled_from([TRICKY, "@here", "@channel", "&amp;", "🧭", "", " ", "\n"])
    | st.builds(
        lambda word, times: word * times,
        st.sampled_from(["ab ", "é&", "🧭", "\n"]),
        st.integers(700, 1600),
    )
)
action = st.sampled_from([actions.ACK_CAP, actions.LOG_RESULT, "", "x:1", "a" * 300]) | st.text(
    max_size=20
)
url = st.sampled_from(
    ["", "https://example.com/a.png", "https://e.x/" + "a" * 2989, "https://e.x/" + "a" * 2990]
) | st.text(max_size=40)
button = st.builds(Button, literal, action, literal, st.sampled_from(list(ButtonStyle)))
block = st.one_of(
    st.builds(Heading, literal),
    st.builds(Paragraph, literal),
    st.builds(Context, literal),
    st.builds(Divider),
    st.builds(Progress, literal, st.floats(allow_nan=True), literal),
    st.builds(Fields, st.lists(st.builds(Field, literal, literal), max_size=14).map(tuple)),
    st.builds(Buttons, st.lists(button, max_size=30).map(tuple)),
    st.builds(Image, url, literal),
)


@settings(max_examples=200, deadline=None)
@given(text=literal, content=st.lists(block, max_size=120))
def test_any_message_matches_the_slack_sdk_renderer(
    text: str, content: list[neutral.Block]
) -> None:
    message = Message(text, tuple(content))

    assert_same_message(message)
    assert_same_home(message)
