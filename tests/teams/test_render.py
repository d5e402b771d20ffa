"""The pure Adaptive Card renderer: every card valid against the 1.5 schema, literal, small."""

from __future__ import annotations

import json
import string

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.teams.render import (
    CARD_BUDGET_BYTES,
    MAX_MESSAGE_BYTES,
    card_size,
    render_form,
    render_message,
    summary_of,
)
from adapters.teams.text import escape_markdown, split_text
from bot import actions
from bot.forms import Checkbox, Choice, ChoiceInput, Form, TextInput
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
from tests.teams.card_schema import validate_card

EVERY_BLOCK = Message(
    "Cap v2\nDevenir la référence",
    (
        Heading("🧭 Notre cap (v2)"),
        Paragraph("Devenir la *référence* de l'export\n- d'ici 2028"),
        Fields((Field("Base", "52 jours"), Field("Cible", "38 jours"))),
        Progress("QW-1 Relances", 0.5, "50 % du chemin"),
        Progress("Vide", 0.0),
        Progress("Plein", 1.7),
        Divider(),
        Context("Posé par Claire"),
        Buttons(
            (
                Button("Lu ✅", actions.ACK_CAP, "12", ButtonStyle.PRIMARY),
                Button("Abandonner", "quickwin.close", "1", ButtonStyle.DANGER),
                Button("Voir", "quickwin.show", "1"),
            )
        ),
        Image("https://example.com/chart.png", "Courbe"),
        Image("http://insecure.example.com/x.png", "Texte à la place"),
    ),
)

RESULT_FORM = Form(
    title="Saisir un résultat",
    submit_label="Enregistrer",
    submit_action=actions.SUBMIT_RESULT,
    inputs=(
        ChoiceInput("quickwin", "Quick win", (Choice("1", "QW-1 · Relances"),), initial="1"),
        TextInput("value", "Valeur", placeholder="38,5", max_length=40),
        TextInput("note", "Note", required=False, max_length=500),
    ),
)
RETEX_FORM = Form(
    title="Retour d'expérience",
    submit_label="Partager",
    submit_action=actions.SUBMIT_RETEX,
    inputs=(
        TextInput("text", "Qu'avez-vous appris ?", multiline=True, max_length=2000),
        ChoiceInput("quickwin", "Quick win lié", (Choice("", "Aucun"),), required=False),
        Checkbox("anonymous", "Partager anonymement"),
    ),
    intro="Votre retex aide toute l'équipe.",
)


def test_every_block_renders_to_a_valid_card() -> None:
    [card] = render_message(EVERY_BLOCK)
    validate_card(card)
    assert card["version"] == "1.5"
    assert card["fallbackText"] == EVERY_BLOCK.text
    types = [element["type"] for element in card["body"]]
    assert types.count("ColumnSet") == 3 and "FactSet" in types and "ActionSet" in types
    actions_ = next(e for e in card["body"] if e["type"] == "ActionSet")["actions"]
    assert [a["style"] for a in actions_] == ["positive", "destructive", "default"]
    assert actions_[0]["data"] == {"boussole": {"action": "cap.ack", "value": "12"}}
    images = [e for e in card["body"] if e["type"] == "Image"]
    assert [i["url"] for i in images] == ["https://example.com/chart.png"]  # no http images
    context = next(e for e in card["body"] if e.get("text") == "Posé par Claire")
    assert context["separator"] is True  # the Divider marks the next element


def test_a_text_only_message_becomes_a_card_with_its_fallback() -> None:
    [card] = render_message(Message("Bonjour\nÀ lundi"))
    validate_card(card)
    assert [e["text"] for e in card["body"]] == ["Bonjour", "À lundi"]
    assert card["fallbackText"] == "Bonjour\nÀ lundi"
    assert summary_of(Message("\n  Première ligne  \nSuite")) == "Première ligne"


@pytest.mark.parametrize("form", [RESULT_FORM, RETEX_FORM], ids=["result", "retex"])
def test_forms_render_to_valid_cards(form: Form) -> None:
    card = render_form(form, origin={"origin_action": "x.open", "origin_value": "1"})
    validate_card(card)
    submit = card["body"][-1]["actions"][0]
    assert submit["data"]["boussole"]["action"] == form.submit_action
    assert submit["data"]["boussole"]["origin_action"] == "x.open"


def test_a_form_shows_submitted_values_and_errors_beside_inputs() -> None:
    card = render_form(
        RETEX_FORM,
        values={"text": "Mon retex", "anonymous": "true"},
        errors={"text": "Trop court"},
    )
    validate_card(card)
    text_input = next(e for e in card["body"] if e.get("id") == "text")
    assert text_input["value"] == "Mon retex" and text_input["errorMessage"] == "Trop court"
    toggle = next(e for e in card["body"] if e.get("id") == "anonymous")
    assert toggle["value"] == "true"
    assert any(e.get("color") == "attention" for e in card["body"])


