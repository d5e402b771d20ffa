"""`boussole demo` plays simulated weeks of the default rituals on the example company."""

from __future__ import annotations

import io

from main.demo import run_demo


async def test_the_demo_plays_the_rituals_as_people_see_them() -> None:
    out = io.StringIO()
    await run_demo(weeks=6, out=out)
    text = out.getvalue()

    reminders = text.count("📅 Le rappel de la semaine : relisez le cap")
    assert 5 * 3 <= reminders <= 6 * 3  # three managers each Monday (one may be a holiday)
    assert text.count("▌ 📈 Point quick wins") >= 5  # every Friday (one may be a holiday)
    assert text.count("⏳ Vous n'avez pas encore confirmé la lecture du cap v1") >= 5  # Julien
    # The dates are today's: the monthly rituals and Julien's nudge depend on the calendar.
    assert text.count("🎉 Objectif atteint !") == 1
    assert text.rstrip().endswith("└─")
    assert "Synthèse pour la direction" in text
