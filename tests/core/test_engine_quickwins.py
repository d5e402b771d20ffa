"""Quick wins on the real engine and database: add, log, list, show, close, celebrate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import actions
from bot.commands import quickwin
from bot.requests import Actor
from tests.support.chat import Chat, buttons_of, is_error
from tests.support.clock import FakeClock

ADD = (
    'qw ajouter "Relance factures automatisée" kpi="Délai de paiement" unité=jours '
    "base=52 cible=38 échéance={due} resp=@marie"
)


def add_line(clock: FakeClock, days: int = 70) -> str:
    return ADD.format(due=(clock.now() + timedelta(days=days)).date().isoformat())


async def test_add_log_show_and_celebrate_lower_is_better(chat: Chat, clock: FakeClock) -> None:
    added = await chat.say("claire", add_line(clock))
    assert not is_error(added), added.messages[0].text
    assert "QW-1" in added.public[0].text and "52 jours à 38 jours" in added.public[0].text

    clock.advance(timedelta(days=7))
    logged = await chat.say("marie", "qw saisir QW-1 45 jours relances envoyées")
    assert "45 jours" in logged.public[0].text and "50 %" in logged.public[0].text
    assert len(logged.public) == 1

    clock.advance(timedelta(days=7))
    english_point = await chat.say("marie", "qw log 1 41.5")
    assert "41,5 jours" in english_point.public[0].text

    clock.advance(timedelta(days=7))
    reached = await chat.say("marie", "qw log #1 37,5")
    kinds = [m.kind for m in reached.public]
    assert kinds == ["quickwin.logged", "celebration"]
    assert "Objectif atteint" in reached.public[1].text and "Bravo Marie" in reached.public[1].text

    again = await chat.say("marie", "qw log 1 36")
    assert [m.kind for m in again.public] == ["quickwin.logged"]  # celebrated once only

    shown = await chat.text("claire", "qw voir 1")
    assert "relances envoyées" in shown
    assert "Référence : 52 jours" in shown and "Cible : 38 jours" in shown
    assert shown.index("36 jours") < shown.index("45 jours")  # newest first


async def test_add_validations_change_nothing(chat: Chat, clock: FakeClock) -> None:
    cases = {
        'qw ajouter "T" kpi=K base=52 cible=38': "Il manque : échéance",
        'qw ajouter "T" kpi=K base=x cible=38 échéance=2030-01-01': "n'est pas un nombre",
        'qw ajouter "T" kpi=K base=5 cible=5 échéance=2030-01-01': "rien à améliorer",
        'qw ajouter "T" kpi=K base=5 cible=6 échéance=2020-01-01': "déjà passée",
        'qw ajouter "T" kpi=K base=5 cible=6 échéance=31/02/2030': "n'est pas une date",
        'qw ajouter "T" kpi=K base=5 cible=6 échéance=2030-01-01 couleur=bleu': "Champ inconnu",
        f'qw ajouter "{"T" * 151}" kpi=K base=5 cible=6 échéance=2030-01-01': "Champ « titre » trop long : 151",
        'qw ajouter "T" base=5 cible=6': "Il manque : kpi, échéance",
    }
    for line, expected in cases.items():
        reply = await chat.say("claire", line)
        assert is_error(reply), line
        assert expected in reply.messages[0].text, (line, reply.messages[0].text)
        assert "Exemple" in reply.messages[0].text or expected == "rien à améliorer"
    refused = await chat.say("marie", add_line(clock).replace("claire", "marie"))
    assert not is_error(refused)  # managers may add quick wins
    member = await chat.say("paul", add_line(clock))
    assert is_error(member) and "manager" in member.messages[0].text
    listing = await chat.text("claire", "qw liste")
    assert listing.count("QW-") == 1


async def test_log_errors(chat: Chat, clock: FakeClock) -> None:
    await chat.say("claire", add_line(clock))
    for line, expected in {
        "qw saisir": "Indiquez le quick win",
        "qw saisir 1": "Indiquez le quick win",
        "qw saisir 9 40": "Aucun quick win QW-9",
        "qw saisir abc 40": "n'est pas une référence",
        "qw saisir 1 beaucoup": "n'est pas un nombre",
        "qw saisir 1 40€": "ne correspond pas",
    }.items():
        reply = await chat.say("marie", line)
        assert is_error(reply) and expected in reply.messages[0].text, (line, reply.messages)
    assert "Aucun résultat saisi" in await chat.text("claire", "qw voir 1")


async def test_close_and_list_all(chat: Chat, clock: FakeClock) -> None:
    await chat.say("claire", add_line(clock))
    assert is_error(await chat.say("claire", "qw clore 1 peut-être"))
    assert is_error(await chat.say("paul", "qw clore 1 fait"))
    closed = await chat.say("marie", "qw clore 1 abandonné")  # the owner may close
    assert "abandonné" in closed.public[0].text
    assert "Aucun quick win actif" in await chat.text("claire", "qw liste")
    assert "QW-1" in await chat.text("claire", "qw liste tous")
    assert "clos" in (await chat.say("marie", "qw saisir 1 40")).messages[0].text


async def test_log_result_form_and_field_errors(chat: Chat, clock: FakeClock) -> None:
    await chat.say("claire", add_line(clock))
    listing = (await chat.say("marie", "qw liste")).messages[-1]
    assert buttons_of(listing)[0].action == actions.LOG_RESULT
    form = await chat.engine.open_form(
        chat.tenant, Actor("marie", "Marie"), actions.LOG_RESULT, "1"
    )
    assert [i.name for i in form.inputs] == ["quickwin", "value", "note"]
    bad = await chat.click("marie", actions.SUBMIT_RESULT, form={"quickwin": "1", "value": "x"})
    assert set(bad.field_errors) == {"value"}
    missing = await chat.click("marie", actions.SUBMIT_RESULT, form={"quickwin": "7", "value": "4"})
    assert set(missing.field_errors) == {"quickwin"}
    ok = await chat.click(
        "marie",
        actions.SUBMIT_RESULT,
        form={"quickwin": "1", "value": "47,5", "note": "mi-parcours"},
    )
    assert not ok.field_errors and "47,5 jours" in ok.public[0].text
    assert "mi-parcours" in await chat.text("claire", "qw voir 1")


@pytest.mark.parametrize(
    ("args", "number"),
    [
        ("saisir 3 45", 3),
        ("log QW-12 38,5 jours", 12),
        ("SAISIR #2 40", 2),
        ("saisir 7", 7),  # the command then says the value is missing
        ("saisir", None),
        ("saisir abc 4", None),
        ("liste", None),
        ("voir 3", None),
        ("", None),
    ],
)
def test_the_quick_win_a_result_is_logged_for_is_read_from_the_text(
    args: str, number: int | None
) -> None:
    """What the engine reads with a command's first statements; a wrong guess only costs the
    usual read (the command parses its text itself)."""
    assert quickwin.logged_quick_win(args) == number