def test_a_form_without_action_only_explains() -> None:
    card = render_form(Form("Boussole", "OK", "", (), intro="Aucun quick win actif."))
    validate_card(card)
    assert all(e["type"] != "ActionSet" for e in card["body"])


def test_form_input_names_cannot_clash_with_our_envelope() -> None:
    with pytest.raises(ValueError):
        render_form(Form("t", "ok", "a", (TextInput("boussole", "x"),)))


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("*gras* _it_ `code` ~~barré~~", "\\*gras\\* \\_it\\_ \\`code\\` \\~\\~barré\\~\\~"),
        ("[clic](https://evil.example)", "\\[clic\\](https://evil.example)"),
        ("<at>Marie</at> & co", "\\<at>Marie\\</at> \\& co"),
        ("{{DATE(2026-03-02T08:00:00Z, SHORT)}}", "\\{\\{DATE(2026-03-02T08:00:00Z, SHORT)\\}\\}"),
        ("# titre", "\\# titre"),
        ("- puce", "\\- puce"),
        ("12. liste", "12\\. liste"),
        ("> citation", "\\> citation"),
        ("a\\b", "a\\\\b"),
        ("38,5 jours - 2 %", "38,5 jours - 2 %"),
    ],
)
def test_user_text_is_escaped_to_display_literally(typed: str, shown: str) -> None:
    assert escape_markdown(typed) == shown
    [card] = render_message(Message(typed, (Paragraph(typed),)))
    assert card["body"][0]["text"] == shown


def test_split_text_prefers_line_then_word_boundaries() -> None:
    assert split_text("aaa bbb\nccc", 8) == ["aaa bbb", "ccc"]
    assert split_text("aaaa bbbb", 6) == ["aaaa", "bbbb"]
    assert split_text("abcdefgh", 3) == ["abc", "def", "gh"]
    assert split_text("", 5) == [""]


def test_long_content_is_split_under_the_size_limit_and_keeps_buttons_last() -> None:
    paragraphs = tuple(Paragraph(f"Ligne {i} " + "😀é" * 900) for i in range(40))
    message = Message(
        "Long", (Heading("Long"), *paragraphs, Buttons((Button("Lu", actions.ACK_CAP, "1"),)))
    )
    cards = render_message(message)
    assert len(cards) > 2
    for card in cards:
        validate_card(card)
        assert card_size(card) <= CARD_BUDGET_BYTES < MAX_MESSAGE_BYTES
        assert card["fallbackText"]
    assert cards[-1]["body"][-1]["type"] == "ActionSet"
    assert all(e["type"] != "ActionSet" for card in cards[:-1] for e in card["body"])
    shown = "".join(e.get("text", "") for card in cards for e in card["body"])
    assert all(f"Ligne {i} " in shown for i in range(40))


def test_many_fields_become_several_factsets() -> None:
    fields = tuple(Field(f"Champ {i}", "x" * 400) for i in range(12))
    [card] = render_message(Message("Champs", (Fields(fields),)))
    validate_card(card)
    factsets = [e for e in card["body"] if e["type"] == "FactSet"]
    assert [len(f["facts"]) for f in factsets] == [5, 5, 2]


def test_the_schema_check_rejects_what_the_published_file_lets_through() -> None:
    """The corrected schema catches the case-insensitive-enum defect (SOURCES.md, defect 1)."""
    for bad in ({"size": "notsmall"}, {"size": 5}, {"weight": "heavy"}):
        card = {
            "type": "AdaptiveCard",
            "version": "1.5",
            "body": [{"type": "TextBlock", "text": "x", **bad}],
        }
        with pytest.raises(jsonschema.ValidationError):
            validate_card(card)
    ok = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "x", "size": "LARGE"}],
    }
    validate_card(ok)


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3000)
_blocks = st.one_of(
    st.builds(Heading, _text),
    st.builds(Paragraph, _text),
    st.builds(Context, _text),
    st.builds(Fields, st.lists(st.builds(Field, _text, _text), min_size=1, max_size=12).map(tuple)),
    st.builds(Progress, _text, st.floats(allow_nan=False, allow_infinity=False), _text),
    st.builds(
        Buttons,
        st.lists(
            st.builds(Button, _text, st.text(string.ascii_lowercase + ".", min_size=1), _text),
            min_size=1,
            max_size=5,
        ).map(tuple),
    ),
    st.just(Divider()),
)


@settings(max_examples=60, deadline=None)
@given(st.builds(Message, _text, st.lists(_blocks, max_size=25).map(tuple)))
def test_any_message_renders_to_valid_cards_within_the_limit(message: Message) -> None:
    cards = render_message(message)
    assert cards
    for card in cards:
        validate_card(card)
        assert card_size(card) <= CARD_BUDGET_BYTES
        json.dumps(card)
