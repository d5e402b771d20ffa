"""Help texts, per command, in French and English."""

from __future__ import annotations

from typing import Final

from bot.messages import Heading, Message, Paragraph
from bot.model import Locale

OVERVIEW: Final = {
    Locale.FR: (
        "🧭 Boussole — garder le cap de la transformation numérique",
        "• cap — le cap de l'entreprise (100 mots), sa lecture par les managers\n"
        "• qw (quickwin) — les quick wins : ajouter, saisir un résultat, liste, voir, clore\n"
        "• retex — partager un retour d'expérience, les lister\n"
        "• kpi — la synthèse des indicateurs pour la direction\n"
        "• rituel (ritual) — les rituels programmés : liste, ajouter, pause, maintenant…\n"
        "• boussole — rôles, langue, fuseau horaire, réglages\n"
        "Tapez « aide <commande> » pour le détail, par ex. « aide qw ».",
    ),
    Locale.EN: (
        "🧭 Boussole — keep your digital transformation on course",
        "• cap — the company's heading (100 words) and who has read it\n"
        "• qw (quickwin) — quick wins: add, log a result, list, show, close\n"
        "• retex — share a lesson learned, list them\n"
        "• kpi — the KPI summary for the director\n"
        "• ritual (rituel) — scheduled rituals: list, add, pause, now…\n"
        "• boussole — roles, language, time zone, settings\n"
        "Type “help <command>” for details, e.g. “help qw”.",
    ),
}

