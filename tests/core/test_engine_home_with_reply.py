"""A request that asks `with_home` gets the actor's refreshed home view with its reply."""

from __future__ import annotations

from datetime import timedelta

from bot.requests import Actor, Command, Reply
from tests.core.test_engine_quickwins import add_line
from tests.support.chat import Chat, is_error
from tests.support.clock import FakeClock


async def say_with_home(chat: Chat, who: str, text: str, key: str) -> Reply:
    return await chat.engine.handle(
        Command(
            tenant=chat.tenant,
            actor=Actor(who, who.title()),
            text=text,
            received_at=chat.engine.clock.now(),
            request_key=key,
            with_home=True,
        )
    )


async def test_a_change_carries_the_home_the_next_read_would_show(
    chat: Chat, clock: FakeClock
) -> None:
    await chat.say("claire", add_line(clock))
    clock.advance(timedelta(days=7))

    logged = await say_with_home(chat, "marie", "qw saisir 1 45", "home-1")

    assert not is_error(logged) and logged.changed
    assert logged.home is not None
    assert "45 jours" in logged.home.text
    fresh = await chat.engine.home(chat.tenant, Actor("marie", "Marie"))
    assert logged.home == fresh


async def test_no_home_without_a_change_a_request_or_on_refusal(
    chat: Chat, clock: FakeClock
) -> None:
    await chat.say("claire", add_line(clock))

    personal = await say_with_home(chat, "marie", "qw liste", "home-2")
    refused = await say_with_home(chat, "marie", "qw saisir 1 pas-un-nombre", "home-3")
    not_asked = await chat.say("marie", "qw saisir 1 45")

    assert not personal.changed and personal.home is None
    assert is_error(refused) and refused.home is None
    assert not_asked.changed and not_asked.home is None
    duplicate = await say_with_home(chat, "marie", "qw saisir 1 44", "home-2")
    assert duplicate.duplicate and duplicate.home is None


async def test_a_new_cap_shows_on_the_directors_home_at_once(chat: Chat) -> None:
    before = await chat.engine.home(chat.tenant, Actor("claire", "Claire"))

    written = await say_with_home(
        chat, "claire", "cap définir Zéro ressaisie des commandes d'ici juin", "home-4"
    )

    assert written.changed and written.home is not None
    assert "Zéro ressaisie des commandes" in written.home.text
    assert "Zéro ressaisie" not in before.text
    assert written.home == await chat.engine.home(chat.tenant, Actor("claire", "Claire"))
