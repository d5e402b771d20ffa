"""Form -> modal view within Slack's modal limits, and submitted view state -> form values."""

from __future__ import annotations

import json

import pytest

from adapters.slack.modals import (
    MAX_MODAL_BUTTON,
    MAX_MODAL_TITLE,
    MAX_OPTION_TEXT,
    MAX_OPTION_VALUE,
    MAX_PRIVATE_METADATA,
    MAX_SELECT_OPTIONS,
    MAX_TEXT_INPUT_LENGTH,
    decode_metadata,
    encode_metadata,
    errors_response,
    form_values,
    form_view,
    is_openable,
)
from adapters.slack.render import MAX_BLOCKS_PER_VIEW
from bot import actions
from bot.forms import Checkbox, Choice, ChoiceInput, Form, TextInput
from tests.slack.harness import checkbox_value, select_value, text_value


def test_modal_limits_are_slacks() -> None:
    assert (MAX_MODAL_TITLE, MAX_MODAL_BUTTON, MAX_PRIVATE_METADATA) == (24, 24, 3000)
    assert (MAX_SELECT_OPTIONS, MAX_OPTION_TEXT, MAX_OPTION_VALUE) == (100, 75, 150)
    assert MAX_TEXT_INPUT_LENGTH == 3000


def test_a_form_becomes_a_modal_within_limits() -> None:
    form = Form(
        title="Saisir un résultat pour un quick win",
        submit_label="Enregistrer le résultat maintenant",
        submit_action=actions.SUBMIT_RESULT,
        inputs=(
            ChoiceInput(
                "quickwin",
                "Quick win",
                tuple(Choice(str(i), f"QW-{i} · " + "t" * 100) for i in range(1, 130)),
                initial="3",
            ),
            TextInput("value", "Valeur", placeholder="38,5" * 100, max_length=9000),
            TextInput("note", "Note", multiline=True, required=False),
            Checkbox("anonymous", "Anonyme"),
        ),
        intro="Où en est-on ? <!here>",
    )

    view = form_view(form, metadata={"channel": "C1"})

    assert view["type"] == "modal"
    assert view["callback_id"] == actions.SUBMIT_RESULT
    assert len(view["title"]["text"]) <= MAX_MODAL_TITLE
    assert len(view["submit"]["text"]) <= MAX_MODAL_BUTTON
    assert json.loads(view["private_metadata"]) == {"channel": "C1"}
    assert view["blocks"][0]["text"]["text"] == "Où en est-on ? &lt;!here&gt;"
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    select = inputs["quickwin"]["element"]
    assert len(select["options"]) == MAX_SELECT_OPTIONS
    assert all(len(o["text"]["text"]) <= MAX_OPTION_TEXT for o in select["options"])
    assert select["initial_option"]["value"] == "3"
    assert inputs["value"]["element"]["max_length"] == MAX_TEXT_INPUT_LENGTH
    assert len(inputs["value"]["element"]["placeholder"]["text"]) <= 150
    assert inputs["note"]["optional"] is True and inputs["note"]["element"]["multiline"] is True
    assert inputs["anonymous"]["element"]["type"] == "checkboxes"
    assert len(view["blocks"]) <= MAX_BLOCKS_PER_VIEW


def test_an_optional_choice_with_nothing_to_choose_is_left_out() -> None:
    form = Form(
        "Retex",
        "Partager",
        actions.SUBMIT_RETEX,
        (TextInput("text", "Texte"), ChoiceInput("quickwin", "QW", (Choice("", "Aucun"),), False)),
    )

    view = form_view(form, metadata={})

    assert [b["block_id"] for b in view["blocks"]] == ["text"]


def test_the_cores_nothing_to_fill_answer_is_not_a_modal() -> None:
    assert not is_openable(Form("Boussole", "OK", "", (), intro="Aucun quick win actif."))


def test_submitted_state_becomes_form_values() -> None:
    state = {
        "values": {
            "quickwin": {"value": select_value("2")},
            "value": {"value": text_value("38,5")},
            "note": {"value": text_value(None)},
            "anonymous": {"value": checkbox_value(True)},
            "other": {"value": select_value(None)},
            "ignored": {"another_action": text_value("x")},
        }
    }

    assert form_values(state) == {
        "quickwin": "2",
        "value": "38,5",
        "note": "",
        "anonymous": "true",
        "other": "",
    }
    assert form_values("garbage") == {}
    assert form_values({"values": []}) == {}


@pytest.mark.parametrize("metadata", ["", "not json", "[1]", '{"channel": 5}'])
def test_unexpected_private_metadata_is_ignored(metadata: str) -> None:
    assert decode_metadata(metadata) == {}


def test_metadata_round_trips_and_refuses_oversize() -> None:
    assert decode_metadata(encode_metadata({"channel": "C1", "response_url": "u"})) == {
        "channel": "C1",
        "response_url": "u",
    }
    with pytest.raises(ValueError):
        encode_metadata({"x": "y" * 4000})


def test_field_errors_target_the_inputs_of_the_modal() -> None:
    answer = errors_response({"value": "Pas un nombre", "elsewhere": "Autre"}, {"value", "note"})

    assert answer == {
        "response_action": "errors",
        "errors": {"value": "Pas un nombre", "note": "Autre"},
    }
