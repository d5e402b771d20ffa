"""The default rituals, end to end through the console: as a person sees them in the terminal."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from adapters.console.session import ConsoleMessenger, ConsoleSession
from bot.engine import Engine
from bot.requests import Actor, TenantRef
from main.rituals_app import RitualRuntime
from main.settings import Settings
from storage.database import Database
from tests.rituals.support import paris
from tests.support.clock import FakeClock

TENANT = TenantRef("console", "eurotech", "EuroTech")


class Console:
    def __init__(self, database: Database, clock: FakeClock) -> None:
        self.out = io.StringIO()
        self.runtime = RitualRuntime(database, {}, clock, Settings())
        engine = Engine(database.store, clock, extra_commands=self.runtime.commands)
        self.session = ConsoleSession(engine, out=self.out, tenant=TENANT, clock=clock)
        self.runtime.connect(ConsoleMessenger(self.session))
        self.clock = clock

    async def say(self, who: str, line: str) -> None:
        self.session.actor = Actor(who, who.title())
        await self.session.step(line)

    async def live_until(self, end: datetime, step: timedelta = timedelta(hours=1)) -> None:
        while self.clock.now() < end:
            self.clock.advance(step)
            await self.runtime.run_due()

    def ritual_posts(self) -> list[str]:
        """Posts the rituals made (direct messages, and the #general channel by its id)."""
        return [
            line
            for line in self.out.getvalue().splitlines()
            if line.startswith(("┌─ Boussole · ✉️", "┌─ Boussole · #general"))
        ]


async def test_two_weeks_of_default_rituals_through_the_console(
    database: Database, clock: FakeClock
) -> None:
    clock.set(paris(2026, 2, 23, 8, 0))  # Monday 23 February
    console = Console(database, clock)
    await console.say("claire", "/cap définir Exporter 35 % de notre chiffre d'affaires en 2028.")
    await console.say("claire", "/boussole role @marie manager")
    await console.say("claire", "/boussole role @karim manager")
    await console.say(
        "claire",
        '/qw ajouter "Relance factures" kpi=Délai unité=jours base=52 cible=38 '
        "échéance=2026-06-30 resp=@marie",
    )
    await console.say(
        "claire",
        '/qw ajouter "Cartographie" kpi=Processus unité=% base=0 cible=100 '
        "échéance=2026-09-30 resp=@karim",
    )
    await console.runtime.run_due()  # the clock sees the tenant: its default rituals are made
    await console.live_until(paris(2026, 2, 23, 10, 0))
    await console.say("marie", "/cap lu")
    clock.set(paris(2026, 2, 25, 11, 0))
    await console.say("marie", "/qw saisir 1 47")
    await console.say("karim", "/retex Cartographier avant d'acheter : trois doubles saisies.")
    await console.live_until(paris(2026, 3, 4, 12, 0))
    await console.say("karim", "/qw saisir 2 100")  # target reached: the command celebrates
    await console.live_until(paris(2026, 3, 6, 17, 0))

    posts = console.ritual_posts()
    out = console.out.getvalue()
    assert posts == [
        "┌─ Boussole · ✉️ @marie",  # Mon 23 Feb 09:00: cap reminder
        "┌─ Boussole · ✉️ @karim",
        "┌─ Boussole · ✉️ @karim",  # Thu 26 Feb 10:00: nudge, Karim only (Marie read it)
        "┌─ Boussole · #general",  # Fri 27 Feb 16:00: quick wins
        "┌─ Boussole · ✉️ @marie",  # Mon 2 Mar 09:00: cap reminder
        "┌─ Boussole · ✉️ @karim",
        "┌─ Boussole · ✉️ @claire",  # Mon 2 Mar 09:00: KPI review (first Monday)
        "┌─ Boussole · #general",  # Tue 3 Mar 10:00: retex digest of February (first Tuesday)
        "┌─ Boussole · ✉️ @karim",  # Thu 5 Mar 10:00: nudge
        "┌─ Boussole · #general",  # Fri 6 Mar 16:00: quick wins
        "┌─ Boussole · ✉️ @marie",  # ... and a nudge: nothing logged on QW-1 since 27 Feb
    ]
    assert "📅 Le rappel de la semaine : relisez le cap et cliquez « Lu ✅ »." in out
    assert "✅ Vous l'avez lu le 23/02/2026." in out
    assert "📊 Synthèse KPI — EuroTech" in out
    assert "💡 Retours d'expérience — bilan de février" in out
    assert "1 retour(s) partagé(s) en février :" in out
    assert "QW-1 Relance factures : 52 jours → 47 jours → 38 jours" in out
    assert "🏆 objectif atteint" in out
    assert "👋 Marie, aucun résultat saisi depuis le dernier point (27/02/2026) pour : QW-1" in out
    assert out.count("🎉 Objectif atteint !") == 1  # the command's reply; rituals never repeat it


async def test_the_console_runtime_posts_what_is_due_when_it_starts(
    database: Database, clock: FakeClock
) -> None:
    clock.set(paris(2026, 3, 9, 8, 0))
    console = Console(database, clock)
    await console.say("claire", "/boussole role @marie manager")
    await console.say("claire", "/cap définir Exporter davantage.")
    await console.say("claire", "/rituel")  # the rituals layer sees the tenant: defaults made
    clock.set(paris(2026, 3, 9, 9, 0, 10))

    async with console.runtime:
        await console.runtime.scheduler.settled()

    assert console.ritual_posts() == ["┌─ Boussole · ✉️ @marie"]
