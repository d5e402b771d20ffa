"""End to end: the real `boussole` console process, driven through a pipe on a fresh SQLite file."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date, timedelta
from pathlib import Path

BOUSSOLE = Path(sys.executable).parent / "boussole"


async def converse(database: Path, lines: list[str], locale: str = "fr") -> str:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "BOUSSOLE_LOCALE": locale,
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        str(BOUSSOLE),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    script = "\n".join(lines) + "\n"
    out, err = await asyncio.wait_for(process.communicate(script.encode()), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_console_plays_every_command_as_several_people(tmp_path: Path) -> None:
    due = (date.today() + timedelta(days=90)).isoformat()
    output = await converse(
        tmp_path / "boussole.db",
        [
            "/as @claire",
            "/cap définir Exporter 35 % de notre chiffre d'affaires d'ici 2028 🚀",
            "/boussole role @marie manager",
            f'/qw ajouter "Relance factures" kpi="Délai de paiement" unité=jours base=52 cible=38 échéance={due} resp=@marie',
            "/as @marie",
            "/cap",
            "/clic 1",
            "/qw saisir QW-1 45,5 jours premières relances",
            "/qw voir 1",
            "/retex qw=1 anonyme Le ton des relances compte.",
            "/qw liste",
            "/clic 1",
            "1",
            "40",
            "via le formulaire",
            "/qw voir 1",
            "/as @claire",
            "/cap définir " + " ".join(["mot"] * 101),
            "/kpi",
            "/cpa",
            "/quitter",
        ],
    )
    assert "Bienvenue claire" in output
    assert "Nouveau cap (v1)" in output and "🚀" in output
    assert "marie est maintenant manager" in output
    assert "Nouveau quick win QW-1" in output
    assert "Merci marie, votre lecture du cap v1 est enregistrée" in output
    assert "45,5 jours" in output and "premières relances" in output
    assert "une personne de l'équipe" in output
    assert "marie a saisi 40 jours" in output
    assert "40 jours — via le formulaire (marie)" in output
    assert "Le cap fait 101 mots" in output
    assert "Synthèse KPI" in output and "lu par 1/1 managers" in output
    assert "Vouliez-vous dire « cap »" in output


async def test_console_data_survives_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "kept.db"
    await converse(database, ["/cap définir Un cap qui dure."])
    again = await converse(database, ["/cap"])
    assert "Un cap qui dure." in again and "Notre cap (v1)" in again


async def test_demo_runs_the_example_company() -> None:
    process = await asyncio.create_subprocess_exec(
        str(BOUSSOLE),
        "demo",
        "--weeks",
        "6",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    text = out.decode()
    assert "EuroTech Industrie" in text
    assert "Objectif atteint" in text  # the invoice reminders reach their target
    assert "Synthèse KPI" in text and "lu par 2/3 managers" in text