TOPICS: Final[dict[str, dict[Locale, str]]] = {
    "cap": {
        Locale.FR: (
            "cap — affiche le cap actuel (et, pour la direction et les managers, qui l'a lu)\n"
            "cap définir <texte> — (direction) pose une nouvelle version, 100 mots au plus. "
            "Un mot est une suite de caractères sans espace contenant au moins une lettre ou un "
            "chiffre : « l'équipe » et « e-commerce » comptent pour un, « — » ou « € » seuls "
            "ne comptent pas.\n"
            "cap historique — les versions précédentes\n"
            "cap lu — confirme que vous avez lu la version actuelle (ou bouton « Lu ✅ »)\n"
            "Exemple : cap définir Devenir la PME de référence à l'export d'ici 2028…"
        ),
        Locale.EN: (
            "cap — shows the current cap (and, for the director and managers, who has read it)\n"
            "cap set <text> — (director) stores a new version, 100 words at most. A word is a "
            "run of non-space characters holding at least one letter or digit: “l'équipe” and "
            "“e-commerce” count as one, “—” or “€” alone count as none.\n"
            "cap history — previous versions\n"
            "cap ack — confirms you read the current version (or the “Read ✅” button)\n"
            "Example: cap set Become the reference SME for exports by 2028…"
        ),
    },
    "qw": {
        Locale.FR: (
            'qw ajouter "<titre>" kpi=<indicateur> unité=<unité> base=<valeur> cible=<valeur> '
            "échéance=<date> [resp=@personne] — (direction, managers) crée un quick win\n"
            "qw saisir <réf> <valeur> [note] — enregistre un résultat (38,5 ou 38.5 ; l'unité "
            "ou % peut suivre)\n"
            "qw liste [tous] — les quick wins actifs (ou tous)\n"
            "qw voir <réf> — historique, progression, tendance\n"
            "qw clore <réf> fait|abandonné\n"
            "La référence est le numéro : 1, #1 ou QW-1. Progression = (valeur − base) / "
            "(cible − base), juste aussi quand plus bas est mieux (ex. délai de paiement). "
            "« En bonne voie » si la progression est au-dessus de la droite allant de la base "
            "(à la création) à la cible (à l'échéance).\n"
            'Exemple : qw ajouter "Relance factures automatisée" kpi="Délai de paiement" '
            "unité=jours base=52 cible=38 échéance=2027-03-31 resp=@marie"
        ),
        Locale.EN: (
            'qw add "<title>" kpi=<indicator> unit=<unit> baseline=<value> target=<value> '
            "due=<date> [owner=@person] — (director, managers) creates a quick win\n"
            "qw log <ref> <value> [note] — records a result (38.5 or 38,5; a unit or % may "
            "follow)\n"
            "qw list [all] — active quick wins (or all)\n"
            "qw show <ref> — history, progress, trend\n"
            "qw close <ref> done|abandoned\n"
            "The reference is the number: 1, #1 or QW-1. Progress = (value − baseline) / "
            "(target − baseline), right also when lower is better (e.g. days to get paid). "
            "“On track” when progress is above the straight line from the baseline (at "
            "creation) to the target (at the due date).\n"
            'Example: qw add "Automated invoice reminders" kpi="Days to get paid" unit=days '
            "baseline=52 target=38 due=2027-03-31 owner=@marie"
        ),
    },
    "retex": {
        Locale.FR: (
            "retex [qw=<réf>] [anonyme] <texte> — partage un retour d'expérience, lié à un "
            "quick win ou non, anonyme ou non\n"
            "retex liste [qw=<réf>] — les plus récents\n"
            "Exemple : retex qw=1 Les relances automatiques ont besoin d'un ton humain."
        ),
        Locale.EN: (
            "retex [qw=<ref>] [anonymous] <text> — shares a lesson learned, optionally linked "
            "to a quick win, optionally anonymous\n"
            "retex list [qw=<ref>] — the most recent ones\n"
            "Example: retex qw=1 Automated reminders need a human tone."
        ),
    },
    "kpi": {
        Locale.FR: (
            "kpi — (direction, managers) synthèse : version et lecture du cap, chaque quick "
            "win actif (base → dernière valeur → cible, progression, statut, âge de la "
            "dernière mesure, tendance), retours d'expérience des 30 derniers jours, retards."
        ),
        Locale.EN: (
            "kpi — (director, managers) summary: cap version and readers, each active quick "
            "win (baseline → latest → target, progress, status, age of the last measure, "
            "trend), lessons learned of the last 30 days, what is overdue."
        ),
    },
    "boussole": {
        Locale.FR: (
            "boussole roles — les membres et leurs rôles\n"
            "boussole role @personne directeur|manager|membre — (direction) change un rôle\n"
            "boussole langue fr|en — (direction) langue de l'espace\n"
            "boussole fuseau <IANA> — (direction) fuseau horaire, ex. Europe/Paris\n"
            "boussole réglages — affiche les réglages\n"
            "La première personne d'un espace en devient directeur·rice."
        ),
        Locale.EN: (
            "boussole roles — members and their roles\n"
            "boussole role @person director|manager|member — (director) changes a role\n"
            "boussole language fr|en — (director) workspace language\n"
            "boussole timezone <IANA> — (director) time zone, e.g. Europe/Paris\n"
            "boussole settings — shows the settings\n"
            "The first person of a workspace becomes its director."
        ),
    },
}

TOPIC_ALIASES: Final = {
    "quickwin": "qw",
    "quickwins": "qw",
    "qw": "qw",
    "cap": "cap",
    "retex": "retex",
    "kpi": "kpi",
    "boussole": "boussole",
    "roles": "boussole",
    "role": "boussole",
    "réglages": "boussole",
    "settings": "boussole",
}


def register_topic(name: str, texts: dict[Locale, str], *aliases: str) -> None:
    """Let another layer's command (e.g. rituals) add its own help."""
    TOPICS[name] = texts
    for alias in (name, *aliases):
        TOPIC_ALIASES[alias] = name


def help_message(locale: Locale, topic: str) -> Message:
    key = TOPIC_ALIASES.get(topic.lower().lstrip("/"))
    if key is None:
        title, body = OVERVIEW[locale]
    else:
        title, body = f"❔ {topic.lower().lstrip('/')}", TOPICS[key][locale]
    return Message(f"{title}\n{body}", (Heading(title), Paragraph(body)), kind="help")
