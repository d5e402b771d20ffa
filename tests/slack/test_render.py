"""The pure Block Kit renderer: Slack's documented limits as named constants, long content split
(never rejected), a plain-text fallback always, and user text that can ping or link nobody."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack import render
from adapters.slack.render import (
    MAX_ACTIONS_ELEMENTS,
    MAX_BLOCKS_PER_MESSAGE,
    MAX_BLOCKS_PER_VIEW,
    MAX_BUTTON_TEXT,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_FIELDS_PER_SECTION,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    base_action,
    plain_text,
    progress_bar,
    render_home,
    render_message,
    unescape,
)
from adapters.slack.text import (
    ZERO_WIDTH_SPACE,
    clip,
    mrkdwn,
    neutralise,
    plain,
    slack_len,
    split,
)
from bot import actions
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
)


def test_limits_are_slacks_documented_ones() -> None:
    assert (MAX_BLOCKS_PER_MESSAGE, MAX_BLOCKS_PER_VIEW) == (50, 100)
    assert (MAX_SECTION_TEXT, MAX_HEADER_TEXT) == (3000, 150)
    assert (MAX_FIELDS_PER_SECTION, MAX_FIELD_TEXT) == (10, 2000)
    assert (MAX_ACTIONS_ELEMENTS, MAX_BUTTON_TEXT) == (25, 75)


def all_texts(payload: Any) -> list[tuple[str, str]]:
    """Every (kind, text) of a rendered payload: text objects, and fallbacks (as mrkdwn)."""
    found: list[tuple[str, str]] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "text" and isinstance(value, str):
                found.append((payload.get("type", "mrkdwn"), value))
            else:
                found.extend(all_texts(value))
    elif isinstance(payload, list | tuple):
        for item in payload:
            found.extend(all_texts(item))
    return found


def assert_within_limits(parts: list[render.SlackMessage]) -> None:
    assert parts, "a message always renders to at least one Slack message"
    for part in parts:
        assert part.text.strip(), "a plain-text fallback, always"
        assert slack_len(part.text) <= MAX_FALLBACK_TEXT
        assert len(part.blocks) <= MAX_BLOCKS_PER_MESSAGE
        for block in part.blocks:
            kind = block["type"]
            if kind == "header":
                assert slack_len(block["text"]["text"]) <= MAX_HEADER_TEXT
            if kind == "section":
                if "text" in block:
                    assert slack_len(block["text"]["text"]) <= MAX_SECTION_TEXT
                fields = block.get("fields", [])
                assert len(fields) <= MAX_FIELDS_PER_SECTION
                assert all(slack_len(f["text"]) <= MAX_FIELD_TEXT for f in fields)
            if kind == "actions":
                assert 1 <= len(block["elements"]) <= MAX_ACTIONS_ELEMENTS
                assert all(
                    slack_len(e["text"]["text"]) <= MAX_BUTTON_TEXT for e in block["elements"]
                )
            if kind == "context":
                assert 1 <= len(block["elements"]) <= 10


def assert_harmless(parts: list[render.SlackMessage]) -> None:
    """No mention, broadcast, subteam or link syntax can come out of literal text."""
    for kind, text in all_texts([p.as_kwargs() for p in parts]):
        assert "<" not in text and ">" not in text
        broadcast = r"(?<![\w.])@(channel|here|everyone)\b"
        assert re.search(broadcast, text, re.IGNORECASE) is None
        if kind != "plain_text":
            assert re.search(r"&(?!amp;|lt;|gt;)", text) is None


ATTACKS = [
    "<!channel> réunion",
    "@here tout le monde",
    "@everyone",
    "<@U024BE7LH> est nul",
    "<!subteam^SAZ94GDB8|@direction>",
    "<https://evil.example|Cliquez ici>",
    "a & b < c > d",
    "&lt;!here&gt;",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_user_text_cannot_ping_mention_or_link(attack: str) -> None:
    message = Message(
        attack,
        (
            Heading(attack),
            Paragraph(attack),
            Fields((Field(attack, attack),)),
            Progress(attack, 0.5, attack),
            Buttons((Button(attack, actions.ACK_CAP, "1"),)),
            Context(attack),
        ),
    )

    parts = render_message(message)

    assert_harmless(parts)
    section = next(b for b in parts[0].blocks if b["type"] == "section")
    assert unescape(section["text"]["text"]) == attack.replace(ZERO_WIDTH_SPACE, "")
    assert section["text"]["verbatim"] is True


def test_escaping_is_exactly_slacks_three_entities() -> None:
    assert mrkdwn("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert mrkdwn("@channel") == "@" + ZERO_WIDTH_SPACE + "channel"
    assert mrkdwn("mail@here.fr") == "mail@here.fr"  # not a broadcast: left alone


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("&<>;amp lt gt@é🧭\n")) | st.characters()))
def test_escaping_maps_each_character_once(text: str) -> None:
    """Each &, < and > is replaced by its own entity (or look-alike), nothing else changes:
    an entity produced is never escaped again."""
    escapes = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
    look_alikes = str.maketrans({"<": "‹", ">": "›"})
    assert mrkdwn(text) == neutralise(text.translate(escapes))
    assert plain(text) == neutralise(text.translate(look_alikes))


def test_every_block_kind_renders() -> None:
    message = Message(
        "Cap v2",
        (
            Heading("🧭 Notre cap (v2)"),
            Paragraph("Devenir la PME de référence"),
            Fields((Field("Base", "52 jours"), Field("Cible", "38 jours"))),
            Progress("60 % du chemin", 0.6, "QW-1"),
            Buttons(
                (
                    Button("Lu ✅", actions.ACK_CAP, "12", ButtonStyle.PRIMARY),
                    Button("Non", "x", "", ButtonStyle.DANGER),
                )
            ),
            Context("Posé par Claire"),
            Divider(),
            Image("https://example.com/chart.png", "Courbe"),
        ),
    )

    [part] = render_message(message)

    assert [b["type"] for b in part.blocks] == [
        "header",
        "section",
        "section",
        "section",
        "context",
        "actions",
        "context",
        "divider",
        "image",
    ]
    assert part.text == "Cap v2"
    buttons = part.blocks[5]["elements"]
    assert [(b["action_id"], b.get("value"), b.get("style")) for b in buttons] == [
        ("cap.ack", "12", "primary"),
        ("x", None, "danger"),
    ]
    assert part.blocks[3]["text"]["text"].startswith("▰▰▰▰▰▰▱▱▱▱")
    assert part.blocks[2]["fields"][0]["text"] == "*Base*\n52 jours"


def test_a_message_with_only_text_still_has_blocks_and_fallback() -> None:
    [part] = render_message(Message("Bonjour <b>"))

    assert part.text == "Bonjour &lt;b&gt;"
    assert [b["type"] for b in part.blocks] == ["section"]


def test_more_than_fifty_blocks_are_split_across_messages() -> None:
    blocks = tuple(Paragraph(f"ligne {i}") for i in range(MAX_BLOCKS_PER_MESSAGE * 2 + 3))

    parts = render_message(Message("long", blocks))

    assert [len(p.blocks) for p in parts] == [50, 50, 3]
    assert_within_limits(parts)
    rendered = [b["text"]["text"] for p in parts for b in p.blocks]
    assert rendered == [f"ligne {i}" for i in range(103)]


def test_a_long_paragraph_is_split_into_sections_without_losing_a_word() -> None:
    words = [f"mot{i}&" for i in range(2000)]
    text = " ".join(words)

    parts = render_message(Message(text, (Paragraph(text),)))

    assert_within_limits(parts)
    sections = [b["text"]["text"] for p in parts for b in p.blocks]
    assert len(sections) > 1
    assert unescape(" ".join(s.strip() for s in sections)).split() == words


def test_a_long_heading_becomes_bold_sections() -> None:
    heading = "Titre " * 100

    [part] = render_message(Message("t", (Heading(heading),)))

    assert part.blocks[0]["type"] == "section"
    assert part.blocks[0]["text"]["text"].startswith("*Titre")
    assert_within_limits([part])


def test_many_fields_and_buttons_are_spread_over_blocks() -> None:
    fields = Fields(tuple(Field(f"f{i}", "v" * 2500) for i in range(12)))
    buttons = Buttons(tuple(Button("b" * 100, actions.LOG_RESULT, str(i)) for i in range(30)))

    [part] = render_message(Message("t", (fields, buttons)))

    assert_within_limits([part])
    kinds = [b["type"] for b in part.blocks]
    assert kinds.count("actions") == 2
    action_ids = [
        e["action_id"] for b in part.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert len(set(action_ids)) == 30  # unique within the message
    assert {base_action(a) for a in action_ids} == {actions.LOG_RESULT}


def test_the_home_view_is_cut_at_one_hundred_blocks() -> None:
    blocks = tuple(Paragraph(f"qw {i}") for i in range(150))

    view = render_home(Message("home", blocks))

    assert view["type"] == "home"
    assert len(view["blocks"]) == MAX_BLOCKS_PER_VIEW
    assert view["blocks"][-1]["type"] == "context"


@pytest.mark.parametrize(
    ("ratio", "bar"),
    [
        (-1, "▱" * 10),
        (0.04, "▱" * 10),
        (0.5, "▰" * 5 + "▱" * 5),
        (7, "▰" * 10),
        (float("nan"), "▱" * 10),
    ],
)
def test_progress_ratio_is_clipped(ratio: float, bar: str) -> None:
    assert progress_bar(ratio) == bar


def test_split_and_clip_never_cut_an_entity_or_exceed_the_limit() -> None:
    escaped = mrkdwn("&" * 50)
    pieces = split(escaped, 7)
    assert all(slack_len(p) <= 7 for p in pieces)
    assert all(re.fullmatch(r"(&amp;)+", p) for p in pieces)
    assert clip(escaped, 12) == "&amp;&amp;…"


def test_emoji_count_as_slack_counts_them() -> None:
    text = "🧭" * 2000  # 4000 UTF-16 units

    parts = render_message(Message(text, (Paragraph(text),)))

    assert_within_limits(parts)
    assert "".join(b["text"]["text"] for p in parts for b in p.blocks) == text


literal = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]) | st.sampled_from(list("<>&@!|^ \n")),
    max_size=400,
) | st.sampled_from(ATTACKS)
blocks = st.lists(
    st.one_of(
        st.builds(Heading, literal),
        st.builds(Paragraph, literal),
        st.builds(Context, literal),
        st.builds(Divider),
        st.builds(Progress, literal, st.floats(allow_nan=True), literal),
        st.builds(Fields, st.lists(st.builds(Field, literal, literal), max_size=12).map(tuple)),
        st.builds(
            Buttons,
            st.lists(
                st.builds(
                    Button, literal, st.sampled_from([actions.ACK_CAP, actions.LOG_RESULT]), literal
                ),
                min_size=1,
                max_size=30,
            ).map(tuple),
        ),
    ),
    max_size=70,
)


@pytest.mark.parametrize("blank", ["", " ", "\r", "\n\t "])
def test_a_blank_message_still_has_a_fallback_text(blank: str) -> None:
    (part,) = render_message(Message(blank, ()))
    assert part.text == "…"


@settings(max_examples=150, deadline=None)
@given(text=literal, content=blocks)
def test_any_message_renders_within_limits_and_harmless(text: str, content: list[Block]) -> None:
    parts = render_message(Message(text, tuple(content)))

    assert_within_limits(parts)
    assert_harmless(parts)
    json.dumps([p.as_kwargs() for p in parts])  # serialisable as Slack expects


@settings(max_examples=150, deadline=None)
@given(text=literal.filter(lambda t: t.strip()), limit=st.integers(min_value=8, max_value=300))
def test_split_keeps_every_visible_character(text: str, limit: int) -> None:
    escaped = mrkdwn(text)

    pieces = split(escaped, limit)

    assert all(slack_len(p) <= limit for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == escaped.replace("\n", "").replace(
        " ", ""
    )


def test_plain_text_reads_rendered_blocks() -> None:
    [part] = render_message(Message("x", (Heading("Titre"), Paragraph("Corps"))))

    assert plain_text(list(part.blocks)) == "Titre\nCorps"
