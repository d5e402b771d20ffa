"""Control characters (a NUL byte, escapes) are stripped before parsing and storing: PostgreSQL
refuses a NUL in text, and a command must never fail with an internal error because of one."""

from __future__ import annotations

from bot import actions
from bot.clean_input import without_controls
from bot.requests import Actor, Command
from tests.core.test_engine_quickwins import add_line
from tests.support.chat import Chat, is_error
from tests.support.clock import FakeClock


def test_only_control_characters_go_tabs_and_line_breaks_stay() -> None:
    assert without_controls("a\x00b\x1b[31mc\x7f\x85d") == "ab[31mcd"
    assert without_controls("ligne 1\nligne 2\tcolonne\r\n") == "ligne 1\nligne 2\tcolonne\r\n"
    assert without_controls("Zéro ressaisie — 😀") == "Zéro ressaisie — 😀"


async def test_a_nul_byte_anywhere_is_stripped_and_stored_without_it(
    chat: Chat, clock: FakeClock
) -> None:
    cap = await chat.say("claire", "cap définir Zéro\x00 ressaisie\x00")
    retex = await chat.say("marie", "retex Les relances\x00 automatiques marchent")
    added = await chat.say("claire", add_line(clock).replace("Relance", "Rel\x00ance"))

    for reply in (cap, retex, added):
        assert not is_error(reply), reply.messages[0].text
    assert "Zéro ressaisie" in await chat.text("marie", "cap")
    assert "Les relances automatiques marchent" in await chat.text("claire", "retex liste")
    assert "Relance factures automatisée" in await chat.text("claire", "qw voir 1")


async def test_a_name_or_form_with_a_nul_byte_is_stored_without_it(
    chat: Chat, clock: FakeClock
) -> None:
    await chat.say("claire", add_line(clock))
    named = await chat.engine.handle(
        Command(
            tenant=chat.tenant,
            actor=Actor("nora", "No\x00ra"),
            text="aide",
            received_at=clock.now(),
            request_key="nul-name",
        )
    )
    submitted = await chat.click(
        "marie", actions.SUBMIT_RESULT, form={"quickwin": "1", "value": "45\x00", "note": "ok\x00"}
    )

    assert not is_error(named) and not is_error(submitted), submitted.messages[0].text
    assert "Nora" in await chat.text("claire", "boussole roles")
    assert "45 jours" in await chat.text("claire", "qw voir 1")
