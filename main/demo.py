"""`boussole demo`: the seed article's example company, EuroTech Industrie, played week by week."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from adapters.console.session import ConsoleMessenger, ConsoleSession
from bot.engine import Engine
from bot.model import Locale
from bot.requests import Actor, TenantRef
from main.rituals_app import RitualRuntime
from main.settings import Settings
from rituals.wording import local_date
from storage.database import Database

EUROTECH = TenantRef("console", "eurotech", "EuroTech Industrie")
DIRECTOR = Actor("claire", "Claire")
MARIE = Actor("marie", "Marie")
KARIM = Actor("karim", "Karim")
JULIEN = Actor("julien", "Julien")

CAP = (
    "EuroTech Industrie vise 35 % de son chiffre d'affaires à l'export d'ici 2028, avec des "
    "marges pilotées chaque mois. Le numérique sert ce cap, jamais l'inverse : avant tout achat "
    "d'outil, nous cartographions nos flux, choisissons les chantiers au meilleur ratio "
    "impact/faisabilité et mesurons chaque gain. Chaque trimestre, un quick win visible prouve "
    "la démarche. Pour 3 € de technologie, nous investissons 1 € dans les personnes : "
    "formation, coaching, communication. Les managers portent ce cap dans leurs équipes et "
    "partagent leurs retours d'expérience, succès comme échecs."
)

# Weekly results per quick win: (person, quick-win number, values week by week).
RESULTS: tuple[tuple[Actor, int, tuple[str, ...]], ...] = (
    (MARIE, 1, ("50", "48,5", "46", "44", "41", "38", "37,5", "37")),
    (KARIM, 2, ("10 %", "20 %", "25 %", "35 %", "40 %", "50 %", "60 %", "65 %")),
    (JULIEN, 3, ("12", "11", "11", "", "10", "9", "9", "8")),  # "": nothing logged that week
)
RETEX: dict[int, tuple[Actor, str]] = {
    2: (
        MARIE,
        "qw=1 Les relances automatiques marchent mieux signées par le commercial du client.",
    ),
    4: (KARIM, "qw=2 anonyme Cartographier avant d'acheter : on a découvert 3 doubles saisies."),
    5: (JULIEN, "Former deux « champions métier » avant le déploiement a évité bien des tickets."),
}


class SteppingClock:
    """A clock the demo moves forward by hand."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass
class Demo:
    session: ConsoleSession
    clock: SteppingClock
    rituals: RitualRuntime | None = None

    async def say(self, actor: Actor, text: str) -> None:
        self.session.actor = actor
        self.session.write(f"\n{actor.display_name}> /{text}")
        await self.session.command(text)

    async def live_until(self, end: datetime) -> None:
        """Jump from one ritual occurrence to the next until `end`, as the scheduler wakes."""
        if self.rituals is None:
            self.clock.current = end
            return
        while True:
            wakeups = (await self.rituals.service.wakeups()).values()
            due = min((at for at in wakeups if at <= end), default=None)
            if due is None:
                break
            self.clock.current = due
            self.session.write(f"\n── 🗓️ {local_date(due, 'Europe/Paris', Locale.FR)} ──")
            report = await self.rituals.run_due()
            if not report.send.sent:
                self.session.write("   (rien à publier : jour férié, ou personne à relancer)")
        self.clock.current = end
        await self.rituals.run_due()

    def chapter(self, title: str) -> None:
        day = self.clock.now().strftime("%d/%m/%Y")
        self.session.write(f"\n═══ {title} — {day} ═══")


async def play(demo: Demo, weeks: int) -> None:
    start = demo.clock.now()

    def due(weeks_ahead: int) -> str:
        return (start + timedelta(weeks=weeks_ahead)).date().isoformat()

    demo.chapter("Semaine 0 : la direction pose la boussole")
    for person in (MARIE, KARIM, JULIEN):
        await demo.say(DIRECTOR, f"boussole role @{person.external_id} manager")
    await demo.say(DIRECTOR, f"cap définir {CAP}")
    await demo.say(
        DIRECTOR,
        'qw ajouter "Relance automatisée des factures" kpi="Délai moyen de paiement" '
        f"unité=jours base=52 cible=38 échéance={due(10)} resp=@marie",
    )
    await demo.say(
        DIRECTOR,
        'qw ajouter "Cartographie des flux de production" kpi="Processus cartographiés" '
        f"unité=% base=0 cible=100 échéance={due(16)} resp=@karim",
    )
    await demo.say(
        DIRECTOR,
        'qw ajouter "Tableau de bord des marges" kpi="Délai de clôture mensuelle" '
        f"unité=jours base=12 cible=5 échéance={due(20)} resp=@julien",
    )
    await demo.say(MARIE, "cap lu")
    await demo.say(KARIM, "cap lu")
    await demo.say(DIRECTOR, "rituel")
    for week in range(1, weeks + 1):
        await demo.live_until(start + timedelta(weeks=week))
        demo.chapter(f"Semaine {week}")
        for actor, number, values in RESULTS:
            if week <= len(values) and values[week - 1]:
                await demo.say(actor, f"qw saisir {number} {values[week - 1]}")
        if week in RETEX:
            actor, text = RETEX[week]
            await demo.say(actor, f"retex {text}")
    demo.chapter("Synthèse pour la direction")
    await demo.say(DIRECTOR, "kpi")


async def run_demo(weeks: int = 6, out: TextIO | None = None) -> None:
    """Play the demo on a fresh temporary SQLite database and print every post."""
    with tempfile.TemporaryDirectory(prefix="boussole-demo-") as folder:
        database = Database.from_url(f"sqlite:///{Path(folder) / 'demo.db'}")
        try:
            await database.upgrade()
            monday = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
            monday -= timedelta(days=monday.weekday(), weeks=weeks)
            clock = SteppingClock(monday)
            rituals = RitualRuntime(database, {}, clock, Settings())
            engine = Engine(database.store, clock, extra_commands=rituals.commands)
            session = ConsoleSession(engine, out=out or sys.stdout, tenant=EUROTECH, clock=clock)
            rituals.connect(ConsoleMessenger(session))
            await play(Demo(session, clock, rituals), weeks)
        finally:
            await database.dispose()
