"""The cap command on the real engine and database: roles, 100 words, history, acknowledgements."""

from __future__ import annotations

from bot import actions
from bot.engine import Engine
from bot.ports import Store
from bot.requests import TenantRef
from tests.support.chat import Chat, buttons_of, is_error
from tests.support.clock import FakeClock


async def test_first_person_is_director_and_is_welcomed(store: Store, clock: FakeClock) -> None:
    chat = Chat(Engine(store, clock))
    reply = await chat.say("zoe", "cap")
    assert reply.messages[0].kind == "welcome"
    roles = await chat.text("zoe", "boussole roles")
    assert "Zoe · directeur·rice" in roles
    second = await chat.say("yann", "cap")
    assert all(m.kind != "welcome" for m in second.messages)
    assert "Yann · membre" in await chat.text("zoe", "boussole roles")


async def test_cap_set_show_and_word_limit(chat: Chat) -> None:
    reply = await chat.say("claire", "cap définir Devenir la référence de l'export en 2028.")
    assert not is_error(reply)
    assert reply.public and "Nouveau cap (v1)" in reply.public[0].text
    assert reply.changed

    too_long = " ".join(["mot"] * 101)
    refused = await chat.say("claire", f"cap définir {too_long}")
    assert is_error(refused)
    assert "101 mots" in refused.messages[0].text
    assert "Raccourcissez-le de 1 mot" in refused.messages[0].text

    exactly = " ".join(["mot"] * 100) + " — !"
    assert not is_error(await chat.say("claire", f"cap set {exactly}"))
    shown = await chat.text("marie", "cap")
    assert "Notre cap (v2)" in shown
    history = await chat.text("claire", "cap historique")
    assert "v2" in history and "v1" in history and "Devenir la référence" in history


async def test_only_director_sets_cap_and_nothing_changes(chat: Chat) -> None:
    refused = await chat.say("marie", "cap définir Un cap de manager")
    assert is_error(refused)
    assert "directeur" in refused.messages[0].text
    assert "Aucun cap" in await chat.text("marie", "cap")


async def test_ack_by_command_and_button_records_who_read(chat: Chat) -> None:
    await chat.say("claire", "cap définir Cap clair et partagé.")
    assert "Merci Marie" in await chat.text("marie", "cap lu")
    assert "déjà confirmé" in await chat.text("marie", "cap ack")
    shown = await chat.text("claire", "cap")
    assert "Lu par 1/2 managers" in shown
    assert "✅ Lu : Marie (02/03/2026)" in shown and "Pas encore lu : Karim" in shown

    cap_message = (await chat.say("karim", "cap")).messages[-1]
    button = buttons_of(cap_message)[0]
    assert button.action == actions.ACK_CAP
    clicked = await chat.click("karim", button.action, button.value)
    assert "Merci Karim" in clicked.messages[0].text
    assert clicked.replacement is not None and "Lu par 2/2 managers" in clicked.replacement.text


async def test_ack_of_an_old_version_or_foreign_id_is_refused(
    chat: Chat, store: Store, clock: FakeClock
) -> None:
    first = await chat.say("claire", "cap définir Version un.")
    first_id = buttons_of(first.public[0])[0].value
    await chat.say("claire", "cap définir Version deux.")
    stale = await chat.click("marie", actions.ACK_CAP, first_id)
    assert is_error(stale) and "remplacé par la v2" in stale.messages[0].text

    other = Chat(Engine(store, clock), tenant=TenantRef("console", "other", "Other"))
    await other.say("olga", "cap définir Cap de l'autre espace.")
    foreign = await chat.click("marie", actions.ACK_CAP, "999999")
    assert is_error(foreign)
    assert "Lu par 0/2" in await chat.text("claire", "cap")


async def test_duplicate_delivery_is_applied_once(chat: Chat) -> None:
    first = await chat.say("claire", "cap définir Une seule fois.", key="same-delivery")
    again = await chat.say("claire", "cap définir Une seule fois.", key="same-delivery")
    assert not first.duplicate and again.duplicate and again.messages == ()
    history = await chat.text("claire", "cap historique")
    assert history.count("Une seule fois") == 1
