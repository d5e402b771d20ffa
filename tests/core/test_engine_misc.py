"""Retex, KPI summary, roles, settings, help and unknown commands on the real engine."""

from __future__ import annotations

from datetime import timedelta

from bot import actions
from bot.requests import Actor
from storage.database import Database
from tests.core.test_engine_quickwins import add_line
from tests.support.chat import Chat, is_error
from tests.support.clock import FakeClock
from tests.support.statements import recorded_statements


async def test_retex_share_anonymous_linked_and_list(chat: Chat, clock: FakeClock) -> None:
    await chat.say("claire", add_line(clock))
    shared = await chat.say("marie", "retex qw=1 anonyme Signer les relances par le commercial.")
    text = shared.public[0].text
    assert "une personne de l'équipe" in text and "QW-1" in text and "Marie" not in text
    await chat.say("karim", "retex Former deux champions métier d'abord.")
    listing = await chat.text("claire", "retex liste")
    assert listing.index("champions") < listing.index("Signer")  # newest first
    assert "Marie" not in listing
    only_linked = await chat.text("claire", "retex liste qw=1")
    assert "Signer" in only_linked and "champions" not in only_linked
    assert is_error(await chat.say("karim", "retex"))
    assert is_error(await chat.say("karim", "retex qw=42 texte"))
    assert is_error(await chat.say("karim", "retex " + "x" * 2001))

    form = await chat.engine.open_form(
        chat.tenant, Actor("karim", "Karim"), actions.SHARE_RETEX, ""
    )
    assert [i.name for i in form.inputs] == ["text", "quickwin", "anonymous"]
    submitted = await chat.click(
        "karim",
        actions.SUBMIT_RETEX,
        form={"text": "Via le formulaire", "quickwin": "", "anonymous": "true"},
    )
    assert "une personne de l'équipe" in submitted.public[0].text
    empty = await chat.click("karim", actions.SUBMIT_RETEX, form={"text": " "})
    assert set(empty.field_errors) == {"text"}


async def test_kpi_summary(chat: Chat, clock: FakeClock) -> None:
    await chat.say("claire", "cap définir Exporter plus, mieux piloter les marges.")
    await chat.say("marie", "cap lu")
    await chat.say("claire", add_line(clock, days=10))
    await chat.say(
        "claire", add_line(clock, days=200).replace("Relance factures automatisée", "Cartographie")
    )
    clock.advance(timedelta(days=3))
    await chat.say("marie", "qw saisir 1 50")
    await chat.say("marie", "retex Une leçon importante.")
    clock.advance(timedelta(days=12))  # QW-1 is now past due
    summary = (await chat.say("claire", "kpi")).messages[-1]
    text = summary.text
    assert "Cap v1, posé il y a 15 j · lu par 1/2 managers" in text
    assert "52 jours → 50 jours → 38 jours" in text and "14 %" in text
    assert "mesuré il y a 12 j" in text and "jamais mesuré" in text
    assert "1 retour(s) d'expérience sur 30 jours" in text and "Une leçon importante" in text
    assert "En retard : QW-1" in text
    assert summary.kind == "kpi" and summary.is_personal
    refused = await chat.say("paul", "kpi")
    assert is_error(refused)


async def test_roles_and_settings(chat: Chat) -> None:
    assert is_error(await chat.say("marie", "boussole role @karim directeur"))
    assert is_error(await chat.say("claire", "boussole role @karim chef"))
    assert is_error(await chat.say("claire", "boussole role @claire membre"))  # last director
    assert "Karim est maintenant directeur·rice" in await chat.text(
        "claire", "boussole role @karim directeur"
    )

    bad_zone = await chat.say("claire", "boussole fuseau Mars/Olympus")
    assert is_error(bad_zone) and "Europe/Paris" in bad_zone.messages[0].text
    assert "America/New_York" in await chat.text("claire", "boussole fuseau america/new_york")
    assert is_error(await chat.say("claire", "boussole langue klingon"))
    assert "Language set to English" in await chat.text("claire", "boussole langue en")
    settings = await chat.text("claire", "boussole settings")
    assert "language en, time zone America/New_York" in settings
    unknown = await chat.text("claire", "qw lsit")
    assert "Did you mean “list”?" in unknown


async def test_help_and_unknown_commands(chat: Chat) -> None:
    overview = await chat.text("claire", "aide")
    assert "qw (quickwin)" in overview and "retex" in overview
    detail = await chat.text("claire", "aide cap")
    assert "100 mots" in detail and "« l'équipe »" in detail
    unknown = await chat.say("claire", "/cpa")
    assert is_error(unknown) and "Vouliez-vous dire « cap »" in unknown.messages[0].text
    sub = await chat.say("claire", "cap definr x")
    assert is_error(sub)
    assert "« definr » n'est pas une sous-commande de cap" in sub.messages[0].text
    assert "Vouliez-vous dire « definir » ?" in sub.messages[0].text


async def test_tenants_are_isolated(chat: Chat, clock: FakeClock) -> None:
    from bot.requests import TenantRef

    await chat.say("claire", add_line(clock))
    other = Chat(chat.engine, tenant=TenantRef("console", "other", "Other"))
    reply = await other.say("olga", "qw saisir 1 40")
    assert is_error(reply) and "Aucun quick win QW-1" in reply.messages[-1].text
    assert "Aucun quick win actif" in await other.text("olga", "qw liste")


async def test_a_known_persons_command_claims_and_reads_tenant_and_member_first(
    chat: Chat, database: Database
) -> None:
    """Its request key claimed for the tenant, then tenant and member in one statement (on
    SQLite both in one trip); nothing else reads them."""
    with recorded_statements(database.engine) as recorded:
        answer = await chat.text("marie", "aide")
    statements = [" ".join(statement.split()) for statement in recorded]
    assert "quickwin" in answer or "qw" in answer
    assert statements[0].startswith("INSERT INTO processed_request")
    assert "FROM tenant" in statements[0]
    assert "FROM tenant LEFT OUTER JOIN member" in statements[1]
    assert not [s for s in statements if "FROM tenant" in s or "FROM member" in s][2:]
