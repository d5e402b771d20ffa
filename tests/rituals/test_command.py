"""The `rituel` / `ritual` command through the real Engine, in French and in English."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rituals.config import RitualConfig
from storage.database import Database
from tests.rituals.support import Harness, paris
from tests.support.clock import FakeClock


@pytest.fixture
async def company(harness: Harness) -> Harness:
    harness.clock.set(paris(2026, 3, 2, 8, 0))  # Monday 2 March, 08:00 in Paris
    await harness.company()
    return harness


async def test_list_shows_the_defaults_with_their_next_run_in_words(company: Harness) -> None:
    answer = await company.say("marie", "rituel")

    assert "#1 🧭 rappel du cap · chaque lundi à 09:00 · ✉️ managers en privé" in answer
    assert "prochain : lundi 2 mars à 09:00 (dans 1 h)" in answer
    assert "#2 ⏳ relance du cap · chaque jeudi à 10:00" in answer
    assert "#3 📈 point quick wins · chaque vendredi à 16:00 · #general" in answer
    assert "#4 💡 appel à retex et bilan · le 1er mardi du mois à 10:00" in answer
    assert "prochain : mardi 3 mars à 10:00 (demain)" in answer
    assert "#5 📊 revue KPI · le 1er lundi du mois à 09:00 · ✉️ direction en privé" in answer
    assert "sauf fériés (FR)" in answer
    assert "🎉 Célébration" in answer
    assert company.messenger.posts == []


async def test_list_in_english(company: Harness) -> None:
    await company.say("claire", "boussole language en")
    answer = await company.say("marie", "ritual list")

    assert "#1 🧭 cap reminder · every Monday at 09:00 · ✉️ managers by direct message" in answer
    assert "next: Monday 2 March at 09:00 (in 1 h)" in answer
    assert "#4 💡 retex prompt and digest · the first Tuesday of the month at 10:00" in answer
    assert "next: Tuesday 3 March at 10:00 (tomorrow)" in answer


async def test_the_next_run_skips_holidays(company: Harness) -> None:
    company.clock.set(paris(2026, 4, 3, 12, 0))  # Friday before Easter Monday (6 April 2026)
    answer = await company.say("claire", "rituel")
    assert "prochain : lundi 13 avril à 09:00 (dans 10 jours)" in answer


async def test_add_then_it_posts_at_its_time(company: Harness) -> None:
    answer = await company.say(
        "claire", "rituel ajouter quickwins mercredi 16:00 cible=#production"
    )
    assert answer == (
        "🗓️ Rituel #6 ajouté : point quick wins, chaque mercredi à 16:00, #production. "
        "Prochain : mercredi 4 mars à 16:00 (dans 2 jours)."
    )
    company.clock.set(paris(2026, 3, 4, 16, 0, 30))
    await company.run()
    (post,) = company.messenger.posts
    assert (post.target.id, post.message.kind) == ("production", "ritual.quickwin_progress")
    # The clock first ran on Wednesday: Monday's reminder was recorded missed, not posted.
    assert [o.status for o in await company.occurrences(1)] == ["missed"]


async def test_add_and_edit_in_english(company: Harness) -> None:
    await company.say("claire", "boussole language en")
    added = await company.say("claire", "ritual add kpi last friday 4pm target=directors")
    edited = await company.say(
        "claire", "ritual edit 6 first monday 8:30 timezone=America/New_York"
    )

    assert added.startswith("🗓️ Ritual #6 added: KPI review, the last Friday of the month at 16:00")
    assert "✉️ directors by direct message" in added
    assert "Next: Friday 27 March at 16:00" in added
    assert edited.startswith(
        "🗓️ Ritual #6 changed: KPI review, the first Monday of the month at 08:30"
    )
    assert "Next: Monday 2 March at 08:30 (in 6 h)" in edited  # in the ritual's time zone


async def test_now_posts_at_once(company: Harness) -> None:
    answer = await company.say("claire", "rituel maintenant 1")
    await company.run()

    assert answer == "▶️ Rituel #1 (rappel du cap) lancé : 2 message(s) en route."
    assert sorted(p.target.id for p in company.messenger.posts) == ["karim", "marie"]
    company.clock.set(paris(2026, 3, 2, 9, 0, 5))  # the scheduled run still happens
    await company.run()
    assert len(company.messenger.of_kind("ritual.cap_reminder")) == 4


async def test_now_twice_in_the_same_second_is_refused(company: Harness) -> None:
    await company.say("claire", "ritual now 1")
    answer = await company.say("claire", "ritual now 1")
    await company.run()
    assert "vient d'être lancé" in answer
    assert len(company.messenger.posts) == 2


async def test_skip_skips_the_next_run_only(company: Harness) -> None:
    answer = await company.say("claire", "rituel sauter 1")
    listing = await company.say("claire", "rituel liste")
    company.clock.set(paris(2026, 3, 2, 9, 0, 5))
    await company.run()
    company.clock.set(paris(2026, 3, 9, 9, 0, 5))
    await company.run()

    assert answer == "⏭ Rituel #1 (rappel du cap) : le passage du lundi 2 mars à 09:00 sera sauté."
    assert "⏭ saute le passage du lundi 2 mars à 09:00" in listing
    assert "prochain : lundi 9 mars à 09:00" in listing
    assert [o.status for o in await company.occurrences(1)] == ["skipped", "queued"]
    assert len(company.messenger.of_kind("ritual.cap_reminder")) == 2


async def test_pause_and_resume(company: Harness) -> None:
    paused = await company.say("claire", "rituel pause 1")
    again = await company.say("claire", "rituel pause 1")
    company.clock.set(paris(2026, 3, 2, 9, 0, 5))
    await company.run()
    assert company.messenger.of_kind("ritual.cap_reminder") == []
    resumed = await company.say("claire", "ritual resume 1")
    company.clock.set(paris(2026, 3, 9, 9, 0, 5))
    await company.run()

    assert paused == "⏸ Rituel #1 (rappel du cap) mis en pause."
    assert "⚠️ Le rituel #1 est déjà en pause." in again
    assert resumed.startswith("▶️ Rituel #1 (rappel du cap) repris. Prochain : lundi 9 mars")
    assert len(company.messenger.of_kind("ritual.cap_reminder")) == 2


async def test_channel_sets_the_team_channel_of_the_channel_rituals(company: Harness) -> None:
    answer = await company.say("claire", "rituel canal #equipe-direction")
    company.clock.set(paris(2026, 3, 3, 10, 0, 5))  # first Tuesday: the retex digest
    await company.run()

    assert answer == "Canal de l'équipe : #equipe-direction (2 rituel(s) y publient)."
    (post,) = company.messenger.to("equipe-direction")
    assert post.message.kind == "ritual.retex"


async def test_a_channel_not_chosen_yet_falls_back_to_the_directors(
    database: Database, clock: FakeClock
) -> None:
    # e.g. a Slack workspace: no channel is known until someone says which
    harness = Harness(database, clock, config=RitualConfig(default_channels={}))
    harness.clock.set(paris(2026, 3, 2, 8, 0))
    await harness.company()
    listing = await harness.say("claire", "rituel")
    harness.clock.set(paris(2026, 3, 3, 10, 0, 5))
    await harness.run()

    assert "canal d'équipe à choisir (« rituel canal #général »)" in listing
    (post,) = harness.messenger.posts
    assert post.target.id == "claire"
    assert "rituel canal #général" in post.message.text


ERRORS_FR = [
    ("rituel modifier 1 1 09:00", "⚠️ « 1 » : écrivez le jour en toutes lettres (lundi, mardi…)"),
    ("rituel modifier 1 toutes les 30 minutes", "⚠️ Un rituel tourne au plus une fois par heure."),
    (
        "rituel modifier 1 lundi 9h fuseau=Europe/Lutece",
        "⚠️ Fuseau horaire inconnu « Europe/Lutece ».",
    ),
    ("rituel modifier 1 lundi 9h Mars/Olympus", "⚠️ Fuseau horaire inconnu « Mars/Olympus »."),
    ("rituel modifier 1 0 9 * * 1", "⚠️ Les expressions cron ne sont pas acceptées"),
    ("rituel modifier 1 lundi 25h", "⚠️ Heure invalide « 25h »"),
    ("rituel modifier 1 lundi", "⚠️ Précisez l'heure"),
    ("rituel modifier 9 lundi 9h", "⚠️ Aucun rituel #9."),
    ("rituel modifier 1", "⚠️ Rien à modifier"),
    ("rituel ajouter cafe lundi 9h", "⚠️ Type de rituel inconnu « cafe »."),
    ("rituel ajouter qw lundi 9h cible=partout", "⚠️ Cible inconnue « partout »"),
    ("rituel ajouter qw lundi 9h couleur=bleu", "⚠️ Option inconnue « couleur »."),
    ("rituel ajouter qw lundi 9h fériés=peut-être", "⚠️ « peut-être » : écrivez fériés=oui"),
    ("rituel pause", "⚠️ Indiquez le numéro du rituel"),
    ("rituel danser", "⚠️ « danser » n'est pas une sous-commande de rituel."),
]
ERRORS_EN = [
    ("ritual edit 1 1 9:00", "⚠️ “1”: write the day in words (Monday, Tuesday…)"),
    ("ritual edit 1 every 15 minutes", "⚠️ A ritual runs at most once an hour."),
    ("ritual edit 1 monday 9:00 timezone=Nowhere/City", "⚠️ Unknown time zone “Nowhere/City”."),
    ("ritual edit 1 monday 13pm", "⚠️ Invalid time “13pm”"),
    ("ritual add coffee monday 9:00", "⚠️ Unknown ritual type “coffee”."),
]


@pytest.mark.parametrize(("line", "error"), ERRORS_FR)
async def test_bad_commands_get_a_clear_french_error_with_an_example(
    company: Harness, line: str, error: str
) -> None:
    before = await company.say("claire", "rituel")
    answer = await company.say("claire", line)
    await company.run()

    assert answer.startswith(error)
    assert "\nExemple : " in answer or "Tapez « rituel liste »" in answer
    assert await company.say("claire", "rituel") == before  # nothing changed
    assert company.messenger.posts == []


@pytest.mark.parametrize(("line", "error"), ERRORS_EN)
async def test_bad_commands_get_a_clear_english_error_with_an_example(
    company: Harness, line: str, error: str
) -> None:
    await company.say("claire", "boussole language en")
    answer = await company.say("claire", line)
    await company.run()

    assert answer.startswith(error)
    assert "\nExample: ritual " in answer
    assert company.messenger.posts == []


async def test_too_many_rituals_for_one_channel(company: Harness) -> None:
    for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"):
        assert "ajouté" in await company.say("claire", f"rituel ajouter qw {day} 11h")
    answer = await company.say("claire", "rituel ajouter retex dimanche 11h")
    english = await company.say("claire", "boussole language en")
    answer_en = await company.say("claire", "ritual add retex sunday 11:00 target=team")

    assert "Language set to English" in english
    assert answer.startswith("⚠️ #general a déjà 8 rituels : 8 au maximum par canal.")
    assert answer_en.startswith("⚠️ #general already has 8 rituals: at most 8 per channel.")
    assert "added" in await company.say("claire", "ritual add retex sunday 11:00 target=#other")


async def test_only_the_director_changes_rituals(company: Harness) -> None:
    for line in (
        "rituel ajouter qw lundi 9h",
        "rituel pause 1",
        "rituel maintenant 1",
        "rituel canal #x",
    ):
        answer = await company.say("marie", line)
        assert answer.startswith("⚠️ Seul·e un·e directeur·rice peut modifier les rituels.")
    await company.run()
    assert company.messenger.posts == []


async def test_help_has_a_ritual_topic(company: Harness) -> None:
    assert "rituel ajouter <type> <horaire>" in await company.say("marie", "aide rituel")
    assert "ritual add <type> <schedule>" in await company.say(
        "claire", "boussole language en"
    ) + await company.say("marie", "help ritual")


async def test_a_late_change_is_not_retroactive(company: Harness) -> None:
    company.clock.set(paris(2026, 3, 2, 9, 30))
    await company.say("claire", "rituel modifier 1 lundi 09:15")  # 09:15 is already past
    await company.run()
    company.clock.advance(timedelta(minutes=5))
    await company.run()
    assert company.messenger.of_kind("ritual.cap_reminder") == []
